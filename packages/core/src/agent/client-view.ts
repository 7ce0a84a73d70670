// A client view of a running agent: its \`callPeer\` awaits a poll-delivered peer's answer (see
// \`peerClientOf\`). One view per agent.
const views = new WeakMap<object, object>();

/** `client` with `callPeer` replaced, every other method bound to the real client. */
export function clientView(agent: object, client: object, callPeer: unknown): object {
  const cached = views.get(agent);
  if (cached) return cached;
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
  views.set(agent, view);
  return view;
}
