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

import { bestRank, PACED, RANK, type RatePriority, type RatePromotion } from "./rate-priority.js";
import { platformSecond } from "./rate-answers.js";
import { RateWindow } from "./rate-window.js";
import { RateRounds } from "./rate-rounds.js";
import { OwedReplies } from "./rate-replies.js";
import { answerByOf } from "./rate-class.js";

// The platform's second, where the bucket's users (and tests) have always found it.
export { platformSecond } from "./rate-answers.js";

/**
 * The platform seconds before a waiting request gives up its turn (half its wait when shorter) at
 * which the pace, if it alone still holds it back, lets it go (see {@link RateBucket.wait}): time
 * to be sent and answered beside the others due then, which the very last moment would not leave
 * on a busy host.
 */
const LAST_TURN_S = 5;

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
  /** When it gives up its turn (monotonic ms). */
  deadline: number;
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
  /** An awaited question's: when its reply is due (see {@link #replyFits}). */
  answerBy: number | undefined;
}

/**
 * One platform bucket's budget. A request takes its turn ({@link RateBucket.take}, else
 * {@link RateBucket.wait}) before it is sent, and its answer is read back with
 * {@link RateBucket.observe}.
 *
 * Its window's count ({@link RateWindow}) says when a request of a class may go: requests past a
 * burst are spread over the window, so a backlog never spends a window in its first second; each
 * part of a window keeps room for the heartbeats expected in it (see
 * {@link RateBucket.heartbeatSent}; every other class leaves it) and for the state checks due in
 * it. Waiting requests go by {@link RatePriority}, then in turn by who asked (their bearer: one
 * agent's burst does not hold another's first request back), then in order; an awaited question
 * goes only while the windows before its answer's deadline hold its reply beside the replies owed
 * to the questions already sent (rate-replies.ts); a turn that cannot come by its deadline is
 * refused at once, and one the pace alone held back goes at its deadline while the window has a
 * turn for it. All times are monotonic (`performance.now()`).
 */
export class RateBucket {
  /** The count of its window (rate-window.ts). */
  readonly #count = new RateWindow();
  /** Requests waiting for their turn, by rank, then round (each owner's in turn), then arrival. */
  readonly #waiters: Waiter[] = [];
  /** The rounds its waiters take within a class (rate-rounds.ts). */
  readonly #rounds = new RateRounds();
  /** The replies owed to the awaited questions given their turns (rate-replies.ts). */
  readonly #owed = new OwedReplies();
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
   * ahead of the others: see {@link #ahead}; an awaited question's reply fits: see
   * {@link #replyFits}; the turn is taken), else `undefined`: then {@link wait}. `signal`: the
   * request's (an awaited question's says when its reply is due).
   */
  take(priority: RatePriority, owner = "", signal?: AbortSignal): number | undefined {
    const rank = RANK[priority];
    const head = this.#waiters[0];
    if (head !== undefined && head.rank <= rank) return undefined;
    const now = this.#now();
    if (this.#count.gate(rank, now) > 0 || this.#ahead(owner, rank, now)) return undefined;
    const answerBy = answerByOf(signal);
    if (!this.#replyFits(answerBy, now)) return undefined;
    this.#owe(signal, answerBy);
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
        deadline,
        owner,
        round: this.#rounds.next(owner, rank, true),
        done: resolve,
        timer: undefined,
        promotion: undefined,
        signal,
        onAbort: undefined,
        answerBy: answerByOf(signal),
      };
      const giveUp = (): void => {
        const i = this.#waiters.indexOf(w);
        if (i < 0) return;
        this.#waiters.splice(i, 1);
        this.#release(w);
        const now = this.#now();
        resolve({ retryAfterMs: Math.max(1, Math.ceil(this.#count.gate(w.rank, now, i))) });
        if (i === 0) this.#pump();
      };
      // Its last turns, a few seconds before it gives up and as it does: one the pace alone held
      // back goes at the first the window has a turn for it.
      const last = (): void => {
        const final = this.#now() >= deadline;
        if (!signal?.aborted) this.#dueTurns(w);
        if (final) giveUp(); // (when still waiting: the window had no turn for it)
        else if (this.#waiters.includes(w))
          w.timer = setTimeout(last, Math.max(0, deadline - this.#now()));
        this.#pump(); // the first waiters may have gone
      };
      const now = this.#now();
      if (signal?.aborted)
        return resolve({ retryAfterMs: Math.ceil(this.#count.gate(w.rank, now)) });
      // A turn that cannot come by the deadline is refused now, not at the deadline (judged in
      // the class it moves up to, if any: the soonest it could come).
      const best = bestRank(w.rank, promotion);
      const eta = this.#count.eta(
        best,
        now,
        this.#placeOf(best, this.#rounds.next(owner, best, false)),
      );
      if (eta > 0 && now + eta > deadline) return resolve({ retryAfterMs: Math.ceil(eta) });
      const lastAt = deadline - Math.min(LAST_TURN_S * platformSecond.ms, (deadline - now) / 2);
      w.timer = setTimeout(last, Math.max(0, lastAt - this.#now()));
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

  /**
   * `w`'s last turn came (see {@link LAST_TURN_S}; again at its deadline): the requests of its rank at theirs (theirs
   * within a platform second after) that the pace alone holds back go now, in their order (each
   * agent in turn), while the window has a turn for each beside every request waiting before it;
   * up to `w` (a later turn is none).
   */
  #dueTurns(w: Waiter): void {
    const now = this.#now();
    const soon = now + (LAST_TURN_S + 1) * platformSecond.ms;
    let held = 0;
    for (let i = 0; i < this.#waiters.length;) {
      const v = this.#waiters[i]!;
      if (v.rank !== w.rank || v.deadline > soon) {
        if (v === w) return;
        i++;
        continue;
      }
      if (!this.#replyFits(v.answerBy, now)) {
        // Its reply would not fit: it gives up at its deadline (`w` now).
        if (v === w) return;
        held++;
        i++;
        continue;
      }
      if (this.#count.gate(v.rank, now, i - held, false) > 0) return;
      this.#waiters.splice(i, 1);
      this.#grantWaiter(v, now);
      if (v === w) return;
    }
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
    this.#count.heartbeatSent(key, this.#now(), nextInMs);
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
    window: number = this.#count.window,
  ): void {
    this.#count.observe(status, headers, body, window, this.#now());
    this.#pump();
  }

  /**
   * Whether `owner` is a turn ahead of the others for a request of paced `rank`: it had one in this
   * turn of the event loop while the budget is spent faster than its pace. It then waits until the
   * next, so that the other agents asking in this one (a burst of calls from each, all at once) get
   * their turns in the same rounds, not after its whole burst.
   */
  #ahead(owner: string, rank: number, now: number): boolean {
    if (rank < PACED || !this.#rounds.tookThisTurn(owner)) return false;
    return this.#count.contended(now);
  }

  /** Takes a turn of `rank` for `owner` now (see {@link #grant}), remembered for this loop turn. */
  #grantTo(owner: string, rank: number, now: number): number {
    // Only a budget with a known limit can be contended (see #ahead).
    if (rank >= PACED && this.#count.limit !== undefined) this.#rounds.took(owner);
    return this.#count.grant(rank, now);
  }

  /**
   * Gives the first waiters their turns, and arms the timer of the next one. An awaited question
   * whose reply would not fit waits aside (the others go past it) until a call settles or a
   * window opens (see {@link #replyFits}).
   */
  #pump(): void {
    const now = this.#now();
    let next: Waiter | undefined;
    let ahead = false;
    for (let i = 0; i < this.#waiters.length;) {
      const w = this.#waiters[i]!;
      if (!this.#replyFits(w.answerBy, now)) {
        i++;
        continue;
      }
      // A turn ahead: it goes in the next loop turn (the timer), after the others asking in this.
      if (this.#count.gate(w.rank, now) > 0 || (ahead = this.#ahead(w.owner, w.rank, now))) {
        next = w;
        break;
      }
      this.#waiters.splice(i, 1);
      this.#grantWaiter(w, now);
    }
    if (next === undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      return;
    }
    const at = now + (ahead ? 1 : this.#count.gate(next.rank, now));
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

  /**
   * Gives waiter `w` (taken out of the queue) its turn now; past its time to go by more than a
   * platform second (the process was paused past it, its timers late), it is refused unsent
   * instead: sent now, its answer would not come back before its deadline.
   */
  #grantWaiter(w: Waiter, now: number): void {
    this.#release(w);
    if (now > w.deadline + platformSecond.ms) {
      w.done({ retryAfterMs: Math.max(1, Math.ceil(this.#count.gate(w.rank, now))) });
      return;
    }
    this.#rounds.served(w.rank, w.round);
    this.#owe(w.signal, w.answerBy);
    w.done({ window: this.#grantTo(w.owner, w.rank, now) });
  }

  /** An awaited question with `signal` goes now: its reply is owed by `answerBy`. */
  #owe(signal: AbortSignal | undefined, answerBy: number | undefined): void {
    if (signal === undefined || answerBy === undefined || this.#count.limit === undefined) return;
    this.#owed.owe(signal, answerBy, () => this.#pump());
  }

  /**
   * Whether the windows before `answerBy` (monotonic ms; none: the request is no awaited question,
   * and goes as any other) hold an awaited question's turn and its reply's beside the replies
   * owed to the questions already sent: what the paced classes have left
   * of this window and the share of each window that opens before then. A question that goes
   * while they do not takes a turn an earlier call's reply needs (issue 100: a second window spent
   * on questions whose replies, and those before them, came after their callers gave up).
   */
  #replyFits(answerBy: number | undefined, now: number): boolean {
    if (answerBy === undefined) return true;
    const owed = this.#owed.count(now);
    return owed === 0 || this.#count.pacedTurns(now, answerBy) >= owed + 2;
  }

  #release(w: Waiter): void {
    clearTimeout(w.timer);
    clearTimeout(w.promotion);
    if (w.signal && w.moveUp && movesUp.get(w.signal) === w.moveUp) movesUp.delete(w.signal);
    if (w.onAbort) w.signal?.removeEventListener("abort", w.onAbort);
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
