// A client view of a running agent: its `callPeer` awaits a poll-delivered peer's answer.
import { RemoteAgent } from "./remote-agent.js";
import type { AgentPlatformClient } from "./types.js";

const views = new WeakMap<object, object>();

/**
 * Returns `source` itself when it is a client, or, for a `RemoteAgent`, its client with `callPeer`
 * replaced by the agent's (which awaits a poll-delivered peer's answer; see
 * `RemoteAgent#callPeer`); every other method and property is the client's own.
 *
 * @example
 * const tools = await loadPeerTools(peerClientOf(agent)); // tools get the peers' answers
 */
export function peerClientOf<C extends AgentPlatformClient>(source: RemoteAgent<C>): C;
export function peerClientOf<T extends object>(source: T): T;
export function peerClientOf(source: object): object {
  if (!(source instanceof RemoteAgent)) return source;
  const cached = views.get(source);
  if (cached) return cached;
  const agent = source as RemoteAgent;
  const client = agent.client as unknown as object;
  const callPeer = agent.callPeer.bind(agent);
  const view = new Proxy(client, {
    get(target, prop) {
      if (prop === "callPeer") return callPeer;
      const value: unknown = Reflect.get(target, prop, target);
      // Bind methods to the real client: its private fields are not on the proxy.
      return typeof value === "function"
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
  views.set(source, view);
  return view;
}
