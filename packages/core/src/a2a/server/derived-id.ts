// Ids derived from a message's id: the same message (a resend, a proxy retry, after a restart)
// gets the same id, so it lands in the same conversation and the same task. And the fingerprint
// of its content, which tells a resend from another message sent under the same id.
import { randomHex, sha256Base64url, sha256Hex } from "../../runtime/index.js";
import type { A2AMessage } from "../types.js";

/** A UUID-shaped id derived from `messageId` for `purpose` (e.g. `"context"`, `"task"`). */
export function derivedId(purpose: string, messageId: string): string {
  const h = sha256Hex(`molecule-${purpose}\0${messageId}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * A fresh task id: 128 random bits, UUID-shaped (32 hex digits in 8-4-4-4-12 groups). A task id is
 * the capability to its task (the push path names no caller), so it is never derived, counted or
 * chosen by a caller.
 */
export function newTaskId(): string {
  const h = randomHex(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * What a resend of `m` repeats: its contextId, taskId and parts (not its metadata, where a resend
 * may carry new trace context), as the base64url SHA-256 of their JSON (43 characters). A pushed
 * message's sender is not authenticated: this tells a resend from another message under its id.
 */
export function contentFingerprint(m: Pick<A2AMessage, "contextId" | "taskId" | "parts">): string {
  const content = JSON.stringify([m.contextId ?? null, m.taskId ?? null, m.parts]);
  return sha256Base64url(content);
}
