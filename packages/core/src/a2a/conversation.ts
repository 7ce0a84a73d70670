// The conversation metadata this SDK writes on A2A messages (documented in docs/protocol.md).

/** Message metadata key naming the `messageId` an answer answers. */
export const IN_REPLY_TO_KEY = "molecule_in_reply_to";

/** Message metadata key with the sender's own workspace id (an unauthenticated hint). */
export const SOURCE_WORKSPACE_KEY = "molecule_source_workspace_id";

/**
 * Whether an A2A `role` marks an answer: `"agent"` (v0.3), `"ROLE_AGENT"` (v1.0) or the
 * `"assistant"` some SDKs send. Any such message is an answer, whichever SDK sent it.
 */
export function isAgentRole(role: unknown): boolean {
  return role === "agent" || role === "ROLE_AGENT" || role === "assistant";
}
