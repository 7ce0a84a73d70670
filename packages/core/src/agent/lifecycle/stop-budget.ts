// How a stop shares out its time. A stop given its own time (`stop({ timeoutMs })`: stopOnSignals,
// the NestJS module, the CLI, each inside the grace period a container gets) lets running handlers
// use all of it but a short reserve: sending their answers, then saving the agent's state and
// closing. Without one, handlers get `drainTimeoutMs` and the answers as long again after them.

/** The reserve a stop keeps after its handlers: a tenth of its time, at most 2 s. */
const RESERVE_SHARE = 0.1;
const RESERVE_MAX_MS = 2_000;
/** How long aborted handlers may take to return, without a time of the stop's own. */
const ABORTED_MS = 5_000;

/** The time each step of one stop may take, from when it is asked. */
export class StopBudget {
  readonly #deadline: number | undefined;
  readonly #reserve: number;
  readonly #drainMs: number;

  /** `timeoutMs`: the stop's own time (none: `drainMs` for handlers, and again for answers). */
  constructor(timeoutMs: number | undefined, drainMs: number) {
    this.#drainMs = drainMs;
    this.#deadline = timeoutMs === undefined ? undefined : performance.now() + timeoutMs;
    this.#reserve = Math.min(RESERVE_MAX_MS, (timeoutMs ?? 0) * RESERVE_SHARE);
  }

  /** How long running handlers may still run before their signal aborts. */
  handlersMs(): number {
    return this.#left(this.#reserve);
  }

  /** How long aborted handlers may take to return (their answers are dropped). */
  abortedMs(): number {
    return this.#deadline === undefined ? ABORTED_MS : this.#left(this.#reserve / 2);
  }

  /** How long the reply outbox may still send before what it holds is kept for the next start. */
  answersMs(): number {
    return this.#left(this.#reserve / 2);
  }

  /** Ms until `reserve` before the deadline (none: `drainMs`). */
  #left(reserve: number): number {
    if (this.#deadline === undefined) return this.#drainMs;
    return Math.max(0, this.#deadline - reserve - performance.now());
  }
}
