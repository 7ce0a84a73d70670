// The count of one platform bucket's window as the client sees it (issue 86): the limit the
// platform said, the requests the window still allows, when it ends, and what the heartbeats and
// state checks used, fed by the `X-RateLimit-*` headers of each answer (see rate-budget.ts for the
// platform's rules). `RateBucket` asks it when a request of a class may go, and gives the turns.
import { HeartbeatRoom } from "./heartbeat-room.js";
import { PACED, usesBeatsRoom } from "./rate-priority.js";
import { isRateLimitRefusal, platformSecond, rateLimitWaitMs } from "./rate-answers.js";

/**
 * One bucket's window. What it learned of the limit holds across windows (the next window is
 * assumed to have the same limit, from the next request, until an answer says otherwise). All
 * times are monotonic (`performance.now()`).
 */
export class RateWindow {
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
  /** Heartbeats among them (see {@link heartbeatSent}). */
  #heartbeats = 0;
  #heartbeatsBefore = 0;
  /** The heartbeats expected in the rest of the window. */
  readonly #beats = new HeartbeatRoom();

  /** The limit the platform said, if any (none in development mode: `unlimited`). */
  get limit(): number | undefined {
    return this.#limit;
  }

  /** The current window's number. */
  get window(): number {
    return this.#window;
  }

  /**
   * A heartbeat of workspace `key` was given its turn at `now`; its next is due `nextInMs` later
   * (and as often after): until then, the other classes leave room for it in the window.
   */
  heartbeatSent(key: string, now: number, nextInMs: number): void {
    this.#beats.sent(key, now, nextInMs);
    if (this.#limit !== undefined) this.#heartbeats++;
  }

  /**
   * Reads an answer's `X-RateLimit-*` headers (and a 429's wait) into the count; `window`: the
   * one the request was sent in (what `RateBucket.take` or `RateBucket.wait` gave).
   */
  observe(
    status: number,
    headers: Record<string, string | string[] | undefined>,
    body: unknown,
    window: number,
    now: number,
  ): void {
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
  }

  /** Starts counting a new window (same limit until an answer says otherwise). */
  #newWindow(): void {
    this.#window++;
    this.#livenessBefore = this.#liveness;
    this.#liveness = 0;
    this.#heartbeatsBefore = this.#heartbeats;
    this.#heartbeats = 0;
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
  gate(rank: number, now: number, ahead = 0, paced = true): number {
    if (now < this.#blockedUntil) return this.#blockedUntil - now;
    const limit = this.#limit;
    if (limit === undefined) return 0;
    const end = this.#end(now);
    if (usesBeatsRoom(rank)) return this.#remaining > ahead ? 0 : end - now;
    if (rank < PACED) {
      // start, stream, collect
      return this.#remaining - this.#beatsDue(limit, now, end) > ahead ? 0 : end - now;
    }
    const spare = this.#remaining - this.#pacedReserve(limit, now, end) - ahead;
    if (spare <= 0) return end - now;
    if (!paced) return 0;
    // `spare` may go while it exceeds the window's share still to come, less the burst.
    const pace = this.#pace(limit);
    const burst = Math.max(1, Math.floor(limit / 4));
    const kept = pace * (end - now) - burst;
    if (spare > kept) return 0;
    return Math.ceil((kept - spare) / pace) + 1;
  }

  /**
   * The earliest a request of `rank` with `ahead` requests waiting before it could go (ms from
   * now): {@link gate}, and when the ones ahead fill the rest of this window, the windows after it
   * they fill too (each takes `limit` heartbeats, or what the reserve leaves of it for the others).
   * A lower bound: requests ahead that give up make it sooner, never later.
   */
  eta(rank: number, now: number, ahead: number): number {
    const wait = this.gate(rank, now, ahead, false);
    const limit = this.#limit;
    if (limit === undefined || wait === 0 || now < this.#blockedUntil) return wait;
    const windowMs = 60 * platformSecond.ms;
    const room = rank < PACED ? limit : limit - this.#reserve();
    const fit = Math.max(0, this.#remaining - (rank < PACED ? 0 : this.#reserve()));
    const over = Math.max(0, ahead - fit);
    return wait + Math.floor(over / Math.max(1, room)) * windowMs;
  }

  /**
   * What the paced classes leave of the rest of the window ending at `end`: the heartbeats
   * expected in it, and the state checks' share of it, when the heartbeats expected are every one
   * this window or the last counted; else the heartbeats expected, or the reserve's share of it
   * (the liveness requests of the rest of the window: it shrinks as the window ends), the larger.
   */
  #pacedReserve(limit: number, now: number, end: number): number {
    const windowMs = 60 * platformSecond.ms;
    const left = Math.min(windowMs, end - now) / windowMs;
    const beats = this.#beatsDue(limit, now, end);
    const counted = Math.max(this.#heartbeats, this.#heartbeatsBefore);
    if (counted > 0 && this.#beats.perWindow(windowMs, now) >= counted) {
      const checks = Math.max(
        this.#liveness - this.#heartbeats,
        this.#livenessBefore - this.#heartbeatsBefore,
      );
      return beats + Math.ceil((Math.max(0, checks) + 2) * left);
    }
    return Math.max(beats, Math.ceil(this.#reserve() * left));
  }

  /** Takes a turn of `rank` now: the window it goes in. */
  grant(rank: number, now: number): number {
    if (this.#limit !== undefined) {
      // A new window starts with the first request the platform counts in it (a second later at most).
      if (this.#windowEnd === 0) this.#windowEnd = now + 61 * platformSecond.ms;
      if (this.#remaining > 0) this.#remaining--;
      if (usesBeatsRoom(rank)) this.#liveness++;
    }
    return this.#window;
  }

  /**
   * Whether the budget is spent faster than its pace at `now`: what the paced classes may still
   * use of the window is no more than its pace would give them over the rest of it.
   */
  contended(now: number): boolean {
    const limit = this.#limit;
    if (limit === undefined) return false;
    return this.#remaining - this.#reserve() <= this.#pace(limit) * (this.#end(now) - now);
  }

  /**
   * The turns of the paced classes from `now` until `by` (monotonic ms): what they have left of
   * this window, and the share of each window that opens before then, at its pace (its burst goes
   * to the heartbeats due at its start and to reads as much as to replies). `Infinity` while the
   * platform names no limit.
   */
  pacedTurns(now: number, by: number): number {
    const limit = this.#limit;
    if (limit === undefined) return Number.POSITIVE_INFINITY;
    const end = this.#end(now);
    let turns = this.#remaining - this.#pacedReserve(limit, now, end);
    const pace = this.#pace(limit);
    for (let start = end; start < by; start += 60 * platformSecond.ms)
      turns += pace * Math.min(60 * platformSecond.ms, by - start);
    return turns;
  }

  /**
   * When the window counted at `now` ends (monotonic ms): the one counted, or, once it ended, the
   * next (its count starts now), which the first request sent opens.
   */
  #end(now: number): number {
    if (this.#windowEnd !== 0 && now >= this.#windowEnd) this.#newWindow();
    return this.#windowEnd === 0 ? now + 60 * platformSecond.ms : this.#windowEnd;
  }

  /** The paced classes' pace: their turns a millisecond (what the reserve leaves of a window). */
  #pace(limit: number): number {
    return (limit - this.#reserve()) / (60 * platformSecond.ms);
  }

  /** The heartbeats due from `now` to `end`, at most three quarters of the limit. */
  #beatsDue(limit: number, now: number, end: number): number {
    return Math.min(Math.floor((limit * 3) / 4), this.#beats.due(now, end));
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
