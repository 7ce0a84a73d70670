// What the tools call through: a RemoteAgent (whose callPeer awaits a poll peer's answer) or a
// PlatformClient-shaped object, resolved once to a client.
import { peerClientOf } from "@molecule-ai/agent-core";
import type { PlatformClient } from "@molecule-ai/agent-core";
import type { AgentSource } from "./types.js";

/** The client behind a tool source: a `RemoteAgent`'s awaiting view, or the object itself. */
export function clientOf<K extends keyof PlatformClient>(
  source: Pick<PlatformClient, K> | AgentSource,
): Pick<PlatformClient, K> {
  return peerClientOf(source as object) as Pick<PlatformClient, K>;
}
