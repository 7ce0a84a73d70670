// Poll delivery: fetch inbound activity rows in ascending order, hand each new message to the
// dispatcher once, advance and persist the cursor only past settled messages.
import { describe } from "../transport/index.js";
import type { InboundMessage } from "./message.js";
import type { CursorState, InFlightEntry } from "./cursor-state.js";
import { ALL_SECS, backfillSecs, checkBackfill } from "./backfill.js";
import type { Backfill } from "./backfill.js";
import { BoundedSet } from "./dedup.js";
import { InboundGapWarning, reportGap } from "./gap-warning.js";
import { StateSaver } from "./state-saver.js";
import { backoffDelay } from "../transport/index.js";
import { Waker } from "./waker.js";
import type { InboundPage, PollDeliveryOptions, SettleResult } from "./poll-options.js";

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
  resolve(r: SettleResult): void;
}

/** Margin added to the re-read window after a `410`, for clock skew between agent and platform. */
const REWIND_MARGIN_SECS = 300;

/** Thrown by fetch implementations (or detected via `status === 410`) when the cursor is gone. */
function isCursorLost(err: unknown): boolean {
  return !!err && typeof err === "object" && (err as { status?: unknown }).status === 410;
}

/** Whether `err` is an HTTP 401 from the platform. */
export function isUnauthorized(err: unknown): boolean {
  return !!err && typeof err === "object" && (err as { status?: unknown }).status === 401;
}

function timeOf(msg: InboundMessage): number | undefined {
  const at = msg.receivedAt instanceof Date ? msg.receivedAt.getTime() : Number.NaN;
  return Number.isFinite(at) ? at : undefined;
}

/**
 * The poll delivery engine. Guarantees, per message:
 * - handed to `handle` at most once per run, whether re-listed (baseline server), re-fetched after
 *   a `410`, or re-delivered under the same A2A `messageId`;
 * - journaled as in flight (persisted) before `handle` runs, and at most `maxInFlight` messages
 *   are in flight: a handler slot is given back only once its settlement is persisted;
 * - the persisted cursor never passes a message that is not settled, and is never dropped: after
 *   a `410` it stays (with its time) until a message of the re-read has settled.
 */
export class PollDelivery {
  readonly #o: PollDeliveryOptions;
  readonly #waker = new Waker();
  readonly #abort = new AbortController();
  readonly #saver: StateSaver;
  readonly #maxInFlight: number;
  readonly #backfill: Backfill;
  /** The de-duplication windows of settled activity ids and message ids. */
  readonly #seenActivity: BoundedSet;
  readonly #seenMessage: BoundedSet;
  /** Messages fetched and not yet passed by the persisted cursor, ascending. */
  readonly #order: OrderEntry[] = [];
  /** Accepted messages waiting for a slot, ascending. */
  readonly #queue: Job[] = [];
  /** Messages handed to `handle` and not yet durably settled (persisted as in flight). */
  readonly #started = new Map<string, InFlightEntry>();
  #running = 0;
  /** Activity ids being handled (fetched, not settled). */
  readonly #pending = new Map<string, Promise<SettleResult>>();
  /** Message ids being handled. */
  readonly #pendingMessages = new Map<string, Promise<SettleResult>>();
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
  #loop: Promise<void> | undefined;
  #failures = 0;
  #starved = false;
  /**
   * A redelivered message (in flight when a previous run died) is running alone: after a crash,
   * such messages run one at a time until each settles, so only the one that crashes accrues
   * deliveries and a bystander is never dead-lettered for a neighbour's crash (#29).
   */
  #alone = false;

  /** @param options see {@link PollDeliveryOptions} */
  constructor(options: PollDeliveryOptions) {
    this.#o = options;
    this.#maxInFlight = Math.max(1, Math.floor(options.maxInFlight ?? 4));
    this.#backfill = checkBackfill(options.backfill);
    this.#saver = new StateSaver(options.store, () => this.#snapshot(), options.logger);
    this.#seenActivity = new BoundedSet(options.dedupWindow ?? 1000);
    this.#seenMessage = new BoundedSet(options.dedupWindow ?? 1000);
  }

  /** The persisted cursor (the last activity id settled in order). */
  get cursor(): string | undefined {
    return this.#cursor;
  }

  /** Loads the stored state and starts polling. */
  async start(): Promise<void> {
    const state = (await this.#o.store.load()) ?? {};
    for (const id of state.seenActivityIds ?? []) this.#seenActivity.add(id);
    for (const id of state.seenMessageIds ?? []) this.#seenMessage.add(id);
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
    this.#loop = this.#run();
  }

  /** Triggers a fetch now (event wake-up, or a dispatcher slot became free). */
  wake(): void {
    this.#waker.wake();
  }

  /**
   * Stops fetching and starting handlers; messages already handed over keep settling, queued ones
   * are left for the next run (the cursor does not pass them). Resolves when the loop ended.
   */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#waker.wake();
    for (const job of this.#queue.splice(0)) job.resolve("abandoned");
    await this.#loop;
  }

  /** Waits until every settled change is persisted. */
  async flush(): Promise<void> {
    await this.#saver.flush();
  }

  /** No cursor yet: what the first fetch reads, from the `backfill` option. */
  #seedWindow(): void {
    const secs = backfillSecs(this.#backfill);
    // After an empty first start (`startedAt`), nothing queued predates it: deliver everything.
    this.#skipBacklog = this.#backfill === "none" && this.#startedAt === undefined;
    this.#windowFrom =
      secs === undefined || secs >= ALL_SECS ? Number.NEGATIVE_INFINITY : Date.now() - secs * 1000;
    if (this.#backfill !== "all" && this.#startedAt === undefined) {
      this.#o.logger.info?.(
        this.#skipBacklog
          ? 'no inbound cursor and backfill is "none": messages queued before this start are skipped'
          : "no inbound cursor: delivering only the messages of the backfill window",
        { backfill: this.#backfill },
      );
    }
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      const o = this.#o;
      let delay = o.connected?.() ? (o.connectedIntervalMs ?? o.intervalMs) : o.intervalMs;
      const full = this.#queue.length > 0 || !this.#o.hasCapacity();
      if (full && !(this.#o.awaiting?.() && this.#queue.length < 64)) {
        this.#starved = true;
      } else {
        this.#starved = false;
        try {
          await this.pollOnce(signal);
          this.#failures = 0;
          if (this.#more) delay = 0; // a full page: the next one is waiting already
        } catch (err) {
          if (signal.aborted) break;
          this.#failures++;
          if (this.#failures > 1) {
            delay = Math.max(delay, backoffDelay(this.#failures - 1, 1_000, 30_000));
          }
          this.#o.logger.warn?.("inbound poll failed; retrying", {
            error: describe(err),
            retryInMs: delay,
          });
        }
      }
      await this.#waker.wait(delay, signal);
    }
  }

  /** One fetch + hand-over. Exposed for tests; the loop calls it. */
  async pollOnce(signal: AbortSignal = this.#abort.signal): Promise<number> {
    let page: InboundPage;
    const from = this.#fetchCursor;
    if (from === undefined) {
      page = await this.#fetchWithoutCursor(signal);
    } else {
      try {
        page = await this.#o.fetch({ sinceId: from, signal });
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
      if (this.#o.onGap) this.#o.onGap(gap);
      else reportGap(this.#o.logger, gap);
    }
    let accepted = 0;
    for (const msg of page.messages) if (this.#accept(msg)) accepted++;
    const lastId = page.lastId ?? page.messages.at(-1)?.activityId;
    if (lastId !== undefined && lastId !== this.#fetchCursor) {
      // Rows after the last message (own notify echoes) are settled by definition; not while
      // re-reading after a 410, where such a row may be older than the persisted cursor.
      if (
        !this.#rewinding &&
        !this.#seenActivity.has(lastId) &&
        !this.#pending.has(lastId) &&
        !this.#inOrder(lastId)
      ) {
        this.#order.push({ activityId: lastId, settled: true });
      }
      this.#fetchCursor = lastId;
    }
    this.#advance();
    await this.#pump();
    return accepted;
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
    this.#o.logger.warn?.(
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
      const newest = await this.#o.fetch({ signal });
      this.#skipBacklog = false;
      const lastId = newest.lastId ?? newest.messages.at(-1)?.activityId;
      if (lastId === undefined) {
        // Nothing queued: deliver from now on, also after a restart before the first message.
        this.#startedAt = new Date().toISOString();
        await this.#saver.save();
        return { messages: [] };
      }
      this.#cursor = lastId;
      this.#cursorAt = newest.messages.at(-1) ? timeOf(newest.messages.at(-1)!) : undefined;
      this.#fetchCursor = lastId;
      this.#o.logger.info?.('backfill "none": starting after the newest queued row', {
        cursor: lastId,
        skipped: newest.messages.length,
      });
      await this.#saver.save();
      return { messages: [], lastId };
    }
    const sinceSecs =
      this.#windowFrom === Number.NEGATIVE_INFINITY
        ? ALL_SECS
        : Math.max(0, Math.ceil((Date.now() - this.#windowFrom) / 1000));
    return await this.#o.fetch({ sinceSecs, signal });
  }

  #inOrder(id: string): boolean {
    return this.#order.some((e) => e.activityId === id);
  }

  /** Registers `msg` unless already seen or in progress; returns true when it was queued. */
  #accept(msg: InboundMessage): boolean {
    const aid = msg.activityId;
    const mid = msg.messageId;
    if (aid !== undefined && (this.#seenActivity.has(aid) || this.#pending.has(aid))) return false;
    const at = timeOf(msg);
    if (
      aid !== undefined &&
      (aid === this.#cursor ||
        (this.#settledBefore !== undefined && at !== undefined && at < this.#settledBefore))
    ) {
      this.#seenActivity.add(aid); // re-read after a 410: settled before the cursor was lost
      return false;
    }
    if (mid !== undefined && this.#seenMessage.has(mid)) {
      // Same A2A message re-delivered under a new activity row: settled already.
      if (aid !== undefined) {
        this.#seenActivity.add(aid);
        this.#order.push({ activityId: aid, settled: true });
      }
      return false;
    }
    const entry: OrderEntry | undefined =
      aid !== undefined ? { activityId: aid, messageId: mid, at, settled: false } : undefined;
    if (entry) this.#order.push(entry);
    const original = mid !== undefined ? this.#pendingMessages.get(mid) : undefined;
    if (original) {
      // A duplicate of a message being handled right now: it settles with the original.
      const p = original.then(async (r) => {
        if (aid !== undefined) this.#pending.delete(aid);
        if (r === "settled") {
          this.#settle(entry, aid, undefined);
          await this.#saver.save();
        }
        return r;
      });
      if (aid !== undefined) this.#pending.set(aid, p);
      return false;
    }
    const journaled =
      (aid !== undefined ? this.#journal.get(aid) : undefined) ??
      (mid !== undefined ? this.#journaledMessage(mid) : undefined);
    const deliveries = journaled ? (journaled.deliveries ?? 1) + 1 : 1;
    let resolve!: (r: SettleResult) => void;
    const p = new Promise<SettleResult>((r) => (resolve = r));
    if (aid !== undefined) this.#pending.set(aid, p);
    if (mid !== undefined) this.#pendingMessages.set(mid, p);
    void p.then(() => {
      if (aid !== undefined) this.#pending.delete(aid);
      if (mid !== undefined) this.#pendingMessages.delete(mid);
    });
    this.#queue.push({ msg, key: aid ?? mid, entry, deliveries, resolve });
    return true;
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
    await this.#saver.save();
    let dropped = false;
    for (const job of batch) {
      if (this.#abort.signal.aborted) {
        // Stopped while journaling: never started, so not in flight.
        this.#running--;
        if (job.deliveries > 1) this.#alone = false;
        if (job.key !== undefined) this.#started.delete(job.key);
        job.resolve("abandoned");
        dropped = true;
      } else {
        this.#begin(job);
      }
    }
    if (dropped) await this.#saver.save();
  }

  #begin(job: Job): void {
    void this.#o
      .handle(job.msg, { redelivered: job.deliveries > 1, deliveries: job.deliveries })
      .catch((err: unknown) => {
        this.#o.logger.error?.("inbound handler pipeline failed unexpectedly", {
          error: describe(err),
        });
        return "abandoned" as const;
      })
      .then(async (r) => {
        if (r === "settled") {
          this.#settle(job.entry, job.msg.activityId, job.msg.messageId);
          if (job.key !== undefined) this.#started.delete(job.key);
          await this.#saver.save(); // the slot is free only once the settle is durable
        }
        this.#running--;
        if (job.deliveries > 1) this.#alone = false;
        job.resolve(r);
        void this.#pump();
        if (this.#starved) this.#waker.wake();
      });
  }

  #journaledMessage(mid: string): InFlightEntry | undefined {
    for (const e of this.#journal.values()) if (e.messageId === mid) return e;
    return undefined;
  }

  #settle(entry: OrderEntry | undefined, aid: string | undefined, mid: string | undefined): void {
    if (entry) entry.settled = true;
    if (aid !== undefined) this.#seenActivity.add(aid);
    if (mid !== undefined) this.#seenMessage.add(mid);
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
      void this.#saver.save();
    }
  }

  #snapshot(): CursorState {
    const state: CursorState = {
      seenActivityIds: this.#seenActivity.toArray(),
      seenMessageIds: this.#seenMessage.toArray(),
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
}
