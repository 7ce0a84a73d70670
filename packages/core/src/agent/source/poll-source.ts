// The poll source: what one agent's poll loop (inbound/poll.ts) and event wake-ups call. A fetched
// page goes through admit (ids within bounds) and route (answers awaited by a callPeer leave the
// page: they need no handler slot); each message the poll engine hands over (de-duplicated and
// journaled) goes through admit (the delivery limit), route (unmatched answers, the turn limit)
// and run (the dispatcher, whose answer goes to the reply outbox).
import type { CursorStore, InboundGapWarning, InboundMessage } from "../../inbound/index.js";
import type { Backfill, EventWakeupsOptions } from "../../inbound/index.js";
import type { InboundPage, PollDeliveryOptions } from "../../inbound/index.js";
import type { Logger } from "../../transport/index.js";
import type { Admission } from "../admit/admission.js";
import type { Answers } from "../answer/answers.js";
import type { Router } from "../route/router.js";
import type { Dispatcher } from "../run/dispatcher.js";
import type { AgentStateStore } from "../store/state-store.js";
import type { AgentStore, SharedPoll } from "../store/store.js";
import { MoleculeError } from "../../transport/index.js";
import { EventWakeups, PollDelivery } from "../../inbound/index.js";
import { detached } from "../../observability/index.js";
import type { AgentPlatformClient, RemoteAgentOptions } from "../types.js";
import { eventStreamOpener, pollFetcher } from "./poll-fetch.js";

/** Settings of {@link PollSource}. */
export interface PollSourceInit {
  fetchPage: PollDeliveryOptions["fetch"];
  store: AgentStateStore;
  admission: Admission;
  router: Router;
  runner: Dispatcher;
  answers: Answers;
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
class PollSource implements PollDeliveryOptions, EventWakeupsOptions {
  readonly store: CursorStore;
  readonly logger: Logger;
  readonly intervalMs: number;
  readonly connectedIntervalMs: number;
  readonly maxInFlight: number;
  readonly dedupWindow: number | undefined;
  readonly backfill: Backfill | undefined;
  readonly #open: EventWakeupsOptions["open"] | undefined;
  readonly #fetchPage: PollDeliveryOptions["fetch"];
  readonly #admission: Admission;
  readonly #router: Router;
  readonly #runner: Dispatcher;
  readonly #answers: Answers;
  readonly #onGap: (warning: InboundGapWarning) => void;
  readonly #onStateEvent: () => void;
  /** The running poll (local or shared), woken by the event stream. */
  poll: Pick<SharedPoll, "wake"> | undefined;
  /** The event wake-ups, once they run. */
  events: EventWakeups | undefined;

  constructor(init: PollSourceInit) {
    this.#fetchPage = init.fetchPage;
    this.#admission = init.admission;
    this.#router = init.router;
    this.#runner = init.runner;
    this.#answers = init.answers;
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

/**
 * While the event stream is connected, the safety poll and the state check run this many times
 * less often: the stream wakes the poll when a message lands and says when the workspace is paused
 * or removed, so a fleet makes a third of the requests (bench/ fleet).
 */
export const CONNECTED_SLOWDOWN = 6;

/** What the agent reads and stops, whichever poll delivery runs. */
export type PollRunner = Pick<SharedPoll, "cursor" | "wake" | "stop" | "flush">;

/** What {@link startPoll} needs from the agent. */
export interface StartPollInput {
  client: AgentPlatformClient;
  options: Pick<
    RemoteAgentOptions,
    "pollLimit" | "pollIntervalMs" | "dedupWindow" | "backfill" | "concurrency" | "eventWakeups"
  >;
  /** The agent's store: a shared one runs the replicas' poll delivery instead of this process's. */
  store: AgentStore;
  /** The agent's saved state (over `store.state`), shared with the outbox and push counts. */
  state: AgentStateStore;
  logger: Logger;
  admission: Admission;
  router: Router;
  runner: Dispatcher;
  answers: Answers;
  /** Whether the platform serves the event stream. */
  eventStream: boolean;
  /** Receives the poll loop before it starts (a shared one once started), so a failed start still stops it. */
  onPoll(poll: PollRunner): void;
  /** Receives the event wake-ups once they run. */
  onEvents(events: EventWakeups): void;
  /** The platform paused or removed the workspace, or the event stream dropped: check the state now. */
  onStateEvent(): void;
  /** Reports a gap in poll delivery. */
  onGap(warning: InboundGapWarning): void;
}

/** Starts poll delivery (and wake-ups); answers a previous run left are queued before any redelivery. */
export async function startPoll(input: StartPollInput): Promise<void> {
  const { client, options: o, logger, answers } = input;
  const store = input.state;
  const intervalMs = o.pollIntervalMs ?? 5_000;
  const concurrency = o.concurrency ?? 4;
  const open = eventStreamOpener(client);
  const source = new PollSource({
    fetchPage: pollFetcher(client, o.pollLimit),
    store,
    admission: input.admission,
    router: input.router,
    runner: input.runner,
    answers,
    logger,
    intervalMs,
    connectedIntervalMs: intervalMs * CONNECTED_SLOWDOWN,
    maxInFlight: concurrency,
    dedupWindow: o.dedupWindow,
    backfill: o.backfill,
    onGap: input.onGap,
    onStateEvent: input.onStateEvent,
    open,
  });
  const shared = input.store.shared;
  if (shared) {
    await answers.attach(store); // answers a previous run left, before any redelivery
    // The poll loop's requests are not part of start()'s trace.
    const poll = await detached(() =>
      shared.startPoll({
        workspaceId: client.workspaceId,
        fetch: async (opts) => await source.fetch(opts),
        handle: async (msg, info) => await source.handle(msg, info),
        deadLetter: async (msg, error) => await answers.deadLetter(msg, error),
        concurrency,
        pollIntervalMs: intervalMs,
        backfill: o.backfill ?? "all",
        logger,
      }),
    );
    source.poll = poll;
    input.onPoll(poll);
  } else {
    const local = new PollDelivery(source);
    source.poll = local;
    input.onPoll(local);
    await answers.attach(store);
    await detached(() => local.start());
  }
  if (o.eventWakeups !== false && input.eventStream && open) {
    const wakeups = new EventWakeups(source);
    source.events = wakeups;
    input.onEvents(wakeups);
    detached(() => wakeups.start());
  }
}
