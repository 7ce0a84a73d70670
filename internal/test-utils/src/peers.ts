// Test doubles of what the platform says about peers, shared by the adapters' fake clients.
// (This package cannot import @molecule-ai/agent-core, which depends on it; the values below are
// checked against agent-core's types where the adapters' tests use them.)

/** The OFFSEC-003 marker that opens a peer's answer as the platform's A2A proxy returns it. */
export const PEER_RESULT_START = "[A2A_RESULT_FROM_PEER]";
/** The OFFSEC-003 marker that closes a peer's answer. */
export const PEER_RESULT_END = "[/A2A_RESULT_FROM_PEER]";

/** `text` as the platform's A2A proxy returns a peer's answer: between the OFFSEC-003 markers. */
export function wrapPeerText(text: string): string {
  return `${PEER_RESULT_START}\n${text}\n${PEER_RESULT_END}`;
}

/**
 * The fields of an online peer about which nothing else is known: agent-core's `Peer` without
 * `id` and `name` (spread it into a `Peer` literal).
 */
export const PEER_DEFAULTS = {
  role: null,
  tier: null,
  status: "online",
  url: null,
  parentId: null,
  activeTasks: 0,
  agentCard: null,
} as const;
