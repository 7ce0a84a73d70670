// Ids derived from a message's id: the same message (a resend, a proxy retry, after a restart)
// gets the same id, so it lands in the same conversation and the same task.
import { hash } from "node:crypto";

/** A UUID-shaped id derived from `messageId` for `purpose` (e.g. `"context"`, `"task"`). */
export function derivedId(purpose: string, messageId: string): string {
  const h = hash("sha256", `molecule-${purpose}\0${messageId}`, "hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
