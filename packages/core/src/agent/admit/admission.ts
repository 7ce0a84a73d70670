// Admit, the first stage after a source for every inbound message, polled or pushed: ids within
// their bound (a message over it is refused where it enters, never kept), de-duplication by
// messageId within the authenticated sender (poll) or the content (push) (`once`), delivery counts
// and the delivery limit, and the crash journal. A pushed message is counted by the store's claim
// (`claim`: store-claims.ts, or a shared store's, for replicas); a polled one by the poll journal
// (`journal`: poll-journal.ts, persisted with the cursor), which also de-duplicates its rows by
// activity id. The poll source keeps only what is poll's own: the cursor, activity-id order and
// backfill (source/poll-cursor.ts).
import {
  A2AErrorCode,
  A2ARpcError,
  MAX_ID_LENGTH,
  isBoundedId,
  messageBusyRpcError,
} from "../../a2a/index.js";
import type { A2AMessage } from "../../a2a/index.js";
import { BoundedSet, boundedKey, inboundFromA2AMessage } from "../../inbound/index.js";
import type { CursorState, InboundMessage } from "../../inbound/index.js";
import type { Logger } from "../../transport/index.js";
import type { Answers } from "../answer/answers.js";
import {
  MoleculeDeliveryLimitError,
  MoleculeStoreError,
  deliveryLimitRpcError,
  maxDeliveriesOf,
  storeRpcError,
} from "../../store/index.js";
import type { AgentStateStore, AgentStore, PushClaim, PushClaimResult } from "../../store/index.js";
import { PollJournal } from "./poll-journal.js";
import { LocalPushClaims } from "./store-claims.js";

/** Remembered for a canceled pushed message: a resend of it is answered as canceled, never re-run. */
export const CANCELED = Symbol("canceled");
/** A pushed message claimed before and never settled: claim it again alone (see {@link Admission.claim}). */
export const REDELIVERED = Symbol("redelivered");
/** The store's answer for a pushed message handled already (its reply, and whether it asked). */
export type PushSettled = Extract<PushClaimResult, { status: "settled" }>;
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
  /**
   * The messageIds settled recently, polled or pushed (poll delivery persists them with its
   * cursor), and the answers pushed ones were given.
   */
  readonly seen: BoundedSet;
  /** Polled rows: the activity-id window and the crash journal that counts their deliveries. */
  readonly journal: PollJournal;
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
    this.seen = new BoundedSet(dedupWindow);
    this.journal = new PollJournal(dedupWindow);
  }

  /** Loads what poll delivery persisted for this stage: settled ids and the crash journal. */
  loadPolled(state: CursorState): void {
    for (const id of state.seenMessageIds ?? []) this.seen.add(id);
    this.journal.load(state);
  }

  /** What this stage persists with the poll cursor. */
  polledState(): Pick<CursorState, "seenActivityIds" | "seenMessageIds" | "inFlight"> {
    const { inFlight, ...rest } = this.journal.state();
    const seenMessageIds = this.seen.toArray() as string[]; // shared until it changes: kept as is
    return { ...rest, seenMessageIds, ...(inFlight ? { inFlight } : {}) };
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

  /** Whether `msg`'s ids are within their bound (a message over it is refused where it enters). */
  fits(msg: InboundMessage): boolean {
    return overlongId(msg) === undefined;
  }

  /** Whether `msg` was refused at entry by {@link polled}. */
  isRejected(msg: InboundMessage): boolean {
    return this.#rejected.has(msg);
  }

  /**
   * Whether a polled message handed over `deliveries` times is past `maxDeliveries` (its process
   * died each time without settling it): it is then {@link deadLetterOverDelivered}, never run again.
   */
  isOverDelivered(deliveries: number | undefined): boolean {
    return deliveries !== undefined && deliveries > this.#maxDeliveries;
  }

  /** Dead-letters a polled message that {@link isOverDelivered}. */
  async deadLetterOverDelivered(msg: InboundMessage, deliveries: number): Promise<undefined> {
    const { activityId, messageId } = msg;
    const unsettled = deliveries - 1; // the hand-overs that never settled
    const dead = { delivery: "poll", activityId, messageId, deliveries: unsettled } as const;
    const kept = "it is listed by the store's deadLetters()";
    const error = new MoleculeDeliveryLimitError({ ...dead, kept });
    await this.#state.addDeadLetter({ ...dead, deadAt: new Date().toISOString() });
    await this.#answers.deadLetter(msg, error);
  }

  /**
   * Runs `run` as the one handling of the message of de-duplication `key` (a polled message's
   * `messageKey`, a pushed one's `pushKey`) and resolves with its answer. One settled recently
   * gets the answer remembered for it without running; one being handled now joins that run (its
   * result or error). A run that throws is not remembered: a resend runs again. Without a key (no
   * messageId), `run` just runs.
   */
  async once(key: string | undefined, run: () => Promise<PushAnswer>): Promise<PushAnswer> {
    if (key === undefined) return await run();
    if (this.seen.has(key)) return this.#replies.get(boundedKey(key));
    const running = this.#inFlight.get(key);
    if (running) return await running;
    const p = run();
    this.#inFlight.set(key, p);
    try {
      const answer = await p;
      this.#remember(key, answer);
      return answer;
    } finally {
      this.#inFlight.delete(key);
    }
  }

  /** The message of `key` settled with `answer`: its resends get it (while it is in the window). */
  #remember(key: string, answer: PushAnswer): void {
    const evicted = this.seen.add(key);
    if (evicted !== undefined) this.#replies.delete(evicted);
    if (answer !== undefined) this.#replies.set(boundedKey(key), answer);
  }

  /**
   * The store's claim of a pushed message by its messageId and `content` (its
   * `contentFingerprint`; counts its deliveries; one replica handles it): a claim to settle or
   * release, the store's `settled` answer when it was handled already,
   * {@link REDELIVERED} when it was claimed before and never settled and `alone` is false (claim
   * it again alone), or a thrown error (dead-lettered: `-32603` with `delivery_limit`; busy on
   * another replica: `-32603` with `message_busy`, retryable). Without a store there is no claim:
   * nothing outlives the process, so no delivery is counted.
   */
  async claim(
    msg: InboundMessage,
    content: string,
    alone: boolean,
  ): Promise<PushClaim | PushSettled | typeof REDELIVERED | undefined> {
    const mid = msg.messageId;
    if (mid === undefined || !this.#state.persists) return undefined;
    const shared = this.#store.shared?.claimPush;
    let r: PushClaimResult;
    if (shared) {
      r = await shared.call(this.#store.shared, this.#workspaceId, mid, { alone, content });
    } else {
      // Counted in the agent's own state (unwritable: a retryable JSON-RPC error to the sender).
      try {
        this.#local ??= new LocalPushClaims(this.#state, this.#maxDeliveries);
        r = await this.#local.claim(mid, content, alone);
      } catch (err) {
        if (err instanceof MoleculeStoreError) throw storeRpcError(err);
        throw err;
      }
    }
    if (r.status === "claimed") return r.claim;
    if (r.status === "settled") return r;
    if (r.status === "redelivered" && !alone) return REDELIVERED;
    if (r.status === "busy" || r.status === "redelivered")
      throw messageBusyRpcError(mid, "replica");
    const error = new MoleculeDeliveryLimitError({
      delivery: "push",
      messageId: mid,
      deliveries: r.deliveries,
      kept: "it is listed by the store's deadLetters()",
    });
    if (r.first) await this.#answers.deadLetter(msg, error); // reported once
    throw deliveryLimitRpcError(error);
  }
}
