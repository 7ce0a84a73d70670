// The messageId of an answer: the same in every run of a workspace for the same platform row, so
// an answer sent again after a crash is the same message. A restart without saved state (a
// container without a volume) handles again what its checkpoint had not passed; the answers it
// sends again are collapsed by the platform (2026-08: `ON CONFLICT (workspace_id, message_id)` in
// `LogActivity`, activity.go at enteros-core aeec8e47, keyed by the A2A messageId the proxy reads
// from the body) and de-duplicated by the receiving SDK (by messageId) on older servers.
import { randomUUID, sha256Hex } from "../../runtime/index.js";
import type { AnswerFailure, AnswerTask } from "../../a2a/index.js";
import type { InboundMessage } from "../../inbound/index.js";

/**
 * The messageId of `workspaceId`'s answer to `msg` (an answer; a refusal: `task.error`; a failure
 * answer: `failure`), from its activity id (else its messageId): a UUID in form (RFC 9562 version
 * 8). Random for a message with neither.
 */
export function answerMessageId(
  workspaceId: string,
  msg: Pick<InboundMessage, "activityId" | "messageId">,
  task: AnswerTask | undefined,
  failure: AnswerFailure | undefined,
): string {
  const kind = failure ?? (task?.error === undefined ? "answer" : "refusal");
  const of =
    msg.activityId !== undefined
      ? `activity:${msg.activityId}`
      : msg.messageId !== undefined
        ? `message:${msg.messageId}`
        : undefined;
  if (of === undefined) return randomUUID();
  const h = sha256Hex(`molecule-answer\n${workspaceId}\n${of}\n${kind}`);
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16); // the RFC variant bits
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
