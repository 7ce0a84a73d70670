// Poll delivery: fetch inbound activity rows in ascending order, hand each new message to the
// dispatcher once, advance and persist the cursor only past settled messages.
import type { Logger } from "./logger.js";
import type { InboundMessage } from "./message.js";
import type { CursorState, CursorStore, InFlightEntry } from "./cursor-store.js";
import { BoundedSet } from "./dedup.js";
import { Waker, backoffDelay } from "./timing.js";

/** One page of inbound messages, oldest first. */
export interface InboundPage {
  messages: InboundMessage[];
  /**
   * The id of the last row the server returned, including rows that are not messages (the agent's
   * own notify echoes): the cursor moves past those too. Defaults to the last message's id.
   */
  lastId?: string | undefined;
  /** The server returned a full page after a cursor: fetch again at once. */
  more?: boolean;
  /**
   * Rows between the cursor and this page may exist that the server cannot return (the baseline
   * platform answers only its newest rows): reported, since those messages cannot be delivered.
   */
  gap?: boolean;
}

/** How a message handed to {@link PollDeliveryOptions.handle} ended. */
export type SettleResult = "settled" | "abandoned";

/** Options of {@link PollDelivery}. */
export interface PollDeliveryOptions {
  /**
   * Fetches the page strictly after `sinceId` (or the rows of the last `sinceSecs` seconds, or the
   * newest rows when both are undefined), ascending.
   */
  fetch(opts: { sinceId?: string; sinceSecs?: number; signal: AbortSignal }): Promise<InboundPage>;
  /** Where the cursor and the de-dup window live. */
  store: CursorStore;
  /**
   * Handles one message (queueing, retries, reply, dead letter). Resolves "settled" once the
   * message is done for good (handled, or dead-lettered), "abandoned" when the agent stopped first.
   */
  handle(msg: InboundMessage, info: { redelivered: boolean }): Promise<SettleResult>;
  /** Whether the dispatcher can take more work now; polling pauses while it cannot. */
  hasCapacity(): boolean;
  /** Poll interval in ms. */
  intervalMs: number;
  /** How many settled activity ids and message ids to remember (default 1000 each). */
  dedupWindow?: number;
  logger: Logger;
}

interface OrderEntry {
  activityId: string;
  messageId?: string | undefined;
  /** When the row was logged (epoch ms), when known. */
  at?: number | undefined;
  settled: boolean;
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

/**
 * The poll delivery engine. Guarantees, per message:
 * - handed to `handle` at most once per run, whether re-listed (baseline server), re-fetched after
 *   a `410`, or re-delivered under the same A2A `messageId`;
 * - the persisted cursor never passes a message that is not settled; the de-dup window and the
 *   in-flight journal are persisted with it after every settled message.
 */
export class PollDelivery {
  readonly #o: PollDeliveryOptions;
  readonly #waker = new Waker();
  readonly #abort = new AbortController();
  #seenActivity!: BoundedSet;
  #seenMessage!: BoundedSet;
  /** Messages fetched and not yet passed by the persisted cursor, ascending. */
  readonly #order: OrderEntry[] = [];
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
  /** The last page was full: fetch the next one without waiting. */
  #more = false;
  #loop: Promise<void> | undefined;
  #saving: Promise<void> = Promise.resolve();
  #saveQueued = false;
  #failures = 0;
  #starved = false;

  /** @param options see {@link PollDeliveryOptions} */
  constructor(options: PollDeliveryOptions) {
    this.#o = options;
  }

  /** The persisted cursor (the last activity id settled in order). */
  get cursor(): string | undefined {
    return this.#cursor;
  }

  /** Loads the stored state and starts polling. */
  async start(): Promise<void> {
    const state = (await this.#o.store.load()) ?? {};
    const window = this.#o.dedupWindow ?? 1000;
    this.#seenActivity = new BoundedSet(window, state.seenActivityIds);
    this.#seenMessage = new BoundedSet(window, state.seenMessageIds);
    for (const e of state.inFlight ?? []) {
      const key = e.activityId ?? e.messageId;
      if (key !== undefined) this.#journal.set(key, e);
    }
    this.#cursor = state.cursor;
    const at = state.cursorAt === undefined ? Number.NaN : Date.parse(state.cursorAt);
    this.#cursorAt = Number.isFinite(at) ? at : undefined;
    this.#fetchCursor = state.cursor;
    this.#loop = this.#run();
  }

  /** Triggers a fetch now (event wake-up, or a dispatcher slot became free). */
  wake(): void {
    this.#waker.wake();
  }

  /** Stops fetching; messages already handed over keep settling. Resolves when the loop ended. */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#waker.wake();
    await this.#loop;
  }

  /** Waits until every settled change is persisted. */
  async flush(): Promise<void> {
    for (;;) {
      const p = this.#saving;
      await p;
      if (p === this.#saving && !this.#saveQueued) return;
    }
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      let delay = this.#o.intervalMs;
      if (!this.#o.hasCapacity()) {
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
    try {
      page = await this.#o.fetch({
        ...(this.#fetchCursor ? { sinceId: this.#fetchCursor } : {}),
        signal,
      });
    } catch (err) {
      if (!isCursorLost(err)) throw err;
      // Re-read everything logged since the cursor's row (plus a margin for clock skew), paging
      // forward from there; without its time, only the newest page can be re-read.
      const sinceSecs =
        this.#cursorAt === undefined
          ? undefined
          : Math.max(0, Math.ceil((Date.now() - this.#cursorAt) / 1000)) + REWIND_MARGIN_SECS;
      this.#o.logger.warn?.(
        "inbound cursor no longer known to the platform (410); re-reading messages since it, de-duplicated",
        { cursor: this.#fetchCursor, ...(sinceSecs !== undefined ? { sinceSecs } : {}) },
      );
      this.#fetchCursor = undefined;
      this.#cursor = undefined;
      this.#queueSave();
      page = await this.#o.fetch({ ...(sinceSecs !== undefined ? { sinceSecs } : {}), signal });
    }
    this.#more = page.more === true;
    if (page.gap === true) this.#reportGap(page);
    const starts: Array<() => void> = [];
    for (const msg of page.messages) {
      const start = this.#accept(msg);
      if (start) starts.push(start);
    }
    const lastId = page.lastId ?? page.messages.at(-1)?.activityId;
    if (lastId !== undefined && lastId !== this.#fetchCursor) {
      // Rows after the last message (own notify echoes) are settled by definition.
      if (!this.#seenActivity.has(lastId) && !this.#pending.has(lastId) && !this.#inOrder(lastId)) {
        this.#order.push({ activityId: lastId, settled: true });
      }
      this.#fetchCursor = lastId;
    }
    if (starts.length > 0) {
      // Journal the batch as in flight before any handler runs, so a crash is detectable.
      this.#queueSave();
      await this.flush();
      for (const start of starts) start();
    }
    this.#advance();
    return starts.length;
  }

  /**
   * The platform could not return every row since the cursor (baseline: more new rows than one
   * page between two polls). Those messages cannot be fetched, so say so loudly: a warning to the
   * logger and a process warning (`MOLECULE_INBOUND_GAP`), never silence.
   */
  #reportGap(page: InboundPage): void {
    const detail = {
      cursor: this.#fetchCursor,
      oldestReturned: page.messages[0]?.activityId,
    };
    const text =
      "inbound messages may have been missed: more arrived between two polls than the platform " +
      "returns in one page (the 2026-04 platform has no cursor paging). Poll more often " +
      "(pollIntervalMs) or raise pollLimit (at most 500).";
    this.#o.logger.warn?.(text, detail);
    process.emitWarning(text, { code: "MOLECULE_INBOUND_GAP", detail: JSON.stringify(detail) });
  }

  #inOrder(id: string): boolean {
    return this.#order.some((e) => e.activityId === id);
  }

  /**
   * Registers `msg` unless already seen or in progress. Returns a function that hands it to the
   * dispatcher (called once the in-flight journal is saved), or undefined when it is a duplicate.
   */
  #accept(msg: InboundMessage): (() => void) | undefined {
    const aid = msg.activityId;
    const mid = msg.messageId;
    if (aid !== undefined && (this.#seenActivity.has(aid) || this.#pending.has(aid)))
      return undefined;
    if (mid !== undefined && this.#seenMessage.has(mid)) {
      // Same A2A message re-delivered under a new activity row: settled already.
      if (aid !== undefined) {
        this.#seenActivity.add(aid);
        this.#order.push({ activityId: aid, settled: true });
      }
      return undefined;
    }
    const at = msg.receivedAt instanceof Date ? msg.receivedAt.getTime() : Number.NaN;
    const entry: OrderEntry | undefined =
      aid !== undefined
        ? {
            activityId: aid,
            messageId: mid,
            at: Number.isFinite(at) ? at : undefined,
            settled: false,
          }
        : undefined;
    if (entry) this.#order.push(entry);
    const original = mid !== undefined ? this.#pendingMessages.get(mid) : undefined;
    if (original) {
      // A duplicate of a message being handled right now: it settles with the original.
      const p = original.then((r) => {
        if (aid !== undefined) this.#pending.delete(aid);
        if (r === "settled") this.#settled(entry, aid, undefined);
        return r;
      });
      if (aid !== undefined) this.#pending.set(aid, p);
      return undefined;
    }
    const redelivered =
      (aid !== undefined && this.#journal.has(aid)) ||
      (mid !== undefined && this.#journalHasMessage(mid));
    let begin!: () => void;
    const p = new Promise<SettleResult>((resolve) => {
      begin = () => {
        this.#o.handle(msg, { redelivered }).then(resolve, (err: unknown) => {
          this.#o.logger.error?.("inbound handler pipeline failed unexpectedly", {
            error: describe(err),
          });
          resolve("abandoned");
        });
      };
    });
    if (aid !== undefined) this.#pending.set(aid, p);
    if (mid !== undefined) this.#pendingMessages.set(mid, p);
    void p.then((r) => {
      if (aid !== undefined) this.#pending.delete(aid);
      if (mid !== undefined) this.#pendingMessages.delete(mid);
      if (r === "settled") this.#settled(entry, aid, mid);
      if (this.#starved) this.#waker.wake();
    });
    return begin;
  }

  #journalHasMessage(mid: string): boolean {
    for (const e of this.#journal.values()) if (e.messageId === mid) return true;
    return false;
  }

  #settled(entry: OrderEntry | undefined, aid: string | undefined, mid: string | undefined): void {
    if (entry) entry.settled = true;
    this.#seenActivity.add(aid);
    this.#seenMessage.add(mid);
    if (aid !== undefined) this.#journal.delete(aid);
    if (mid !== undefined) {
      for (const [k, e] of this.#journal) if (e.messageId === mid) this.#journal.delete(k);
    }
    this.#advance();
    this.#queueSave();
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
    if (moved) this.#queueSave();
  }

  #snapshot(): CursorState {
    const state: CursorState = {
      seenActivityIds: this.#seenActivity.toArray(),
      seenMessageIds: this.#seenMessage.toArray(),
    };
    if (this.#cursor !== undefined) state.cursor = this.#cursor;
    if (this.#cursor !== undefined && this.#cursorAt !== undefined)
      state.cursorAt = new Date(this.#cursorAt).toISOString();
    const inFlight: InFlightEntry[] = [...this.#journal.values()];
    for (const e of this.#order) {
      if (!e.settled && !this.#journal.has(e.activityId)) {
        inFlight.push(
          e.messageId !== undefined
            ? { activityId: e.activityId, messageId: e.messageId }
            : { activityId: e.activityId },
        );
      }
    }
    if (inFlight.length > 0) state.inFlight = inFlight;
    return state;
  }

  /** Coalesced, serialised saves: the latest snapshot is written after the current write. */
  #queueSave(): void {
    if (this.#saveQueued) return;
    this.#saveQueued = true;
    this.#saving = this.#saving.then(async () => {
      this.#saveQueued = false;
      try {
        await this.#o.store.save(this.#snapshot());
      } catch (err) {
        this.#o.logger.error?.("could not persist the inbound cursor", { error: describe(err) });
      }
    });
  }
}

/** A short, token-free description of an error for logs. */
export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
