// Admit, the first stage after a source for every inbound message, polled or pushed: ids within
// their bound (a message over it is refused where it enters, never kept), de-duplication of pushed
// messages by messageId, the store's claim (delivery counts, replicas) and the delivery limit.
// Polled messages are de-duplicated and journaled by the poll engine (inbound/poll.ts) between
// `polled` and `overDelivered`.
import { A2AErrorCode, A2ARpcError, MAX_ID_LENGTH, isBoundedId } from "../../a2a/index.js";
import type { A2AMessage } from "../../a2a/index.js";
import { BoundedSet, MoleculeStoreError, inboundFromA2AMessage } from "../../inbound/index.js";
import type { InboundMessage } from "../../inbound/index.js";
import type { Logger } from "../../transport/index.js";
import { MoleculeError } from "../../transport/index.js";
import type { Answers } from "../answer/answers.js";
import type { AgentStateStore } from "../store/state-store.js";
import {
  MoleculeDeliveryLimitError,
  deliveryLimitRpcError,
  storeRpcError,
} from "../store/store-errors.js";
import { maxDeliveriesOf } from "../store/store-option.js";
import type { AgentStore, PushClaim, PushClaimResult } from "../store/store.js";
import { LocalPushClaims } from "./store-claims.js";

/** Remembered for a canceled pushed message: a resend of it is answered as canceled, never re-run. */
export const CANCELED = Symbol("canceled");
/** What a pushed message was answered with (remembered for its resends). */
export type PushAnswer = string | undefined | typeof CANCELED;

/** The sender-chosen id of `msg` over {@link MAX_ID_LENGTH}, by field name, if any. */
function overlongId(msg: InboundMessage): string | undefined {
  if (!isBoundedId(msg.messageId)) return "messageId";
  if (!isBoundedId(msg.contextId)) return "contextId";
  if (!isBoundedId(msg.inReplyTo)) return "inReplyTo";
  if (!isBoundedId(msg.taskId)) return "taskId";
  if (!isBoundedId(msg.answerTask?.id)) return "metadata.molecule_task_id";
  if (!isBoundedId(msg.claimedSourceId)) return "metadata.molecule_source_workspace_id";
  return undefined;
}

/** The admit stage of one agent. */
export class Admission {
  readonly #store: AgentStore;
  readonly #workspaceId: string;
  readonly #state: AgentStateStore;
  readonly #answers: Answers;
  readonly #logger: Logger;
  readonly #maxDeliveries: number;
  /** Pushed messageIds settled recently, and what they were answered with. */
  readonly #seen: BoundedSet;
  readonly #replies = new Map<string, PushAnswer>();
  readonly #inFlight = new Map<string, Promise<PushAnswer>>();
  /** Polled messages refused at entry (their ids dropped): settled without running. */
  readonly #rejected = new WeakSet<InboundMessage>();
  /** Counted in the agent's own state (memory, file); a shared store claims itself. */
  #local: LocalPushClaims | undefined;

  constructor(
    store: AgentStore,
    workspaceId: string,
    state: AgentStateStore,
    answers: Answers,
    logger: Logger,
    dedupWindow: number,
  ) {
    this.#store = store;
    this.#workspaceId = workspaceId;
    this.#state = state;
    this.#answers = answers;
    this.#logger = logger;
    this.#maxDeliveries = maxDeliveriesOf(store);
    this.#seen = new BoundedSet(dedupWindow);
  }

  /** A pushed A2A message as an {@link InboundMessage}; an id over its bound is a `-32602`. */
  pushed(message: A2AMessage): InboundMessage {
    const msg = inboundFromA2AMessage(message, { method: "message/send" });
    const field = overlongId(msg);
    if (field !== undefined) {
      throw new A2ARpcError(
        A2AErrorCode.InvalidParams,
        `message.${field} is longer than ${MAX_ID_LENGTH} characters; send a shorter id`,
        { field, maxLength: MAX_ID_LENGTH },
      );
    }
    return msg;
  }

  /**
   * A polled message as it may enter: itself, or (an id over its bound) a copy without the
   * sender's ids and content that {@link isRejected} settles without running, with a warning.
   */
  polled(msg: InboundMessage): InboundMessage {
    const field = overlongId(msg);
    if (field === undefined) return msg;
    this.#logger.warn?.(
      `inbound message rejected: its ${field} is longer than ${MAX_ID_LENGTH} characters`,
      { activityId: msg.activityId, field },
    );
    const rejected: InboundMessage = {
      activityId: msg.activityId,
      messageId: undefined,
      method: msg.method,
      params: undefined,
      source: msg.source,
      sourceId: msg.sourceId,
      text: "",
      parts: [],
      receivedAt: msg.receivedAt,
      isReply: msg.isReply,
      raw: undefined,
    };
    this.#rejected.add(rejected);
    return rejected;
  }

  /** Whether `msg` was refused at entry by {@link polled}. */
  isRejected(msg: InboundMessage): boolean {
    return this.#rejected.has(msg);
  }

  /**
   * True once a polled message was handed over more than `maxDeliveries` times without settling
   * (its process died each time): it is then dead-lettered, never run again.
   */
  async overDelivered(msg: InboundMessage, deliveries: number | undefined): Promise<boolean> {
    if (deliveries === undefined || deliveries <= this.#maxDeliveries) return false;
    const { activityId, messageId } = msg;
    const unsettled = deliveries - 1; // the hand-overs that never settled
    const error = new MoleculeDeliveryLimitError({
      delivery: "poll",
      activityId,
      messageId,
      deliveries: unsettled,
      kept: "it is listed by the store's deadLetters()",
    });
    const deadAt = new Date().toISOString();
    await this.#state.addDeadLetter({
      delivery: "poll",
      activityId,
      messageId,
      deliveries: unsettled,
      deadAt,
    });
    await this.#answers.deadLetter(msg, error);
    return true;
  }

  /** A pushed messageId settled (its answer) or being handled (a promise of it), if known. */
  known(mid: string | undefined): { answer: PushAnswer } | Promise<PushAnswer> | undefined {
    if (mid === undefined) return undefined;
    if (this.#seen.has(mid)) return { answer: this.#replies.get(mid) };
    return this.#inFlight.get(mid);
  }

  /** The pushed message `mid` is being handled (`answer` pending), or no longer (`undefined`). */
  pending(mid: string | undefined, answer: Promise<PushAnswer> | undefined): void {
    if (mid === undefined) return;
    if (answer) this.#inFlight.set(mid, answer);
    else this.#inFlight.delete(mid);
  }

  /** The pushed message `mid` was answered with `answer`: its resends get it. */
  remember(mid: string | undefined, answer: PushAnswer): void {
    if (mid === undefined) return;
    this.#seen.add(mid);
    this.#replies.set(mid, answer);
    // Keep the reply cache bounded with the seen window.
    if (this.#replies.size > this.#seen.size) {
      for (const k of this.#replies.keys()) {
        if (!this.#seen.has(k)) this.#replies.delete(k);
        if (this.#replies.size <= this.#seen.size) break;
      }
    }
  }

  /**
   * The store's claim of a pushed message (counts its deliveries; one replica handles it): a
   * claim to settle or release, `{ settled }` when it was handled already, or a thrown error
   * (dead-lettered: `-32603` with `delivery_limit`; busy on another replica: `message_busy`).
   */
  async claim(
    msg: InboundMessage,
  ): Promise<PushClaim | { settled: string | undefined } | undefined> {
    const mid = msg.messageId;
    if (mid === undefined) return undefined;
    const shared = this.#store.shared?.claimPush;
    const r = shared
      ? await shared.call(this.#store.shared, this.#workspaceId, mid)
      : await this.#localClaim(mid);
    if (r.status === "claimed") return r.claim;
    if (r.status === "settled") return { settled: r.reply };
    if (r.status === "busy") {
      throw new MoleculeError(
        `message ${mid} is being handled by another replica of this agent; retry later`,
        { code: "message_busy", retryable: true },
      );
    }
    const error = new MoleculeDeliveryLimitError({
      delivery: "push",
      messageId: mid,
      deliveries: r.deliveries,
      kept: "it is listed by the store's deadLetters()",
    });
    if (r.first) await this.#answers.deadLetter(msg, error); // reported once
    throw deliveryLimitRpcError(error);
  }

  /** A claim counted in the agent's own state; a store that cannot write gives the sender a retryable JSON-RPC error. */
  async #localClaim(mid: string): Promise<PushClaimResult> {
    try {
      return await (this.#local ??= new LocalPushClaims(this.#state, this.#maxDeliveries)).claim(
        mid,
      );
    } catch (err) {
      if (err instanceof MoleculeStoreError) throw storeRpcError(err);
      throw err;
    }
  }
}
