// The classes of the rate budget a request waits in, their order, and how a waiting request
// moves up from one to another (see `RateBucket` in rate-budget.ts, which gives the turns).

/**
 * How urgent a request is for its bucket's budget. Waiting requests go in this order: heartbeats
 * (registrations too), then an agent's start (the calls around its registration and first
 * heartbeat), then state checks, then the event stream's open (while it is up, heartbeats need no
 * state check and the safety-net read is rare), then a read that collects answers whose calls'
 * deadlines are near (a read that brings answers moves up to it then: one read brings every answer
 * logged, a reply only its own), then answers waiting to be sent, then reads that bring answers or
 * questions once they have waited with new calls a while (a poll while the agent's own calls await
 * answers, or one an event woke: see {@link RatePromotion}), then everything else in order (a new
 * call to a peer, the re-read of rows still settling, ...), last what can wait for a quiet moment
 * (acknowledgements, checkpoints, the safety-net read and the state check while the event stream is
 * up and heartbeats are accepted). Only heartbeats and state checks (a heartbeat may wait for one)
 * may use the room kept for the heartbeats expected later in the window; only the classes before
 * answers may use the reserve, which is sized by what heartbeats and liveness requests used (a
 * start, which does not recur, is not counted).
 */
export type RatePriority =
  | "heartbeat"
  | "start"
  | "liveness"
  | "stream"
  | "collect"
  | "answer"
  | "read"
  | "request"
  | "background";

export const RANK: Record<RatePriority, number> = {
  heartbeat: 0,
  start: 1,
  liveness: 2,
  stream: 3,
  collect: 4,
  answer: 5,
  read: 6,
  request: 7,
  background: 8,
};

/** The first rank that leaves the reserve to the ranks before it. */
export const PACED = RANK.answer;

/**
 * Whether requests of `rank` may use the room kept for the heartbeats expected later in the
 * window: heartbeats and state checks (a heartbeat may wait for one). These are also what sizes
 * the reserve; the start and the event stream's open do not recur.
 */
export function usesBeatsRoom(rank: number): boolean {
  return rank === RANK.heartbeat || rank === RANK.liveness;
}

/**
 * A class a waiting request moves up to after a while (`afterS`, in the platform's seconds): a
 * read an event woke waits behind new calls for at most that long, so it reads many questions at
 * once, yet never waits out a whole burst of them. Such a read gathers what the requests waiting
 * with it bring, so within its class it waits behind every agent's round (see `RateRounds`).
 */
export interface RatePromotion {
  afterS: number;
  to: RatePriority;
  /** Its next move up, `afterS` after this one (a read that brings answers: `read`, then `collect`). */
  next?: RatePromotion;
}

/** The highest class a request of `rank` reaches while it waits, moving up as `promotion` says. */
export function bestRank(rank: number, promotion: RatePromotion | undefined): number {
  for (let p = promotion; p !== undefined; p = p.next) rank = Math.min(rank, RANK[p.to]);
  return rank;
}
