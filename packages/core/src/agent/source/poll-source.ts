// The poll source of one agent: its loop reads the workspace's activity (poll-pages.ts: through the
// settle window, ids bounded, awaited answers taken) and hands each new row to the same stages as
// the push source: `Admission.journal` (de-duplicated by activity id, deliveries counted, journaled
// in flight), admit, route and run (the answer goes to the reply outbox). The cursor moves, and is
// persisted, only past settled rows; poll's own rules (order, backfill, the 410 re-read, the settle
// window) are in poll-cursor.ts. The admitted rows wait for a handler slot in its queue
// (poll-queue.ts), which hands each to the stages (poll-stages.ts). A shared store (replicas) runs
// the loop and calls `fetch` and `handle`. Event wake-ups make the poll immediate when a message
// lands.
import { type AgentObserver, EventWakeupsUnavailableWarning } from "../../events/index.js";
import type { CursorState, InboundMessage, InboundPage } from "../../inbound/index.js";
import { checkBackfill, messageKey } from "../../inbound/index.js";
import { PollWakes } from "./poll-wakes.js";
import { detached } from "../../observability/index.js";
import { type AnnouncedRow, type EventWakeupsOptions, EventWakeups } from "../../platform/index.js";
import type { AgentStateStore, SharedPoll, SharedStore } from "../../store/index.js";
import { type Logger, MoleculeError, backoffDelay, describe } from "../../transport/index.js";
import type { Admission } from "../admit/admission.js";
import type { Answers } from "../answer/answers.js";
import type { Router } from "../route/router.js";
import type { Dispatcher } from "../run/dispatcher.js";
import type { RemoteAgentOptions } from "../types.js";
import {
  type Checkpoint,
  MAX_SETTLED,
  checkpointOf,
  PollCheckpoint,
  resumeFrom,
} from "./poll-checkpoint.js";
import { ActivityAcks } from "./activity-acks.js";
import { AnnouncedMessages } from "../admit/announced-messages.js";
import { PollCursor, isCursorLost } from "./poll-cursor.js";
import { eventStreamOpener, pollFetcher } from "./poll-fetch.js";
import { PollIntake } from "./poll-intake.js";
import { PollPace } from "./poll-pace.js";
import { PollPages, type PageQuery } from "./poll-pages.js";
import { PollQueue, type PollHandler, type QueuedPoll } from "./poll-queue.js";

/** The agent options poll delivery reads. */
type PollKey =
  | "client"
  | "backfill"
  | "concurrency"
  | "eventWakeups"
  | "replyTimeoutMs"
  | PollSetting;
type PollSetting = "pollLimit" | "pollIntervalMs" | "pollSettleMs";
type PollOptions = Pick<RemoteAgentOptions, PollKey>;

/** What the capability probe said about the event stream (and why it failed, if it did). */
export interface PollCapabilities {
  eventStream: boolean;
  eventStreamError?: string | undefined;
}

/**
 * Poll delivery and event wake-ups of one agent. Guarantees, per message:
 * - handed to `handle` (`PollStages.handle`) at most once per run, whether re-listed (baseline
 *   server) or re-fetched after a `410` (one re-delivered under the same A2A `messageId` is handed
 *   over and settles with the first: the admit stage de-duplicates by messageId, `Admission.once`);
 * - journaled as in flight (persisted, with the settle of the message whose slot it takes)
 *   before `handle` runs: at most `concurrency` messages are journaled in flight (`PollQueue`);
 * - the persisted cursor never passes a message that is not settled, and is never dropped: after
 *   a `410` it stays (with its time) until a message of the re-read has settled.
 */
export class PollSource implements EventWakeupsOptions, QueuedPoll {
  readonly logger: Logger;
  /** The event wake-ups, once they run. */
  events: EventWakeups | undefined;
  /** The workspace is paused and the agent waits it out: the poll loop fetches nothing. */
  held = false;
  readonly #o: PollOptions;
  readonly #state: AgentStateStore;
  readonly #maxInFlight: number;
  readonly #pollCursor: PollCursor;
  readonly #open: EventWakeupsOptions["open"] | undefined;
  readonly #pages: PollPages;
  readonly #admission: Admission;
  readonly #router: Router;
  readonly #runner: Dispatcher;
  readonly #answers: Answers;
  /** Hands one message to the stages after the source (`PollStages`), from this loop's queue or
   * from a shared store's loop. */
  readonly #handler: PollHandler;
  readonly #observer: AgentObserver;
  /** Where the state is saved, for the start's log line (a file, or "memory"). */
  readonly #where: string;
  /** The checkpoints in the activity log (this process's loop, with a client that can). */
  readonly #checkpoint: PollCheckpoint | undefined;
  /** A workspace event from the platform (its name) or a dropped stream: check the state. */
  readonly onStateEvent: (name?: string) => void;
  /** A shared store's poll, which runs the loop instead of this process (replicas). */
  #shared: SharedPoll | undefined;
  /** What woke the poll since its last read started (poll-wakes.ts). */
  readonly #wakes = new PollWakes();
  readonly #abort = new AbortController();
  readonly #pace: PollPace;
  /** The admitted messages, waiting for a handler slot or running in one. */
  readonly #queue: PollQueue;
  /** The last page was full: fetch the next one without waiting. */
  #more = false;
  #loopDone: Promise<void> | undefined;
  /** The loop's start (its checkpoint read), which may go on after `start()` resolved. */
  #loopStart: Promise<void> | undefined;
  #failures = 0;
  #starved = false;
  readonly #acks: ActivityAcks;
  /** The messages taken from the event stream, without a read (admit/announced-messages.ts). */
  readonly #announced: AnnouncedMessages;
  /** What the event stream brings with a row's body, taken without a read (poll-intake.ts). */
  readonly #intake: PollIntake;

  constructor(
    options: PollOptions,
    state: AgentStateStore,
    stages: {
      admission: Admission;
      router: Router;
      runner: Dispatcher;
      answers: Answers;
      /** The stages after the source, for one message (`PollStages`, poll-stages.ts). */
      handler: PollHandler;
    },
    observer: AgentObserver,
    onStateEvent: (name?: string) => void,
    where: string,
  ) {
    this.#o = options;
    this.#where = where;
    this.#checkpoint = PollCheckpoint.of(
      options.client,
      observer.logger,
      stages.answers,
      options.replyTimeoutMs,
      observer.path,
      state,
    );
    this.#state = state;
    this.logger = observer.logger;
    const intervalMs = options.pollIntervalMs ?? 5_000;
    const settling = (): number | undefined => this.#pollCursor.settlingWithinMs();
    const auditing = (): boolean => this.#pollCursor.auditPending();
    const connected = (): boolean => this.connected();
    this.#pace = new PollPace(intervalMs, connected, settling, auditing, this.#abort.signal);
    this.#maxInFlight = Math.max(1, Math.floor(options.concurrency ?? 4));
    this.#pollCursor = new PollCursor(
      checkBackfill(options.backfill),
      observer.logger,
      options.pollSettleMs,
    );
    this.#open = eventStreamOpener(options.client);
    this.#admission = stages.admission;
    this.#router = stages.router;
    const fetchPage = pollFetcher(options.client, options.pollLimit);
    this.#pages = new PollPages(fetchPage, stages, this.#pollCursor, observer);
    this.#runner = stages.runner;
    this.#answers = stages.answers;
    this.#handler = stages.handler;
    this.#observer = observer;
    this.onStateEvent = onStateEvent;
    const { signal } = this.#abort;
    this.#acks = new ActivityAcks(options.client, observer.logger, this.#pollCursor, signal, state);
    const limits = { maxInFlight: this.#maxInFlight, logger: observer.logger, signal };
    const { journal } = stages.admission;
    this.#queue = new PollQueue(this, journal, this.#pollCursor, this.#handler, limits);
    this.#announced = new AnnouncedMessages(MAX_SETTLED, stages.admission.seen.max);
    const intake = { ...stages, queue: this.#queue, announced: this.#announced };
    this.#intake = new PollIntake(options.client, intake, this.#maxInFlight);
  }

  /** The persisted cursor (the last activity id settled in order). */
  get cursor(): string | undefined {
    return this.#shared ? this.#shared.cursor : this.#pollCursor.cursor;
  }

  /**
   * Starts poll delivery (a shared store's, else this process's) and, when the platform has an
   * event stream and `eventWakeups` is on, the wake-ups (a failed probe is reported as a
   * `wakeupsUnavailable` warning); answers a previous run left are queued before any redelivery.
   * Resolves once this process's loop reads, or once the checkpoint it starts from has to wait
   * (see {@link #reading}); a start that fails after that calls `failed`.
   */
  async start(
    shared: SharedStore | undefined,
    caps?: PollCapabilities,
    starting?: AbortSignal,
    failed?: (err: unknown) => void,
  ) {
    await this.#answers.attach(this.#state);
    // The poll loop's requests are not part of start()'s trace.
    if (shared) {
      this.#shared = await detached(() =>
        shared.startPoll({
          workspaceId: this.#o.client.workspaceId,
          fetch: async (opts) => await this.fetch(opts),
          handle: async (msg, info) => await this.#handler.handle(msg, info),
          deadLetter: async (msg, error) => await this.#answers.deadLetter(msg, error),
          concurrency: this.#maxInFlight,
          pollIntervalMs: this.#pace.intervalMs,
          readIntervalMs: () => this.#pace.readIntervalMs(),
          backfill: this.#pollCursor.backfill,
          logger: this.logger,
        }),
      );
    } else {
      await this.#reading(starting, failed);
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
        new EventWakeupsUnavailableWarning(workspaceId, this.#pace.intervalMs, error),
      );
    }
  }

  /**
   * Starts this process's loop ({@link #startLoop}): resolves once it reads, or as soon as the
   * checkpoint it starts from has to wait (for the rate budget's turn, or to be read again): the
   * agent is online and reading, and no message is read before the checkpoint is known. A
   * failure before then rejects; one after it (a checkpoint that cannot be read) goes to
   * `failed`, unless the source was stopped.
   */
  async #reading(
    starting: AbortSignal | undefined,
    failed: ((err: unknown) => void) | undefined,
  ): Promise<void> {
    let held: (() => void) | undefined;
    const waits = new Promise<void>((resolve) => (held = resolve));
    const loop = detached(() => this.#startLoop(starting, () => held?.()));
    let resolved = false;
    this.#loopStart = loop.catch((err: unknown) => {
      if (resolved && !this.#abort.signal.aborted) failed?.(err);
    });
    await Promise.race([loop, waits]);
    resolved = true;
  }

  /**
   * Loads the stored state (with the checkpoint where it has no cursor: {@link resumeFrom}) and
   * starts this process's poll loop; `starting` (the agent's start) aborted ends the reading.
   * `held`: the checkpoint read has to wait.
   */
  async #startLoop(starting: AbortSignal | undefined, held: () => void): Promise<void> {
    const { backfill } = this.#pollCursor;
    const signal = starting ? AbortSignal.any([this.#abort.signal, starting]) : this.#abort.signal;
    const read = (): Promise<Checkpoint | undefined> =>
      this.#checkpoint?.read(signal, held) ?? Promise.resolve(undefined);
    const opts = { backfill, where: this.#where, logger: this.logger };
    const { state, settled } = await resumeFrom((await this.#state.load()) ?? {}, read, opts);
    this.#admission.loadPolled(state);
    this.#admission.journal.settleAll(settled);
    this.#pollCursor.load(state);
    this.#loopDone = this.#loop();
  }

  /**
   * The agent ends: writes the checkpoint of where it got to (when it `stopped` or was `paused`;
   * a removed or unauthorized workspace cannot write its log), after the last settle.
   */
  async checkpoint(reason: string): Promise<void> {
    if (reason === "stopped" || reason === "paused") await this.#checkpoint?.flush();
    else this.#checkpoint?.cancel();
  }

  /**
   * Holds the poll loop while the workspace is paused and the agent waits it out (it fetches
   * nothing); on resume, reads what arrived meanwhile at once.
   */
  hold(paused: boolean): void {
    this.held = paused;
    if (!paused) this.wake();
  }

  /** Triggers a fetch now (an event wake-up, a resume). */
  wake(): void {
    if (this.#shared) this.#shared.wake();
    else this.#wakes.wake();
  }

  /** A handler slot is free: reads on if the loop skipped a read for want of one (not per slot). */
  slotFreed(): void {
    if (this.#shared) this.#shared.wake();
    else if (this.#starved) this.#wakes.wake();
  }

  /**
   * Stops fetching and starting handlers, and the wake-ups; messages already handed over keep
   * settling, queued ones are left for the next run (the cursor does not pass them).
   */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#wakes.wake();
    this.#queue.clear();
    await this.#loopStart;
    await Promise.allSettled([this.#shared?.stop(), this.#loopDone, this.events?.stop()]);
  }

  /** Waits until every settled change is persisted. */
  async flush(): Promise<void> {
    await (this.#shared ? this.#shared.flush() : this.#state.flush());
  }

  /**
   * Writes the poll state (its snapshot, {@link #snapshotOf}, taken when the write starts) and
   * resolves once it is written. The store retries a failing write until it works, so this waits
   * while it cannot write and no handler starts; a failure reaches here only when the agent stops
   * with the store still failing, and is logged.
   */
  save(): Promise<void> {
    return this.#state.savePoll(this.#snapshotOf).catch(this.#saveFailed);
  }

  readonly #saveFailed = (err: unknown): void =>
    void this.logger.error?.("could not persist the inbound cursor", { error: describe(err) });

  async #loop(): Promise<void> {
    const signal = this.#abort.signal;
    let woken = true;
    while (!signal.aborted) {
      let refused = false;
      let delay = this.#pace.delayMs(); // sooner while rows settle (a late row may need a tail pass)
      const full = this.#queue.waiting > 0 || !this.#runner.hasCapacity();
      if (this.held) {
        // Paused: nothing new starts; the cursor stays, so the resumed agent reads on from it.
      } else if (full && !(this.#router.waiting > 0 && this.#queue.waiting < 64)) {
        this.#starved = true;
      } else {
        this.#starved = false;
        try {
          const router = this.#router;
          const read = this.#pace.signalOf(
            woken || this.#more,
            router.waiting > 0,
            router.earliestDue,
          );
          await this.#pollOnce(read);
          this.#pace.readDone();
          if (this.#failures > 0) this.#observer.path.passed();
          this.#failures = 0;
          if (this.#more) delay = 0; // a full page: the next one is waiting already
        } catch (err) {
          if (signal.aborted) break;
          const again = this.#pace.refusedMs(err);
          if (again !== undefined) {
            // Refused unsent (answers went first): asked again, still owed to what woke it.
            delay = Math.min(delay, again);
            refused = woken;
          } else {
            this.#failures++;
            if (this.#failures > 1) {
              delay = Math.max(delay, backoffDelay(this.#failures - 1, 1_000, 30_000));
            }
            // The path to the platform failing (DNS, a proxy, TLS, a front): its lines.
            if (!this.#observer.path.failed(err)) {
              this.logger.warn?.("inbound poll failed; retrying", {
                error: describe(err),
                retryInMs: delay,
              });
            }
          }
        }
      }
      woken = (await this.#wakes.wait(delay, signal)) || delay === 0 || refused;
    }
  }

  /** One fetch + hand-over. */
  async #pollOnce(signal: AbortSignal): Promise<void> {
    const cursor = this.#pollCursor;
    const fetchWithout = async (): Promise<InboundPage> =>
      await cursor.fetchWithout(
        async (o) => await this.#pages.fresh(o),
        this.save.bind(this),
        signal,
      );
    let page: InboundPage;
    // A new pass starts behind the rows still settling (rows may commit out of order); a full
    // page's next one reads on from it.
    const from = this.#more ? cursor.fetchCursor : cursor.passStart();
    const read = this.#announced.readStarted();
    this.#wakes.readStarted();
    if (!this.#more) this.advance(); // the settle window's anchor may have moved
    if (from === undefined) {
      page = await fetchWithout();
    } else {
      try {
        page = await this.#pages.fresh({ sinceId: from, signal });
      } catch (err) {
        if (!isCursorLost(err)) throw err;
        cursor.rewind();
        page = await fetchWithout();
      }
    }
    this.#more = page.more === true;
    if (!this.#more) read();
    for (const msg of page.messages) this.#queue.accept(msg);
    // The rows announced meanwhile that it brought need no read of their own.
    this.#wakes.readDone(page.messages, (key) => this.#admission.seen.has(key));
    const { journal } = this.#admission;
    const last = { at: page.lastAt, seq: page.lastSeq };
    cursor.read(page.lastId ?? page.messages.at(-1)?.activityId, (id) => journal.knows(id), last);
    this.advance();
    await this.#queue.pump();
  }

  /** Moves the cursor past the settled prefix of the rows; saves it (and checkpoints) when it moved. */
  advance(): void {
    if (!this.#pollCursor.advance()) return;
    void this.save().then(() => this.#acks.send());
    this.#checkpointChanged();
  }

  /**
   * `msg` settled: the cursor moves past the settled prefix; one taken from the event stream (no
   * row id) is checkpointed, and once enough are unread their rows are read (`readOwed`).
   */
  settled(msg: InboundMessage): void {
    if (msg.activityId === undefined) {
      this.#announced.settled(msg);
      this.#checkpointChanged();
      if (this.#announced.readOwed) this.wake();
    }
    this.advance();
  }

  settledAlready(msg: InboundMessage): boolean {
    const key = messageKey(msg);
    return key !== undefined && this.#admission.seen.has(key);
  }

  #checkpointChanged(): void {
    if (this.#shared || this.#checkpoint === undefined) return;
    const settled = (): readonly string[] => this.#admission.journal.settledIds();
    const messages = (): readonly string[] => this.#announced.settledKeys();
    this.#checkpoint.changed(() => checkpointOf(this.#pollCursor.state(), settled(), messages()));
  }

  /** The poll state to write, bound once (every save hands it over). */
  readonly #snapshotOf = (): CursorState =>
    Object.assign(this.#admission.polledState(), this.#pollCursor.state());

  /** A page of admitted messages, without the answers pending calls take (a shared store's read). */
  async fetch(opts: PageQuery): Promise<InboundPage> {
    return await this.#pages.fetch(opts);
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

  onWake(activity?: AnnouncedRow): void {
    if (activity !== undefined && !this.#shared) {
      if (activity.id !== undefined) this.#pollCursor.announced(activity.id);
      // Announced with its body (since 2026-05): an awaited answer goes to its call, a message to
      // the queue, and no read is owed for either (a later read passes its row, and hands it on
      // no more).
      const reading = this.#loopDone !== undefined && !this.#abort.signal.aborted && !this.held;
      if (activity.event && this.#intake.take(activity.event, reading)) return;
      // A message from a peer this agent awaits an answer from: maybe that answer.
      const from = activity.sourceId;
      if (from !== undefined && this.#router.awaitsFrom(from))
        this.#pace.announced(activity.messageId ?? activity.id);
      return this.#wakes.wakeFor(from, activity.messageId); // a read that brings it answers it
    }
    this.wake();
  }

  onStatus(connected: boolean): void {
    this.logger.debug?.("event stream", { connected });
    if (connected) return;
    // Events may have been missed while it was down: catch up now, then poll at the full rate.
    this.wake();
    this.onStateEvent();
  }
}
