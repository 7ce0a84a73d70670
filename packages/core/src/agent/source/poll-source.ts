// The poll source of one agent: its poll loop reads the workspace's activity and hands each new
// message to the inbound stages once; the cursor moves, and is persisted, only past settled
// messages. A fetched page goes through admit (ids within bounds) and route (answers awaited by a
// callPeer leave the page: they need no handler slot); each message handed over (de-duplicated by
// activity id and journaled in flight) goes through admit (messageId de-duplication, the delivery
// limit), route (unmatched answers, the turn limit) and run (the dispatcher, whose answer goes to
// the reply outbox). With a shared store (replicas) the store runs the loop and calls `fetch` and
// `handle`. Event wake-ups make the poll immediate when a message lands.
import { type AgentObserver, EventWakeupsUnavailableWarning } from "../../events/index.js";
import type { Backfill, CursorState, InFlightEntry } from "../../inbound/index.js";
import type { InboundMessage, InboundPage } from "../../inbound/index.js";
import { ALL_SECS, BoundedSet, InboundGapWarning, Waker, messageKey } from "../../inbound/index.js";
import { backfillSecs, checkBackfill } from "../../inbound/index.js";
import { detached } from "../../observability/index.js";
import { type EventWakeupsOptions, EventWakeups } from "../../platform/index.js";
import type { AgentStateStore, SharedPoll, SharedStore } from "../../store/index.js";
import { type Logger, MoleculeError, backoffDelay, describe } from "../../transport/index.js";
import type { Admission } from "../admit/admission.js";
import type { Answers } from "../answer/answers.js";
import type { Router } from "../route/router.js";
import type { Dispatcher } from "../run/dispatcher.js";
import type { RemoteAgentOptions } from "../types.js";
import { eventStreamOpener, pollFetcher, type PageFetcher } from "./poll-fetch.js";

/**
 * While the event stream is connected, the safety poll and the state check run this many times
 * less often: the stream wakes the poll when a message lands and says when the workspace is paused
 * or removed, so a fleet makes a third of the requests (bench/ fleet).
 */
export const CONNECTED_SLOWDOWN = 6;

/** Thrown out of {@link Admission.once} by a polled message the agent stopped before it settled. */
const ABANDONED = Symbol("abandoned");

/** Margin added to the re-read window after a `410`, for clock skew between agent and platform. */
const REWIND_MARGIN_SECS = 300;

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

interface OrderEntry {
  activityId: string;
  messageId?: string | undefined;
  /** When the row was logged (epoch ms), when known. */
  at?: number | undefined;
  settled: boolean;
}

/** A message accepted for handling and not yet handed to `handle`. */
interface Job {
  msg: InboundMessage;
  key: string | undefined;
  entry: OrderEntry | undefined;
  /** Unsettled hand-overs so far (journaled by previous runs), this one included. */
  deliveries: number;
}

/** Thrown by fetch implementations (or detected via `status === 410`) when the cursor is gone. */
function isCursorLost(err: unknown): boolean {
  return !!err && typeof err === "object" && (err as { status?: unknown }).status === 410;
}

function timeOf(msg: InboundMessage): number | undefined {
  const at = msg.receivedAt instanceof Date ? msg.receivedAt.getTime() : Number.NaN;
  return Number.isFinite(at) ? at : undefined;
}

/**
 * Poll delivery and event wake-ups of one agent. Guarantees, per message:
 * - handed to `handle` at most once per run, whether re-listed (baseline server) or re-fetched
 *   after a `410` (one re-delivered under the same A2A `messageId` is handed over and settles with
 *   the first: the admit stage de-duplicates by messageId, `Admission.once`);
 * - journaled as in flight (persisted) before `handle` runs, and at most `concurrency` messages
 *   are in flight: a handler slot is given back only once its settlement is persisted;
 * - the persisted cursor never passes a message that is not settled, and is never dropped: after
 *   a `410` it stays (with its time) until a message of the re-read has settled.
 */
export class PollSource implements EventWakeupsOptions {
  readonly logger: Logger;
  /** The event wake-ups, once they run. */
  events: EventWakeups | undefined;
  readonly #o: PollOptions;
  readonly #state: AgentStateStore;
  readonly #intervalMs: number;
  readonly #maxInFlight: number;
  readonly #backfill: Backfill;
  readonly #open: EventWakeupsOptions["open"] | undefined;
  readonly #fetchPage: PageFetcher;
  readonly #admission: Admission;
  readonly #router: Router;
  readonly #runner: Dispatcher;
  readonly #answers: Answers;
  readonly #observer: AgentObserver;
  /** The platform paused or removed the workspace, or the event stream dropped: check the state. */
  readonly #onStateEvent: () => void;
  /** A shared store's poll, which runs the loop instead of this process (replicas). */
  #shared: SharedPoll | undefined;
  readonly #waker = new Waker();
  readonly #abort = new AbortController();
  /** The de-duplication window of settled activity ids (message ids: `Admission.seen`). */
  readonly #seenActivity: BoundedSet;
  /** Messages fetched and not yet passed by the persisted cursor, ascending. */
  readonly #order: OrderEntry[] = [];
  /** Accepted messages waiting for a slot, ascending. */
  readonly #queue: Job[] = [];
  /** Messages handed to `handle` and not yet durably settled (persisted as in flight). */
  readonly #started = new Map<string, InFlightEntry>();
  #running = 0;
  /** Activity ids being handled (fetched, not settled). */
  readonly #pending = new Set<string>();
  /** Ids journaled as in flight by a previous run: delivered with `redelivered: true`. */
  readonly #journal = new Map<string, InFlightEntry>();
  #cursor: string | undefined;
  /** When the cursor's row was logged (epoch ms), when known. */
  #cursorAt: number | undefined;
  #fetchCursor: string | undefined;
  /** Without a cursor: read rows logged since this time (epoch ms; -Infinity: everything). */
  #windowFrom = Number.NEGATIVE_INFINITY;
  /** `backfill: "none"` on a first start: skip what is queued, start after the newest row. */
  #skipBacklog = false;
  /** A `backfill: "none"` first start found nothing queued (persisted until there is a cursor). */
  #startedAt: string | undefined;
  /** After a `410`: rows logged before this time were settled before the cursor was lost. */
  #settledBefore: number | undefined;
  /** Re-reading after a `410`, and the persisted cursor has not moved since. */
  #rewinding = false;
  /** The last page was full: fetch the next one without waiting. */
  #more = false;
  #loopDone: Promise<void> | undefined;
  #failures = 0;
  #starved = false;
  /**
   * A redelivered message (in flight when a previous run died) is running alone: after a crash,
   * such messages run one at a time until each settles, so only the one that crashes accrues
   * deliveries and a bystander is never dead-lettered for a neighbour's crash (#29).
   */
  #alone = false;

  constructor(
    options: PollOptions,
    state: AgentStateStore,
    stages: { admission: Admission; router: Router; runner: Dispatcher; answers: Answers },
    observer: AgentObserver,
    onStateEvent: () => void,
  ) {
    this.#o = options;
    this.#state = state;
    this.logger = observer.logger;
    this.#intervalMs = options.pollIntervalMs ?? 5_000;
    this.#maxInFlight = Math.max(1, Math.floor(options.concurrency ?? 4));
    this.#backfill = checkBackfill(options.backfill);
    this.#open = eventStreamOpener(options.client);
    this.#fetchPage = pollFetcher(options.client, options.pollLimit);
    this.#admission = stages.admission;
    this.#router = stages.router;
    this.#runner = stages.runner;
    this.#answers = stages.answers;
    this.#observer = observer;
    this.#onStateEvent = onStateEvent;
    this.#seenActivity = new BoundedSet(options.dedupWindow ?? 1000);
  }

  /** The persisted cursor (the last activity id settled in order). */
  get cursor(): string | undefined {
    return this.#shared ? this.#shared.cursor : this.#cursor;
  }

  /**
   * Starts poll delivery (a shared store's, else this process's) and, when the platform has an
   * event stream and `eventWakeups` is on, the wake-ups (a failed probe is reported as a
   * `wakeupsUnavailable` warning); answers a previous run left are queued before any redelivery.
   */
  async start(shared: SharedStore | undefined, caps: PollCapabilities | undefined): Promise<void> {
    await this.#answers.attach(this.#state);
    // The poll loop's requests are not part of start()'s trace.
    if (shared) {
      this.#shared = await detached(() =>
        shared.startPoll({
          workspaceId: this.#o.client.workspaceId,
          fetch: async (opts) => await this.fetch(opts),
          handle: async (msg, info) => await this.handle(msg, info),
          deadLetter: async (msg, error) => await this.#answers.deadLetter(msg, error),
          concurrency: this.#maxInFlight,
          pollIntervalMs: this.#intervalMs,
          readIntervalMs: () => this.#readIntervalMs(),
          backfill: this.#backfill,
          logger: this.logger,
        }),
      );
    } else {
      await detached(() => this.#startLoop());
    }
    this.#runner.poll = this; // a freed handler slot wakes the poll
    if (this.#o.eventWakeups === false) return;
    if (caps?.eventStream && this.#open) {
      const events = (this.events = new EventWakeups(this));
      detached(() => events.start());
    }
    if (caps?.eventStreamError) {
      const { workspaceId } = this.#o.client;
      const error = caps.eventStreamError;
      this.#observer.wakeupsUnavailable(
        new EventWakeupsUnavailableWarning(workspaceId, this.#intervalMs, error),
      );
    }
  }

  /** The timed read's interval: slower while the event stream wakes the reads. */
  #readIntervalMs(): number {
    return this.connected() ? this.#intervalMs * CONNECTED_SLOWDOWN : this.#intervalMs;
  }

  /** Loads the stored state and starts this process's poll loop. */
  async #startLoop(): Promise<void> {
    const state = (await this.#state.load()) ?? {};
    for (const id of state.seenActivityIds ?? []) this.#seenActivity.add(id);
    for (const id of state.seenMessageIds ?? []) this.#admission.seen.add(id);
    for (const e of state.inFlight ?? []) {
      const key = e.activityId ?? e.messageId;
      if (key !== undefined) this.#journal.set(key, e);
    }
    this.#cursor = state.cursor;
    const at = state.cursorAt === undefined ? Number.NaN : Date.parse(state.cursorAt);
    this.#cursorAt = Number.isFinite(at) ? at : undefined;
    this.#fetchCursor = state.cursor;
    this.#startedAt = state.startedAt;
    if (state.cursor === undefined) this.#seedWindow();
    this.#loopDone = this.#loop();
  }

  /** Triggers a fetch now (event wake-up, or a dispatcher slot became free). */
  wake(): void {
    if (this.#shared) this.#shared.wake();
    else this.#waker.wake();
  }

  /**
   * Stops fetching and starting handlers, and the wake-ups; messages already handed over keep
   * settling, queued ones are left for the next run (the cursor does not pass them).
   */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#waker.wake();
    for (const job of this.#queue.splice(0)) this.#release(job);
    await Promise.allSettled([this.#shared?.stop(), this.#loopDone, this.events?.stop()]);
  }

  /** Waits until every settled change is persisted. */
  async flush(): Promise<void> {
    await (this.#shared ? this.#shared.flush() : this.#state.flush());
  }

  /**
   * Writes the poll state (its snapshot is taken when the write starts) and resolves once it is
   * written. The store retries a failing write until it works, so this waits while the store
   * cannot write and no handler starts; a failure reaches here only when the agent stops with the
   * store still failing, and is logged.
   */
  async #save(): Promise<void> {
    try {
      await this.#state.savePoll(() => this.#snapshot());
    } catch (err) {
      this.logger.error?.("could not persist the inbound cursor", { error: describe(err) });
    }
  }

  /** No cursor yet: what the first fetch reads, from the `backfill` option. */
  #seedWindow(): void {
    const secs = backfillSecs(this.#backfill);
    // After an empty first start (`startedAt`), nothing queued predates it: deliver everything.
    this.#skipBacklog = this.#backfill === "none" && this.#startedAt === undefined;
    this.#windowFrom =
      secs === undefined || secs >= ALL_SECS ? Number.NEGATIVE_INFINITY : Date.now() - secs * 1000;
    if (this.#backfill !== "all" && this.#startedAt === undefined) {
      this.logger.info?.(
        this.#skipBacklog
          ? 'no inbound cursor and backfill is "none": messages queued before this start are skipped'
          : "no inbound cursor: delivering only the messages of the backfill window",
        { backfill: this.#backfill },
      );
    }
  }

  async #loop(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      let delay = this.#readIntervalMs();
      const full = this.#queue.length > 0 || !this.#runner.hasCapacity();
      if (full && !(this.#router.waiting > 0 && this.#queue.length < 64)) {
        this.#starved = true;
      } else {
        this.#starved = false;
        try {
          await this.#pollOnce(signal);
          this.#failures = 0;
          if (this.#more) delay = 0; // a full page: the next one is waiting already
        } catch (err) {
          if (signal.aborted) break;
          this.#failures++;
          if (this.#failures > 1) {
            delay = Math.max(delay, backoffDelay(this.#failures - 1, 1_000, 30_000));
          }
          this.logger.warn?.("inbound poll failed; retrying", {
            error: describe(err),
            retryInMs: delay,
          });
        }
      }
      await this.#waker.wait(delay, signal);
    }
  }

  /** One fetch + hand-over. */
  async #pollOnce(signal: AbortSignal): Promise<void> {
    let page: InboundPage;
    const from = this.#fetchCursor;
    if (from === undefined) {
      page = await this.#fetchWithoutCursor(signal);
    } else {
      try {
        page = await this.fetch({ sinceId: from, signal });
      } catch (err) {
        if (!isCursorLost(err)) throw err;
        this.#rewind();
        page = await this.#fetchWithoutCursor(signal);
      }
    }
    this.#more = page.more === true;
    if (page.gap === true) {
      const reason = from === undefined && !this.#rewinding ? "backfill_window" : "poll_window";
      const gap = new InboundGapWarning(reason, from, page.messages[0]?.activityId);
      this.#observer.inboundGap(gap);
    }
    for (const msg of page.messages) this.#accept(msg);
    const lastId = page.lastId ?? page.messages.at(-1)?.activityId;
    if (lastId !== undefined && lastId !== this.#fetchCursor) {
      // Rows after the last message (own notify echoes) are settled by definition; not while
      // re-reading after a 410, where such a row may be older than the persisted cursor.
      if (
        !this.#rewinding &&
        !this.#seenActivity.has(lastId) &&
        !this.#pending.has(lastId) &&
        !this.#order.some((e) => e.activityId === lastId)
      ) {
        this.#order.push({ activityId: lastId, settled: true });
      }
      this.#fetchCursor = lastId;
    }
    this.#advance();
    await this.#pump();
  }

  /**
   * The platform no longer knows the cursor (410, e.g. pruned by retention). Keep the persisted
   * cursor and its time: they stay until a message of the re-read settles, so a stop or crash in
   * between re-reads the same window again. Re-read everything logged since the cursor's row (plus
   * a margin for clock skew), paging forward from there.
   */
  #rewind(): void {
    this.#rewinding = true;
    this.#settledBefore = this.#cursorAt;
    this.#windowFrom =
      this.#cursorAt === undefined
        ? Number.NEGATIVE_INFINITY
        : this.#cursorAt - REWIND_MARGIN_SECS * 1000;
    this.logger.warn?.(
      "inbound cursor no longer known to the platform (410); re-reading messages since it, de-duplicated",
      {
        cursor: this.#fetchCursor,
        ...(this.#cursorAt !== undefined
          ? { since: new Date(this.#windowFrom).toISOString() }
          : {}),
      },
    );
    this.#fetchCursor = undefined;
  }

  async #fetchWithoutCursor(signal: AbortSignal): Promise<InboundPage> {
    if (this.#skipBacklog) {
      const newest = await this.fetch({ signal });
      this.#skipBacklog = false;
      const lastId = newest.lastId ?? newest.messages.at(-1)?.activityId;
      if (lastId === undefined) {
        // Nothing queued: deliver from now on, also after a restart before the first message.
        this.#startedAt = new Date().toISOString();
        await this.#save();
        return { messages: [] };
      }
      this.#cursor = lastId;
      this.#cursorAt = newest.messages.at(-1) ? timeOf(newest.messages.at(-1)!) : undefined;
      this.#fetchCursor = lastId;
      this.logger.info?.('backfill "none": starting after the newest queued row', {
        cursor: lastId,
        skipped: newest.messages.length,
      });
      await this.#save();
      return { messages: [], lastId };
    }
    const sinceSecs =
      this.#windowFrom === Number.NEGATIVE_INFINITY
        ? ALL_SECS
        : Math.max(0, Math.ceil((Date.now() - this.#windowFrom) / 1000));
    return await this.fetch({ sinceSecs, signal });
  }

  /** Registers `msg` unless already seen or in progress. */
  #accept(msg: InboundMessage): void {
    const aid = msg.activityId;
    const mid = msg.messageId;
    if (aid !== undefined && (this.#seenActivity.has(aid) || this.#pending.has(aid))) return;
    const at = timeOf(msg);
    if (
      aid !== undefined &&
      (aid === this.#cursor ||
        (this.#settledBefore !== undefined && at !== undefined && at < this.#settledBefore))
    ) {
      this.#seenActivity.add(aid); // re-read after a 410: settled before the cursor was lost
      return;
    }
    const entry: OrderEntry | undefined =
      aid !== undefined ? { activityId: aid, messageId: mid, at, settled: false } : undefined;
    if (entry) this.#order.push(entry);
    const journaled =
      (aid !== undefined ? this.#journal.get(aid) : undefined) ??
      (mid !== undefined ? this.#journaledMessage(mid) : undefined);
    const deliveries = journaled ? (journaled.deliveries ?? 1) + 1 : 1;
    if (aid !== undefined) this.#pending.add(aid);
    this.#queue.push({ msg, key: aid ?? mid, entry, deliveries });
  }

  /**
   * Starts queued messages while fewer than `maxInFlight` are in flight: journals them as in
   * flight, waits until that is persisted (a crash is then detectable), then hands them over.
   */
  async #pump(): Promise<void> {
    const batch: Job[] = [];
    while (!this.#abort.signal.aborted && this.#running < this.#maxInFlight && !this.#alone) {
      const next = this.#queue[0];
      if (!next) break;
      if (next.deliveries > 1) {
        if (this.#running > 0) break; // it waits until it can run alone
        this.#alone = true;
      }
      const job = this.#queue.shift()!;
      this.#running++;
      if (job.key !== undefined) {
        const { activityId, messageId } = job.msg;
        this.#started.set(job.key, {
          ...(activityId !== undefined ? { activityId } : {}),
          ...(messageId !== undefined ? { messageId } : {}),
          deliveries: job.deliveries,
        });
      }
      batch.push(job);
    }
    if (batch.length === 0) return;
    if (this.#queue.length === 0 && this.#starved) this.#waker.wake();
    await this.#save();
    let dropped = false;
    for (const job of batch) {
      if (this.#abort.signal.aborted) {
        // Stopped while journaling: never started, so not in flight.
        this.#running--;
        if (job.deliveries > 1) this.#alone = false;
        if (job.key !== undefined) this.#started.delete(job.key);
        this.#release(job);
        dropped = true;
      } else {
        this.#begin(job);
      }
    }
    if (dropped) await this.#save();
  }

  #begin(job: Job): void {
    void this.handle(job.msg, { redelivered: job.deliveries > 1, deliveries: job.deliveries })
      .catch((err: unknown) => {
        this.logger.error?.("inbound handler pipeline failed unexpectedly", {
          error: describe(err),
        });
        return "abandoned" as const;
      })
      .then(async (r) => {
        if (r === "settled") {
          this.#settle(job.entry, job.msg.activityId, job.msg.messageId);
          if (job.key !== undefined) this.#started.delete(job.key);
          await this.#save(); // the slot is free only once the settle is durable
        }
        this.#running--;
        if (job.deliveries > 1) this.#alone = false;
        this.#release(job);
        void this.#pump();
        if (this.#starved) this.#waker.wake();
      });
  }

  /** `job` is no longer handled here (settled, or left for the next run). */
  #release(job: Job): void {
    if (job.msg.activityId !== undefined) this.#pending.delete(job.msg.activityId);
  }

  #journaledMessage(mid: string): InFlightEntry | undefined {
    for (const e of this.#journal.values()) if (e.messageId === mid) return e;
    return undefined;
  }

  #settle(entry: OrderEntry | undefined, aid: string | undefined, mid: string | undefined): void {
    if (entry) entry.settled = true;
    if (aid !== undefined) this.#seenActivity.add(aid);
    const journal = this.#journal;
    if (aid !== undefined) journal.delete(aid);
    if (mid !== undefined) {
      for (const [k, e] of journal) if (e.messageId === mid) journal.delete(k);
    }
    this.#advance();
  }

  /** Moves the cursor past the settled prefix of the order list. */
  #advance(): void {
    let moved = false;
    while (this.#order.length > 0 && this.#order[0]!.settled) {
      const entry = this.#order.shift()!;
      this.#cursor = entry.activityId;
      if (entry.at !== undefined) this.#cursorAt = entry.at;
      moved = true;
    }
    if (moved) {
      this.#rewinding = false;
      void this.#save();
    }
  }

  #snapshot(): CursorState {
    const state: CursorState = {
      seenActivityIds: this.#seenActivity.toArray(),
      seenMessageIds: this.#admission.seen.toArray(),
    };
    if (this.#cursor !== undefined) state.cursor = this.#cursor;
    else if (this.#startedAt !== undefined) state.startedAt = this.#startedAt;
    if (this.#cursor !== undefined && this.#cursorAt !== undefined)
      state.cursorAt = new Date(this.#cursorAt).toISOString();
    const inFlight = new Map(this.#journal);
    for (const [k, e] of this.#started) inFlight.set(k, e);
    if (inFlight.size > 0) state.inFlight = [...inFlight.values()];
    return state;
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

  /**
   * Hands one message on, or settles it: refused at entry, settled or running already under its
   * messageId (it settles with that run), dead-lettered, taken, dropped, cut, answered.
   */
  async handle(
    msg: InboundMessage,
    info: { redelivered: boolean; deliveries?: number },
  ): Promise<"settled" | "abandoned"> {
    if (this.#admission.isRejected(msg)) return "settled";
    try {
      await this.#admission.once(messageKey(msg), async () => await this.#runStages(msg, info));
      return "settled";
    } catch (err) {
      if (err === ABANDONED) return "abandoned";
      throw err;
    }
  }

  async #runStages(
    msg: InboundMessage,
    info: { redelivered: boolean; deliveries?: number },
  ): Promise<undefined> {
    if (await this.#admission.overDelivered(msg, info.deliveries)) return;
    if (this.#router.route(msg) !== "handler") return;
    if (info.redelivered && this.#answers.answered(msg)) return; // its answer is queued
    if (!(await this.#answers.admitTask(msg))) return; // a refused continuation
    const outcome = await this.#runner.submit(msg, {
      redelivered: info.redelivered,
      reply: !msg.isReply, // never answer an answer
    });
    if (outcome.status === "aborted") throw ABANDONED; // not settled: not remembered
  }

  open(signal: AbortSignal): ReturnType<EventWakeupsOptions["open"]> {
    if (!this.#open) {
      throw new MoleculeError("this platform client has no openEventStream", {
        code: "invalid_option",
      });
    }
    return this.#open(signal);
  }

  connected(): boolean {
    return this.events?.connected === true;
  }

  onWake(): void {
    this.wake();
  }

  onStatus(connected: boolean): void {
    this.logger.debug?.("event stream", { connected });
    if (connected) return;
    // Events may have been missed while it was down: catch up now, then poll at the full rate.
    this.wake();
    this.#onStateEvent();
  }

  onStateEvent(): void {
    this.#onStateEvent();
  }
}
