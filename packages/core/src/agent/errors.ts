// Typed errors of conversations: an awaited answer that did not come, a conversation cut by the
// turn limit, a reply that could not be delivered.
import type { PeerCallResult } from "../platform/index.js";
import { MoleculeError } from "../transport/index.js";

/** The queued receipt of a peer call (what `callPeer` returns with `awaitReply: false`). */
export type QueuedReceipt = Extract<PeerCallResult, { status: "queued" }>;

/**
 * `RemoteAgent#callPeer` sent the message (the platform queued it) but no answer came within
 * `timeoutMs`. The receipt says what was queued; an answer that comes later reaches the handler as
 * an inbound answer (`msg.isReply`). Not retryable: calling again would send the message twice.
 */
export class MoleculeReplyTimeoutError extends MoleculeError {
  /** The platform's receipt for the queued message. */
  readonly receipt: QueuedReceipt;
  /** The deadline that elapsed, in ms. */
  readonly timeoutMs: number;
  /** The conversation the answer was awaited in. */
  readonly contextId: string;

  constructor(receipt: QueuedReceipt, timeoutMs: number, contextId: string) {
    super(
      `peer ${receipt.peerId} did not answer message ${receipt.messageId} within ${timeoutMs} ms ` +
        `(queued for ${receipt.deliveryMode ?? "later"} delivery, queue id ${receipt.queueId || "?"}); ` +
        "if it answers later, the answer reaches your handler as an inbound answer (msg.isReply). " +
        "Raise timeoutMs for long tasks, or pass awaitReply: false to get the receipt at once.",
      { code: "reply_timeout", retryable: false },
    );
    this.receipt = receipt;
    this.timeoutMs = timeoutMs;
    this.contextId = contextId;
  }
}

/**
 * A conversation went over the turn limit: more than `maxTurns` messages from one peer in one
 * `contextId` within the window. The message was not handed to the handler.
 */
export class MoleculeTurnLimitError extends MoleculeError {
  /** The peer whose message was cut. */
  readonly peerId: string;
  /** The conversation that was cut. */
  readonly contextId: string;
  /** The limit that was reached. */
  readonly maxTurns: number;

  constructor(peerId: string, contextId: string, maxTurns: number, windowMs: number) {
    super(
      `conversation ${contextId} with peer ${peerId} was cut: more than ${maxTurns} messages in ` +
        `${windowMs} ms (a loop between handlers that call each other?). The message was not ` +
        "handled. Raise conversationTurnLimit.maxTurns (0 turns the limit off) if this exchange is intended.",
      { code: "conversation_turn_limit", retryable: false },
    );
    this.peerId = peerId;
    this.contextId = contextId;
    this.maxTurns = maxTurns;
  }
}

/**
 * The handler ran and returned an answer, but the answer could not be delivered to the sender
 * (handed to `onDeadLetter`). The handler is not run again for it.
 */
export class MoleculeReplyError extends MoleculeError {
  constructor(message: string, cause: unknown) {
    super(message, { code: "reply_failed", retryable: false, cause });
  }
}
