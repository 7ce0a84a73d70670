// The poll source: what one agent's poll loop (inbound/poll.ts, or a shared store's) and event
// wake-ups call. A fetched page goes through admit (ids within bounds) and route (answers awaited
// by a callPeer leave the page: they need no handler slot); each message the poll engine hands over
// (de-duplicated and journaled) goes through admit (the delivery limit), route (unmatched answers,
// the turn limit) and run (the dispatcher, whose answer goes to the reply outbox).
import { type AgentObserver, EventWakeupsUnavailableWarning } from "../../events/index.js";
import type { Backfill, InboundGapWarning, InboundMessage } from "../../inbound/index.js";
import type { InboundPage, PollDeliveryOptions } from "../../inbound/index.js";
import { PollDelivery } from "../../inbound/index.js";
import { detached } from "../../observability/index.js";
import type { EventWakeupsOptions } from "../../platform/index.js";
import { EventWakeups } from "../../platform/index.js";
import type { AgentStateStore, SharedPoll, SharedStore } from "../../store/index.js";
import type { Logger } from "../../transport/index.js";
import { MoleculeError } from "../../transport/index.js";
import type { Admission } from "../admit/admission.js";
import type { Answers } from "../answer/answers.js";
import type { Router } from "../route/router.js";
import type { Dispatcher } from "../run/dispatcher.js";
import type { RemoteAgentOptions } from "../types.js";
import { eventStreamOpener, pollFetcher } from "./poll-fetch.js";

/**
 * While the event stream is connected, the safety poll and the state check run this many times
 * less often: the stream wakes the poll when a message lands and says when the workspace is paused
 * or removed, so a fleet makes a third of the requests (bench/ fleet).
 */
export const CONNECTED_SLOWDOWN = 6;

/** The agent options poll delivery reads. */
type PollOptions = Pick<
  RemoteAgentOptions,
  | "client"
  | "pollLimit"
  | "pollIntervalMs"
  | "dedupWindow"
  | "backfill"
  | "concurrency"
  | "eventWakeups"
>;

/** What the capability probe said about the event stream. */
export interface PollCapabilities {
  eventStream: boolean;
  /** Why the event-stream probe failed, when it failed rather than answered. */
  eventStreamError?: string | undefined;
}

/** Poll delivery and event wake-ups of one agent (the options of both, and their stages). */
export class PollSource implements PollDeliveryOptions, EventWakeupsOptions {
  readonly store: AgentStateStore;
  readonly logger: Logger;
  readonly intervalMs: number;
  readonly connectedIntervalMs: number;
  readonly maxInFlight: number;
  readonly dedupWindow: number | undefined;
  readonly backfill: Backfill | undefined;
  /** The running poll (this process's, or a shared store's), once started. */
  poll: Pick<SharedPoll, "cursor" | "wake" | "stop" | "flush"> | undefined;
  /** The event wake-ups, once they run. */
  events: EventWakeups | undefined;
  readonly #o: PollOptions;
  readonly #open: EventWakeupsOptions["open"] | undefined;
  readonly #fetchPage: PollDeliveryOptions["fetch"];
  readonly #admission: Admission;
  readonly #router: Router;
  readonly #runner: Dispatcher;
  readonly #answers: Answers;
  readonly #observer: AgentObserver;
  /** The platform paused or removed the workspace, or the event stream dropped: check the state. */
  readonly #onStateEvent: () => void;

  constructor(
    options: PollOptions,
    state: AgentStateStore,
    stages: { admission: Admission; router: Router; runner: Dispatcher; answers: Answers },
    observer: AgentObserver,
    onStateEvent: () => void,
  ) {
    this.#o = options;
    this.store = state;
    this.logger = observer.logger;
    this.intervalMs = options.pollIntervalMs ?? 5_000;
    this.connectedIntervalMs = this.intervalMs * CONNECTED_SLOWDOWN;
    this.maxInFlight = options.concurrency ?? 4;
    this.dedupWindow = options.dedupWindow;
    this.backfill = options.backfill;
    this.#open = eventStreamOpener(options.client);
    this.#fetchPage = pollFetcher(options.client, options.pollLimit);
    this.#admission = stages.admission;
    this.#router = stages.router;
    this.#runner = stages.runner;
    this.#answers = stages.answers;
    this.#observer = observer;
    this.#onStateEvent = onStateEvent;
  }

  /**
   * Starts poll delivery (a shared store's, else this process's) and, when the platform has an
   * event stream and `eventWakeups` is on, the wake-ups (a failed probe is reported as a
   * `wakeupsUnavailable` warning); answers a previous run left are queued before any redelivery.
   */
  async start(shared: SharedStore | undefined, caps: PollCapabilities | undefined): Promise<void> {
    if (shared) {
      await this.#answers.attach(this.store);
      // The poll loop's requests are not part of start()'s trace.
      this.poll = await detached(() =>
        shared.startPoll({
          workspaceId: this.#o.client.workspaceId,
          fetch: async (opts) => await this.fetch(opts),
          handle: async (msg, info) => await this.handle(msg, info),
          deadLetter: async (msg, error) => await this.#answers.deadLetter(msg, error),
          concurrency: this.maxInFlight,
          pollIntervalMs: this.intervalMs,
          backfill: this.backfill ?? "all",
          logger: this.logger,
        }),
      );
    } else {
      const local = new PollDelivery(this);
      this.poll = this.#runner.poll = local; // before it starts: a failed start still stops it
      await this.#answers.attach(this.store);
      await detached(() => local.start());
    }
    this.#runner.poll = this.poll; // a freed handler slot wakes the poll
    if (this.#o.eventWakeups === false) return;
    if (caps?.eventStream && this.#open) {
      const events = (this.events = new EventWakeups(this));
      detached(() => events.start());
    }
    if (caps?.eventStreamError) {
      const { workspaceId } = this.#o.client;
      const error = caps.eventStreamError;
      this.#observer.wakeupsUnavailable(
        new EventWakeupsUnavailableWarning(workspaceId, this.intervalMs, error),
      );
    }
  }

  /** Stops the poll and the wake-ups. */
  async stop(): Promise<void> {
    await Promise.allSettled([this.poll?.stop(), this.events?.stop()]);
  }

  /** A page of admitted messages, without the answers pending calls take. */
  async fetch(opts: {
    sinceId?: string;
    sinceSecs?: number;
    signal: AbortSignal;
  }): Promise<InboundPage> {
    const page = await this.#fetchPage(opts);
    const admitted = page.messages.map((m) => this.#admission.polled(m));
    return { ...page, messages: this.#router.takeAnswers(admitted) };
  }

  /** Hands one message on (or settles it: refused, dead-lettered, taken, dropped, cut, answered). */
  async handle(
    msg: InboundMessage,
    info: { redelivered: boolean; deliveries?: number },
  ): Promise<"settled" | "abandoned"> {
    if (this.#admission.isRejected(msg)) return "settled";
    if (await this.#admission.overDelivered(msg, info.deliveries)) return "settled";
    if (this.#router.route(msg) !== "handler") return "settled";
    if (info.redelivered && this.#answers.answered(msg)) return "settled"; // its answer is queued
    if (!(await this.#answers.admitTask(msg))) return "settled"; // a refused continuation
    const outcome = await this.#runner.submit(msg, {
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
    return this.#runner.hasCapacity();
  }

  /** Answers must still arrive with every slot busy. */
  awaiting(): boolean {
    return this.#router.waiting > 0;
  }

  connected(): boolean {
    return this.events?.connected === true;
  }

  onGap(warning: InboundGapWarning): void {
    this.#observer.inboundGap(warning);
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
