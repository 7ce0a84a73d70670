// What one agent's poll loop and event wake-ups call (fetch, hand over, wake, state events), as one
// object whose methods every agent shares: an idle poll agent holds this object and its fields
// instead of a closure per callback and the scope each one keeps alive.
import type { CursorStore, InboundGapWarning, InboundMessage } from "../../inbound/index.js";
import type { Backfill, EventWakeups, EventWakeupsOptions } from "../../inbound/index.js";
import type { InboundPage, PollDeliveryOptions } from "../../inbound/index.js";
import type { Logger } from "../../transport/index.js";
import type { ConversationRuntime } from "../answer/conversation-runtime.js";
import type { Dispatcher } from "../run/dispatcher.js";
import type { AgentStateStore } from "../store/state-store.js";
import type { SharedPoll } from "../store/store.js";
import { MoleculeError } from "../../transport/index.js";
import { MoleculeDeliveryLimitError } from "../store/store-errors.js";

/** Settings of {@link PollHooks}. */
export interface PollHooksInit {
  fetchPage: PollDeliveryOptions["fetch"];
  store: AgentStateStore;
  maxDeliveries: number;
  talk: ConversationRuntime;
  dispatcher: Dispatcher;
  logger: Logger;
  intervalMs: number;
  connectedIntervalMs: number;
  maxInFlight: number;
  dedupWindow: number | undefined;
  backfill: Backfill | undefined;
  /** Reports a gap in poll delivery. */
  onGap: (warning: InboundGapWarning) => void;
  /** The platform paused or removed the workspace, or the event stream dropped. */
  onStateEvent: () => void;
  /** Opens the event stream (undefined when the client has none: wake-ups then never start). */
  open: EventWakeupsOptions["open"] | undefined;
}

/** The {@link PollDeliveryOptions} and {@link EventWakeupsOptions} of one agent. */
export class PollHooks implements PollDeliveryOptions, EventWakeupsOptions {
  readonly store: CursorStore;
  readonly logger: Logger;
  readonly intervalMs: number;
  readonly connectedIntervalMs: number;
  readonly maxInFlight: number;
  readonly dedupWindow: number | undefined;
  readonly backfill: Backfill | undefined;
  readonly #open: EventWakeupsOptions["open"] | undefined;
  readonly #fetchPage: PollDeliveryOptions["fetch"];
  readonly #state: AgentStateStore;
  readonly #maxDeliveries: number;
  readonly #talk: ConversationRuntime;
  readonly #dispatcher: Dispatcher;
  readonly #onGap: (warning: InboundGapWarning) => void;
  readonly #onStateEvent: () => void;
  /** The running poll (local or shared), woken by the event stream. */
  poll: Pick<SharedPoll, "wake"> | undefined;
  /** The event wake-ups, once they run. */
  events: EventWakeups | undefined;

  constructor(init: PollHooksInit) {
    this.#fetchPage = init.fetchPage;
    this.#state = init.store;
    this.#maxDeliveries = init.maxDeliveries;
    this.#talk = init.talk;
    this.#dispatcher = init.dispatcher;
    this.#onGap = init.onGap;
    this.#onStateEvent = init.onStateEvent;
    this.store = init.store;
    this.logger = init.logger;
    this.intervalMs = init.intervalMs;
    this.connectedIntervalMs = init.connectedIntervalMs;
    this.maxInFlight = init.maxInFlight;
    this.dedupWindow = init.dedupWindow;
    this.backfill = init.backfill;
    this.#open = init.open;
  }

  /** A page without the answers pending calls take (they need no handler slot). */
  async fetch(opts: {
    sinceId?: string;
    sinceSecs?: number;
    signal: AbortSignal;
  }): Promise<InboundPage> {
    const page = await this.#fetchPage(opts);
    return { ...page, messages: this.#talk.takeAnswers(page.messages) };
  }

  /** Hands one message to the dispatcher (or settles it: dead-lettered, taken, cut, answered). */
  async handle(
    msg: InboundMessage,
    info: { redelivered: boolean; deliveries?: number },
  ): Promise<"settled" | "abandoned"> {
    const talk = this.#talk;
    if (info.deliveries !== undefined && info.deliveries > this.#maxDeliveries) {
      const { activityId, messageId } = msg;
      const deliveries = info.deliveries - 1; // the hand-overs that never settled
      const error = new MoleculeDeliveryLimitError({
        delivery: "poll",
        activityId,
        messageId,
        deliveries,
        kept: "it is listed by the store's deadLetters()",
      });
      const deadAt = new Date().toISOString();
      await this.#state.addDeadLetter({
        delivery: "poll",
        activityId,
        messageId,
        deliveries,
        deadAt,
      });
      await talk.deadLetter(msg, error);
      return "settled";
    }
    if (talk.takeAnswers([msg]).length === 0) return "settled"; // a shared store's claim
    if (talk.overLimit(msg)) return "settled";
    if (info.redelivered && talk.answered(msg)) return "settled"; // its answer is queued
    const outcome = await this.#dispatcher.submit(msg, {
      redelivered: info.redelivered,
      reply: !msg.isReply, // never answer an answer
    });
    return outcome.status === "aborted" ? "abandoned" : "settled";
  }

  open(signal: AbortSignal): ReturnType<EventWakeupsOptions["open"]> {
    if (!this.#open) {
      throw new MoleculeError("this platform client has no openEventStream", {
        code: "invalid_option",
      });
    }
    return this.#open(signal);
  }

  hasCapacity(): boolean {
    return this.#dispatcher.hasCapacity();
  }

  /** Answers must still arrive with every slot busy. */
  awaiting(): boolean {
    return this.#talk.waiting > 0;
  }

  connected(): boolean {
    return this.events?.connected === true;
  }

  onGap(warning: InboundGapWarning): void {
    this.#onGap(warning);
  }

  onWake(): void {
    this.poll?.wake();
  }

  onStatus(connected: boolean): void {
    this.logger.debug?.("event stream", { connected });
    if (connected) return;
    // Events may have been missed while it was down: catch up now, then poll at the full rate.
    this.poll?.wake();
    this.#onStateEvent();
  }

  onStateEvent(): void {
    this.#onStateEvent();
  }
}
