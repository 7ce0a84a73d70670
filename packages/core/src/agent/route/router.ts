// Route, the stage after admit for every inbound message, polled or pushed: an answer a callPeer
// awaits goes to that call; an answer nobody awaits is counted and rate-limited before the handler;
// a conversation over its turn limit is cut; the rest goes to the handler. Every decision rests on
// what the platform authenticated (`senderOf`) or, for a pushed answer (no sender recorded), on the
// exact `inReplyTo` of our own unguessable outbound messageId; never on what a sender claims, and a
// polled canvas row resolves no call (docs/security.md, "Sender facts").
import { BoundedSet, type InboundMessage, messageKey } from "../../inbound/index.js";
import { type Logger, describe } from "../../transport/index.js";
import type { Answers } from "../answer/answers.js";
import type { RemoteAgentOptions } from "../types.js";
import { type PendingCalls, senderOf } from "./conversations.js";
import { MoleculeTurnLimitError, TurnLimiter } from "./turn-limit.js";

/** Where {@link Router.route} sends a message. */
export type Route =
  /** An answer that resolved the `callPeer` awaiting it. */
  | "call"
  /** Cut by the turn limit (reported as a dead letter). */
  | "cut"
  /**
   * An answer nobody awaits, over the rate limit (counted and dropped), or a failure answer nobody
   * awaits (it says only that a message of this agent will not be answered: logged, not handled,
   * so a handler that messages on every input cannot loop on the failures it causes).
   */
  | "dropped"
  /** The user's handler. */
  | "handler"
  /** A delegation result the platform pushed into the inbox: an event, never the handler. */
  | "delegationResult";

/** Answers nobody awaits that reach the handler per sender (the unauthenticated ones share one budget). */
const UNMATCHED_ANSWERS_PER_MINUTE = 30;

/** Counts unmatched answers per authenticated sender (or none) in one-minute windows. */
class UnmatchedAnswers {
  /** Unmatched answers seen, and how many of them were dropped over the limit. */
  seen = 0;
  dropped = 0;
  readonly #windows = new Map<string, { start: number; n: number }>();

  /** Counts one; false when its sender is over the limit in the current window. */
  admit(sender: string | undefined, logger: Logger, now = performance.now()): boolean {
    this.seen++;
    const key = sender ?? "";
    let w = this.#windows.get(key);
    if (!w || now - w.start >= 60_000) {
      if (this.#windows.size >= 1_000) this.#windows.clear();
      this.#windows.set(key, (w = { start: now, n: 0 }));
    }
    if (++w.n <= UNMATCHED_ANSWERS_PER_MINUTE) return true;
    this.dropped++;
    if (w.n === UNMATCHED_ANSWERS_PER_MINUTE + 1) {
      logger.warn?.(
        "answers that no callPeer awaits are arriving too fast: dropping them until the minute is over",
        { sender: sender ?? "unauthenticated", limitPerMinute: UNMATCHED_ANSWERS_PER_MINUTE },
      );
    }
    return false;
  }
}

/** The route stage of one agent: awaited calls, unmatched answers and the turn limit. */
export class Router {
  readonly #calls: PendingCalls;
  readonly #answers: Answers;
  readonly #logger: Logger;
  readonly #turns: TurnLimiter;
  readonly #unmatched = new UnmatchedAnswers();
  /** Answers taken by calls (activity id, messageId within sender): not handed on again. */
  readonly #taken = new BoundedSet(2_000);

  constructor(
    calls: PendingCalls,
    options: Pick<RemoteAgentOptions, "conversationTurnLimit">,
    answers: Answers,
    logger: Logger,
  ) {
    this.#calls = calls;
    this.#answers = answers;
    this.#logger = logger;
    this.#turns = new TurnLimiter(options.conversationTurnLimit ?? {});
  }

  /** Calls awaiting an answer. */
  get waiting(): number {
    return this.#calls.size;
  }

  /** When the first awaiting call's deadline passes (`performance.now()` ms), if any waits. */
  get earliestDue(): number | undefined {
    return this.#calls.earliestDue;
  }

  /** Whether a call to `peerId` awaits its answer. */
  awaitsFrom(peerId: string): boolean {
    return this.#calls.awaitsFrom(peerId);
  }

  /** Unmatched answers seen and dropped over the rate limit, since the agent was created. */
  get unmatchedAnswers(): { seen: number; dropped: number } {
    return { seen: this.#unmatched.seen, dropped: this.#unmatched.dropped };
  }

  /** Routes one admitted message (see {@link Route}). */
  route(msg: InboundMessage): Route {
    if (msg.delegationResult) return "delegationResult";
    if (msg.isReply) {
      if (this.#take(msg)) return "call";
      if (msg.answerFailure !== undefined) {
        this.#logger.info?.("a peer will not answer a message of this agent (no call awaits it)", {
          peerId: senderOf(msg),
          inReplyTo: msg.inReplyTo,
          failure: msg.answerFailure,
        });
        return "dropped";
      }
      return this.#unmatched.admit(senderOf(msg), this.#logger) ? "handler" : "dropped";
    }
    return this.#overLimit(msg) ? "cut" : "handler";
  }

  /**
   * A fetched page without the answers pending calls take: they need no handler slot, so they
   * reach a handler awaiting them even when every slot is busy.
   */
  takeAnswers(messages: InboundMessage[]): InboundMessage[] {
    return messages.filter((m) => !(m.isReply && this.#take(m)));
  }

  /**
   * Hands an answer the event stream announced with its body (`parseAnnouncedRow`) to the call
   * awaiting it, if one does: true when taken (or taken before), so the read that later brings its
   * row passes it over. Anything else is left for that read.
   */
  takeAnnounced(msg: InboundMessage): boolean {
    return msg.isReply && this.#take(msg);
  }

  /**
   * Hands an answer to the call awaiting it, remembered by its row's id and by its messageId
   * within its sender, so neither a re-read page nor the row of an answer taken from the event
   * stream passes it on.
   */
  #take(msg: InboundMessage): boolean {
    const keys = [msg.activityId, messageKey(msg)].filter((k) => k !== undefined);
    if (keys.some((k) => this.#taken.has(k))) return true;
    if (!this.#calls.take(msg)) return false;
    for (const k of keys) this.#taken.add(k);
    return true;
  }

  /** True (and reported) when a message goes over its conversation's turn limit. */
  #overLimit(msg: InboundMessage): boolean {
    const peer = senderOf(msg); // only authenticated senders are counted
    if (this.#turns.admit(msg.contextId, peer)) return false;
    const { maxTurns, windowMs } = this.#turns;
    const error = new MoleculeTurnLimitError(peer ?? "?", msg.contextId ?? "?", maxTurns, windowMs);
    this.#logger.warn?.(error.message, { peerId: peer, contextId: msg.contextId });
    this.#answers
      .deadLetter(msg, error)
      .catch((err: unknown) =>
        this.#logger.error?.("onDeadLetter threw for a cut conversation", { error: describe(err) }),
      );
    return true;
  }
}
