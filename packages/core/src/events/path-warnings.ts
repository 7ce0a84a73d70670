// What a running agent says while the path to its platform fails (transport/path-failure.ts: the
// resolver, a proxy, the certificate, a front, the connection): one line per cause when it starts,
// naming it and where, how many answers it holds and since when; at most one reminder a minute
// while it lasts; one line when the path is back, saying what was delivered. Every failed write
// (an answer, a heartbeat, a poll) reports here instead of a line of its own.
import type { Logger, PathCause } from "../transport/index.js";
import { pathFailureOf } from "../transport/index.js";

/** At most one reminder line per cause in this time (ms). */
const PATH_REMINDER_MS = 60_000;

/** Where each cause is, as a line names it. */
const WHERE: Record<PathCause, string> = {
  resolver: "the resolver (the platform's host name does not resolve)",
  proxy: "the proxy",
  certificate: "the certificate (TLS)",
  front: "the front (a proxy or load balancer in front of the platform)",
  connection: "the connection",
};

/** One cause while it lasts. */
interface Fault {
  detail: string;
  /** When it began (`now()`, the monotonic clock). */
  since: number;
  /** When it began on the wall clock (`wall()`), for the lines. */
  sinceWall: number;
  /** When its last line was written (`now()`). */
  saidAt: number;
}

/** `ms` since the epoch as `2026-08-14T07:12:05Z`. */
function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** The path warnings of one agent. */
export class PathWarnings {
  readonly #logger: Logger;
  readonly #workspaceId: string;
  readonly #now: () => number;
  readonly #wall: () => number;
  readonly #faults = new Map<PathCause, Fault>();
  /** Answers the outbox holds through the faults (its last count). */
  #held = 0;
  /** Answers delivered since the first fault began. */
  #delivered = 0;

  /**
   * `now`: the monotonic clock in ms the intervals are measured on (`performance.now` by
   * default: a wall clock stepped back holds no reminder back); `wall`: the wall clock the lines
   * show times of (`Date.now`). A test passes its own.
   */
  constructor(
    logger: Logger,
    workspaceId: string,
    now: () => number = () => performance.now(),
    wall: () => number = Date.now,
  ) {
    this.#logger = logger;
    this.#workspaceId = workspaceId;
    this.#now = now;
    this.#wall = wall;
  }

  /** Whether a fault is going on. */
  get failing(): boolean {
    return this.#faults.size > 0;
  }

  /**
   * A write failed: when on the path to the platform (transport/path-failure.ts), said here (once
   * per cause, a reminder a minute) and true; otherwise false (the caller says it). `held`: the
   * answers the outbox now holds through the path (the outbox's count; other writes leave it out).
   */
  failed(error: unknown, held?: number): boolean {
    const failure = pathFailureOf(error);
    if (failure === undefined) return false;
    if (held !== undefined) this.#held = held;
    const now = this.#now();
    const fault = this.#faults.get(failure.cause);
    const where = `${WHERE[failure.cause]}: ${failure.detail}`;
    const meta = { workspaceId: this.#workspaceId, cause: failure.cause, held: this.#held };
    if (fault === undefined) {
      const sinceWall = this.#wall();
      this.#faults.set(failure.cause, {
        detail: failure.detail,
        since: now,
        sinceWall,
        saidAt: now,
      });
      this.#logger.warn?.(
        `the path to the platform fails at ${where}; holding ${this.#held} ${this.#answers()} since ${clock(sinceWall)}, sent once it is back (a reminder at most once a minute)`,
        { ...meta, since: clock(sinceWall) },
      );
      return true;
    }
    fault.detail = failure.detail;
    if (now - fault.saidAt < PATH_REMINDER_MS) return true;
    fault.saidAt = now;
    this.#logger.warn?.(
      `the path to the platform still fails at ${where}; holding ${this.#held} ${this.#answers()} since ${clock(fault.sinceWall)} (${Math.round((now - fault.since) / 1000)} s)`,
      { ...meta, since: clock(fault.sinceWall) },
    );
    return true;
  }

  /**
   * A write reached the platform; `held`: the answers the outbox still holds through the path
   * (the outbox's count; other writes leave it out); `answer`: it was an answer held through
   * the path. Once none is held, the path is back: said once, with the answers delivered.
   */
  passed(held?: number, answer = false): void {
    if (this.#faults.size === 0) return;
    if (answer) this.#delivered++;
    if (held !== undefined) this.#held = held;
    if (this.#held > 0) return;
    const now = this.#now();
    const since = Math.min(...[...this.#faults.values()].map((f) => f.since));
    const causes = [...this.#faults.keys()].join(", ");
    const delivered = this.#delivered;
    this.#faults.clear();
    this.#delivered = 0;
    this.#logger.warn?.(
      `the path to the platform is back after ${Math.round((now - since) / 1000)} s (it failed at: ${causes}); ${delivered} held ${delivered === 1 ? "answer" : "answers"} delivered`,
      { workspaceId: this.#workspaceId, causes, delivered },
    );
  }

  #answers(): string {
    return this.#held === 1 ? "answer" : "answers";
  }
}
