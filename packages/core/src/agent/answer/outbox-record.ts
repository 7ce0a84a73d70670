// What the reply outbox keeps of an answer: its messageId, the message it answers, who waits for
// it to leave. An answer's messageId is the same in every run of a workspace for the same platform
// row, so an answer sent again after a crash is the same message: a restart without saved state (a
// container without a volume) handles again what its checkpoint had not passed, and the answers it
// sends again are collapsed by the platform (2026-08: `ON CONFLICT (workspace_id, message_id)` in
// `LogActivity`, activity.go at enteros-core aeec8e47, keyed by the A2A messageId the proxy reads
// from the body) and de-duplicated by the receiving SDK (by messageId) on older servers.
import { randomUUID, sha256Hex } from "../../runtime/index.js";
import type { AnswerFailure, AnswerTask } from "../../a2a/index.js";
import type { InboundMessage, OutboxRecord } from "../../inbound/index.js";

/**
 * The messageId of `workspaceId`'s answer to `msg` (an answer; a refusal: `task.error`; a failure
 * answer: `failure`), from its messageId within the sender the platform authenticated (as the
 * admit stage de-duplicates it: the same whether read from its row or taken from the event
 * stream), else its activity id, else (pushed) its messageId: a UUID in form (RFC 9562 version
 * 8). Random for a message with none.
 */
export function answerMessageId(
  workspaceId: string,
  msg: Pick<InboundMessage, "activityId" | "messageId" | "sourceId">,
  task: AnswerTask | undefined,
  failure: AnswerFailure | undefined,
): string {
  const kind = failure ?? (task?.error === undefined ? "answer" : "refusal");
  const of =
    msg.sourceId != null && msg.messageId !== undefined
      ? `message:${msg.sourceId}:${msg.messageId}`
      : msg.activityId !== undefined
        ? `activity:${msg.activityId}`
        : msg.messageId !== undefined
          ? `message:${msg.messageId}`
          : undefined;
  if (of === undefined) return randomUUID();
  const h = sha256Hex(`molecule-answer\n${workspaceId}\n${of}\n${kind}`);
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16); // the RFC variant bits
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Rebuilds the parts of an {@link InboundMessage} that routing an answer needs. */
export function messageOf(record: OutboxRecord): InboundMessage {
  const msg: InboundMessage = {
    activityId: record.to.activityId,
    messageId: record.to.messageId,
    method: "message/send",
    params: undefined,
    source: record.to.source,
    sourceId: record.to.sourceId,
    text: "",
    parts: [],
    receivedAt: new Date(record.queuedAt),
    isReply: false,
    raw: undefined,
  };
  if (record.to.contextId !== undefined) msg.contextId = record.to.contextId;
  return msg;
}

/** Waiters for a set of answers to leave the outbox (delivered or dead-lettered). */
export class SentWaiters {
  readonly #waiting: { ids: Set<string>; resolve: () => void }[] = [];

  /** Resolves once every answer of `ids` has left, or `stopped` aborts. */
  wait(ids: Iterable<string>, stopped: AbortSignal): Promise<void> {
    const set = new Set(ids);
    if (set.size === 0 || stopped.aborted) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ ids: set, resolve }));
  }

  /** The answer `id` left the outbox. */
  removed(id: string): void {
    for (let i = this.#waiting.length - 1; i >= 0; i--) {
      const w = this.#waiting[i]!;
      if (w.ids.delete(id) && w.ids.size === 0) {
        this.#waiting.splice(i, 1);
        w.resolve();
      }
    }
  }

  /** The outbox stops sending: every waiter resolves. */
  release(): void {
    for (const w of this.#waiting.splice(0)) w.resolve();
  }
}
