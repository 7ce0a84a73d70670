// Test doubles of what the platform says about peers, shared by the adapters' fake clients.
// (This package cannot import @molecule-ai/agent-core, which depends on it; the values below are
// checked against agent-core's types where the adapters' tests use them.)

/**
 * The OFFSEC-003 marker that opens a peer's answer, as the seed documents describe the platform
 * wrapping it (no platform server does: the May-2026 in-container runtime did; the emulator's
 * `offsec003Wrapping` opt-in models it). The adapters strip it wherever it appears.
 */
export const PEER_RESULT_START = "[A2A_RESULT_FROM_PEER]";
/** The OFFSEC-003 marker that closes a peer's answer. */
export const PEER_RESULT_END = "[/A2A_RESULT_FROM_PEER]";

/** `text` between the OFFSEC-003 markers (a fake client's wrapped peer answer). */
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
