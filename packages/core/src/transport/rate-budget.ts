// The client side of the platform's rate limit: one budget per platform bucket, shared by every
// transport of the process that sends into it, fed by the `X-RateLimit-*` headers of each answer.
//
// The platform (enteros-core aeec8e47 `middleware/ratelimit.go`) counts every request of a bucket in
// a fixed window of `RATE_LIMIT` requests a minute, from the bucket's first request. The bucket is
// the `X-Molecule-Org-Id` header when sent (one for a whole SaaS org), else the bearer, else the
// client's IP. Every answer says `X-RateLimit-Limit` (`unlimited` in development mode),
// `X-RateLimit-Remaining` and `X-RateLimit-Reset` (whole seconds to the window's end, rounded down);
// over the limit it answers `429 {"error":"rate limit exceeded","retry_after":N}` with
// `Retry-After: N` (the same rounded-down seconds: 0 in the window's last second).
//
// So agents of one process that share a bucket slow down together before the platform refuses
// them: requests past a burst are spread over the window, heartbeats and state checks go first and
// keep a reserve, and after a 429 nothing is sent until the time the platform named.

import { HeartbeatRoom } from "./heartbeat-room.js";
import {
  bestRank,
  PACED,
  RANK,
  type RatePriority,
  type RatePromotion,
  usesBeatsRoom,
} from "./rate-priority.js";
import { isRateLimitRefusal, platformSecond, rateLimitWaitMs } from "./rate-answers.js";
import { RateRounds } from "./rate-rounds.js";

// The platform's second, where the bucket's users (and tests) have always found it.
export { platformSecond } from "./rate-answers.js";

/** What a wait for the budget ended with: the window the request goes in, or how long it would still wait. */
export type RateTurn = { window: number } | { retryAfterMs: number };

/** Waiting requests that may move up at once, by their signal (see {@link promoteNow}). */
const movesUp = new WeakMap<AbortSignal, () => void>();

/**
 * Moves the request now waiting for its turn with `signal` up to the highest class its promotion
 * reaches, at once rather than when its time comes (a read of answers once many are logged).
 * Nothing when no such request waits, or it has no promotion.
 */
export function promoteNow(signal: AbortSignal): void {
  movesUp.get(signal)?.();
}

/** A request waiting for its turn. */
interface Waiter {
  rank: number;
  /** Who asked (its bearer: one agent), and its round among the requests of its rank. */
  owner: string;
  round: number;
  done: (turn: RateTurn) => void;
  timer: NodeJS.Timeout | undefined;
  /** Its move up to a higher class, while it waits (see {@link RatePromotion}). */
  promotion: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Moves it up to the highest class of its promotion at once (see {@link promoteNow}). */
  moveUp?: () => void;
}

/**
 * One platform bucket's budget. A request takes its turn ({@link RateBucket.take}, else
 * {@link RateBucket.wait}) before it is sent, and its answer is read back with
 * {@link RateBucket.observe}.
 *
 * What it learned of the limit holds across windows (the next window is assumed to have the same
 * limit, from the next request, until an answer says otherwise); requests past a burst are spread
 * over the window, so a backlog never spends a window in its first second; each part of a window
 * keeps room for the heartbeats expected in it (see {@link RateBucket.heartbeatSent}; every other
 * class leaves it) and for the heartbeats and state checks due in it (as many as this window or
 * the last used, plus two, spread over the window; both at most three quarters of the limit);
 * waiting requests go by {@link RatePriority}, then in turn by who asked (their bearer: one agent's
 * burst does not hold another's first request back), then in order; and a turn that cannot come by its
 * deadline is refused at once. All times are monotonic (`performance.now()`).
 */
export class RateBucket {
  /** The window's limit, once the platform said one (kept across windows). */
  #limit: number | undefined;
  /** Requests the window still allows, counted down locally between answers. */
  #remaining = 0;
  /** When the current window ends (monotonic ms); 0: it starts with the next request. */
  #windowEnd = 0;
  /** The current window's number: answers to requests of an earlier one say nothing of it. */
  #window = 0;
  /** Nothing is sent before this (after a 429). */
  #blockedUntil = 0;
  /** Liveness requests sent in this window and in the one before (for the reserve). */
  #liveness = 0;
  #livenessBefore = 0;
  /** The heartbeats expected in the rest of the window. */
  readonly #beats = new HeartbeatRoom();
  /** Requests waiting for their turn, by rank, then round (each owner's in turn), then arrival. */
  readonly #waiters: Waiter[] = [];
  /** The rounds its waiters take within a class (rate-rounds.ts). */
  readonly #rounds = new RateRounds();
  /** The timer of the first waiter's turn, and when it fires. */
  #timer: NodeJS.Timeout | undefined;
  #timerAt = 0;
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Requests waiting for their turn. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * The window a request of `priority` from `owner` (its bearer: one agent) goes in when it may go
   * now (nothing of its rank or higher waits, the budget allows it, and the owner is not a turn
   * ahead of the others: see {@link #ahead}; the turn is taken), else `undefined`: then
   * {@link wait}.
   */
  take(priority: RatePriority, owner = ""): number | undefined {
    const rank = RANK[priority];
    const head = this.#waiters[0];
    if (head !== undefined && head.rank <= rank) return undefined;
    const now = this.#now();
    if (this.#gate(rank, now) > 0 || this.#ahead(owner, rank, now)) return undefined;
    return this.#grantTo(owner, rank, now);
  }

  /**
   * Waits for a turn of `priority` (after every waiting request of a higher rank, and of its rank
   * in an earlier round: `owner`'s requests of a rank each take the next round, so owners take
   * turns): resolves with the window it goes in, or, at `deadline` (monotonic ms) or when `signal`
   * aborts, with how long it would still have waited (its turn is given up; nothing was sent).
   * With `promotion`, it moves up to that class once it has waited that long.
   */
  wait(
    priority: RatePriority,
    deadline: number,
    signal?: AbortSignal,
    promotion?: RatePromotion,
    owner = "",
  ): Promise<RateTurn> {
    return new Promise<RateTurn>((resolve) => {
      const rank = RANK[priority];
      const w: Waiter = {
        rank,
        owner,
        round: this.#rounds.next(owner, rank, true),
        done: resolve,
        timer: undefined,
        promotion: undefined,
        signal,
        onAbort: undefined,
      };
      const giveUp = (): void => {
        const i = this.#waiters.indexOf(w);
        if (i < 0) return;
        this.#waiters.splice(i, 1);
        this.#release(w);
        const now = this.#now();
        resolve({ retryAfterMs: Math.max(1, Math.ceil(this.#gate(w.rank, now, i))) });
        if (i === 0) this.#pump();
      };
      const now = this.#now();
      if (signal?.aborted) return resolve({ retryAfterMs: Math.ceil(this.#gate(w.rank, now)) });
      // A turn that cannot come by the deadline is refused now, not at the deadline (judged in
      // the class it moves up to, if any: the soonest it could come).
      const best = bestRank(w.rank, promotion);
      const eta = this.#eta(best, now, this.#placeOf(best, this.#rounds.next(owner, best, false)));
      if (eta > 0 && now + eta > deadline) return resolve({ retryAfterMs: Math.ceil(eta) });
      w.timer = setTimeout(giveUp, Math.max(0, deadline - this.#now()));
      if (signal) {
        w.onAbort = giveUp;
        signal.addEventListener("abort", giveUp, { once: true });
      }
      this.#promoteLater(w, promotion);
      if (signal && promotion) {
        w.moveUp = () => {
          clearTimeout(w.promotion);
          w.promotion = undefined;
          if (this.#moveUp(w, best)) this.#pump();
        };
        movesUp.set(signal, w.moveUp);
      }
      this.#waiters.splice(this.#placeOf(w.rank, w.round), 0, w);
      this.#pump();
    });
  }

  /** Moves waiter `w` up as `promotion` says once it has waited that long (and on, as it says). */
  #promoteLater(w: Waiter, promotion: RatePromotion | undefined): void {
    if (promotion === undefined) return;
    w.promotion = setTimeout(() => {
      w.promotion = undefined;
      if (!this.#waiters.includes(w)) return;
      this.#moveUp(w, RANK[promotion.to]);
      this.#promoteLater(w, promotion.next);
      this.#pump();
    }, promotion.afterS * platformSecond.ms);
  }

  /** Moves waiter `w` up to `rank` (in its owner's next round there) if higher: whether it moved. */
  #moveUp(w: Waiter, rank: number): boolean {
    const i = this.#waiters.indexOf(w);
    if (i < 0 || rank >= w.rank) return false;
    this.#waiters.splice(i, 1);
    w.rank = rank;
    w.round = this.#rounds.next(w.owner, rank, true);
    this.#waiters.splice(this.#placeOf(rank, w.round), 0, w);
    return true;
  }

  /**
   * A heartbeat of workspace `key` was given its turn; its next is due `nextInMs` later (and as
   * often after): until then, the other classes leave room for it in the window.
   */
  heartbeatSent(key: string, nextInMs: number): void {
    this.#beats.sent(key, this.#now(), nextInMs);
  }

  /**
   * Where a request of `rank` in `round` waits: after every waiting request of a higher rank, and
   * of its rank in an earlier or the same round.
   */
  #placeOf(rank: number, round: number): number {
    let i = this.#waiters.length;
    while (i > 0) {
      const w = this.#waiters[i - 1]!;
      if (w.rank < rank || (w.rank === rank && w.round <= round)) break;
      i--;
    }
    return i;
  }

  /**
   * Reads an answer's `X-RateLimit-*` headers (and a 429's wait) into the budget; `window`: the
   * one the request was sent in (what {@link take} or {@link wait} gave).
   */
  observe(
    status: number,
    headers: Record<string, string | string[] | undefined>,
    body: unknown,
    window: number = this.#window,
  ): void {
    const now = this.#now();
    const current = window === this.#window;
    if (isRateLimitRefusal(status, headers, body)) {
      const wait = rateLimitWaitMs(headers, body) ?? platformSecond.ms;
      this.#blockedUntil = Math.max(this.#blockedUntil, now + wait);
      if (current) this.#remaining = 0;
    }
    const limitHeader = headers["x-ratelimit-limit"];
    const limit = Number(Array.isArray(limitHeader) ? limitHeader[0] : limitHeader);
    const remaining = Number(headers["x-ratelimit-remaining"]);
    const reset = Number(headers["x-ratelimit-reset"]);
    if (limit > 0 && remaining >= 0 && reset >= 0) {
      // The window ends within a second after `reset` whole seconds (the platform rounds down):
      // every answer's `end` is at or after the true end, the lowest the closest.
      const end = now + (reset + 1) * platformSecond.ms;
      const first = this.#limit === undefined || this.#windowEnd === 0;
      this.#limit = limit;
      // No window counted yet (0) is a window to take whatever the clock reads: a monotonic clock
      // starts near 0 with the process (a refusal in its first half second once left the count
      // at 0 requests with no end, and nothing was sent again).
      const later = this.#windowEnd === 0 || end > this.#windowEnd + 1_500;
      if (later && (current || !first)) {
        // A window later than the one counted (the first answer of a window, or the platform's
        // window started before this process's count said): its count replaces ours.
        if (!first || !current) this.#newWindow();
        this.#windowEnd = end;
        this.#remaining = remaining;
      } else if (current) {
        // Answers to requests sent together arrive in any order: the lowest count is the newest.
        this.#remaining = Math.min(this.#remaining, remaining);
        this.#windowEnd = Math.min(this.#windowEnd, end);
      }
    }
    this.#pump();
  }

  /** Starts counting a new window (same limit until an answer says otherwise). */
  #newWindow(): void {
    this.#window++;
    this.#livenessBefore = this.#liveness;
    this.#liveness = 0;
    this.#remaining = this.#limit ?? 0;
    this.#windowEnd = 0;
  }

  /**
   * Milliseconds before a request of `rank` may go (0: now), `ahead` requests waiting before it.
   * Heartbeats and state checks may use the whole window; an agent's start and the event
   * stream's open leave room for the heartbeats expected in the rest of it; other requests leave
   * that room or the reserve (the larger) and go at an even pace once a burst is spent: the part
   * of the window still to come keeps its share.
   */
  #gate(rank: number, now: number, ahead = 0): number {
    if (now < this.#blockedUntil) return this.#blockedUntil - now;
    const limit = this.#limit;
    if (limit === undefined) return 0;
    if (this.#windowEnd !== 0 && now >= this.#windowEnd) this.#newWindow();
    const windowMs = 60 * platformSecond.ms;
    const end = this.#windowEnd === 0 ? now + windowMs : this.#windowEnd;
    if (usesBeatsRoom(rank)) return this.#remaining > ahead ? 0 : end - now;
    const beats = Math.min(Math.floor((limit * 3) / 4), this.#beats.due(now, end));
    if (rank < PACED) return this.#remaining - beats > ahead ? 0 : end - now; // start, stream, collect
    // The reserve is the liveness requests of the rest of the window: it shrinks as it ends.
    const share = Math.ceil((this.#reserve() * Math.min(windowMs, end - now)) / windowMs);
    const reserve = Math.max(beats, share);
    const spare = this.#remaining - reserve - ahead;
    if (spare <= 0) return end - now;
    // `spare` may go while it exceeds the window's share still to come, less the burst.
    const pace = (limit - this.#reserve()) / windowMs;
    const burst = Math.max(1, Math.floor(limit / 4));
    const kept = pace * (end - now) - burst;
    if (spare > kept) return 0;
    return Math.ceil((kept - spare) / pace) + 1;
  }

  /**
   * The earliest a request of `rank` with `ahead` requests waiting before it could go (ms from
   * now): {@link #gate}, and when the ones ahead fill the rest of this window, the windows after it
   * they fill too (each takes `limit` heartbeats, or what the reserve leaves of it for the others).
   * A lower bound: requests ahead that give up make it sooner, never later.
   */
  #eta(rank: number, now: number, ahead: number): number {
    const wait = this.#gate(rank, now, ahead);
    const limit = this.#limit;
    if (limit === undefined || wait === 0 || now < this.#blockedUntil) return wait;
    const windowMs = 60 * platformSecond.ms;
    const room = rank < PACED ? limit : limit - this.#reserve();
    const fit = Math.max(0, this.#remaining - (rank < PACED ? 0 : this.#reserve()));
    const over = Math.max(0, ahead - fit);
    return wait + Math.floor(over / Math.max(1, room)) * windowMs;
  }

  /** Takes a turn of `rank` now: the window it goes in. */
  #grant(rank: number, now: number): number {
    if (this.#limit !== undefined) {
      // A new window starts with the first request the platform counts in it (a second later at most).
      if (this.#windowEnd === 0) this.#windowEnd = now + 61 * platformSecond.ms;
      if (this.#remaining > 0) this.#remaining--;
      if (usesBeatsRoom(rank)) this.#liveness++;
    }
    return this.#window;
  }

  /**
   * Whether `owner` is a turn ahead of the others for a request of paced `rank`: it had one in this
   * turn of the event loop while the budget is spent faster than its pace. It then waits until the
   * next, so that the other agents asking in this one (a burst of calls from each, all at once) get
   * their turns in the same rounds, not after its whole burst.
   */
  #ahead(owner: string, rank: number, now: number): boolean {
    if (rank < PACED || !this.#rounds.tookThisTurn(owner)) return false;
    const limit = this.#limit;
    if (limit === undefined) return false;
    const windowMs = 60 * platformSecond.ms;
    const end = this.#windowEnd === 0 ? now + windowMs : this.#windowEnd;
    const pace = (limit - this.#reserve()) / windowMs;
    return this.#remaining - this.#reserve() <= pace * (end - now);
  }

  /** Takes a turn of `rank` for `owner` now (see {@link #grant}), remembered for this loop turn. */
  #grantTo(owner: string, rank: number, now: number): number {
    // Only a budget with a known limit can be contended (see #ahead).
    if (rank >= PACED && this.#limit !== undefined) this.#rounds.took(owner);
    return this.#grant(rank, now);
  }

  /** Gives the first waiters their turns, and arms the timer of the next one. */
  #pump(): void {
    const now = this.#now();
    let head = this.#waiters[0];
    let ahead = false;
    while (head !== undefined) {
      const wait = this.#gate(head.rank, now);
      if (wait > 0) break;
      // A turn ahead: it goes in the next loop turn (the timer), after the others asking in this.
      if ((ahead = this.#ahead(head.owner, head.rank, now))) break;
      this.#waiters.shift();
      this.#release(head);
      this.#rounds.served(head.rank, head.round);
      head.done({ window: this.#grantTo(head.owner, head.rank, now) });
      head = this.#waiters[0];
    }
    if (head === undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      return;
    }
    const at = now + (ahead ? 1 : this.#gate(head.rank, now));
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#pump();
      },
      Math.max(1, at - now),
    );
  }

  #release(w: Waiter): void {
    clearTimeout(w.timer);
    clearTimeout(w.promotion);
    if (w.signal && w.moveUp && movesUp.get(w.signal) === w.moveUp) movesUp.delete(w.signal);
    if (w.onAbort) w.signal?.removeEventListener("abort", w.onAbort);
  }

  /**
   * What the others leave for liveness requests: as many as the bucket's heartbeats and state
   * checks used in this window or the last, an eighth more (a fleet's count grows over its first
   * windows) and two, at most three quarters of the limit (a fleet whose window holds several
   * heartbeat intervals needs more than a quarter; the others always keep a quarter).
   */
  #reserve(): number {
    const limit = this.#limit ?? 0;
    const used = Math.max(this.#liveness, this.#livenessBefore);
    return Math.min(Math.floor((limit * 3) / 4), Math.ceil(used * 1.125) + 2);
  }
}

/** The buckets of the process, by platform origin and bucket key. */
const buckets = new Map<string, RateBucket>();
/** Buckets kept before the oldest are forgotten (a process that rotates many tokens). */
const MAX_BUCKETS = 1_000;

/** Forgets every bucket's budget (tests: one test's 429 must not slow the next). */
export function forgetRateBuckets(): void {
  buckets.clear();
}

/**
 * The process-wide budget of the bucket a request falls in: the org id when sent (one bucket for
 * a whole SaaS org), else the bearer, else the origin alone (the platform keys it by IP).
 */
export function rateBucketOf(
  origin: string,
  orgId: string | undefined,
  token: string | undefined,
): RateBucket {
  const key = orgId ? `${origin} org:${orgId}` : token ? `${origin} tok:${token}` : `${origin} ip`;
  let bucket = buckets.get(key);
  if (bucket === undefined) {
    if (buckets.size >= MAX_BUCKETS) buckets.delete(buckets.keys().next().value!);
    bucket = new RateBucket();
    buckets.set(key, bucket);
  }
  return bucket;
}
