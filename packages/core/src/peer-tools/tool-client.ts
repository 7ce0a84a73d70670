// What a peer tool is built from: the client behind a tool source, and the peer it calls.
import { peerClientOf } from "../agent/index.js";
import { PeerToolConfigError } from "./errors.js";

/**
 * The client behind a tool source: a `RemoteAgent`'s awaiting view (`peerClientOf`), or the object
 * itself. Throws `PeerToolConfigError` naming `caller` when it lacks one of `methods`.
 */
export function toolClientOf<T extends object>(
  source: object,
  methods: readonly string[],
  caller: string,
): T {
  const client = peerClientOf(source) as T;
  const missing = methods.filter(
    (m) => typeof (client as Record<string, unknown> | undefined)?.[m] !== "function",
  );
  if (missing.length > 0) {
    throw new PeerToolConfigError(
      `${caller}: \`client\` must be a PlatformClient (a RemoteAgent, or an object with ${methods.join(", ")}); ${missing.join(", ")} missing.`,
    );
  }
  return client;
}

/**
 * A peer given as its workspace id or as a peer object, as an object with a non-empty `id`;
 * throws `PeerToolConfigError` naming `caller` otherwise.
 */
export function toPeerRef<P extends { id: string }>(
  peer: string | P,
  caller: string,
): P | { id: string } {
  const ref = typeof peer === "string" ? { id: peer } : peer;
  if (typeof ref?.id !== "string" || ref.id.trim() === "") {
    throw new PeerToolConfigError(
      `${caller}: the peer id is empty; pass a workspace id or a Peer from client.listPeers().`,
    );
  }
  return ref;
}
