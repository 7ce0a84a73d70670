// Start-up admission: at most START_CONCURRENCY agents of this process run their start-up calls
// (probe, register, first heartbeat, delivery start) at once; the others wait their turn inside
// `start()`. A fleet started with one `Promise.all` otherwise sends every agent's start-up at
// once: hundreds of pooled connections opened for a burst, and every start in flight survives
// V8's young-generation collections, which makes V8 double its young generation for good
// (bench/ fleet, 1,000 default agents started 100 at a time: 128–138 KiB of RSS per agent
// before, see the bench README for after). A burst also meets the platform's per-IP rate limit.
//
// A turn never holds the others back for long: the slot is given back when the start ends, when
// a start-up call failed and waits to retry (it queues again after the wait), and after
// SLOT_MS at the latest (a start that hangs on a slow platform goes on without a slot).
import { startCancelled } from "./lifecycle.js";

/** Agents of one process that run their start-up calls at once. */
export const START_CONCURRENCY = 16;
/** Longest time one start holds a slot. */
export const SLOT_MS = 2_000;

interface Waiter {
  grant(): void;
  cancelled: boolean;
}

/** A counting gate with a FIFO queue; slots are handed straight to the next waiter. */
export class StartGate {
  #free: number;
  readonly #slotMs: number;
  #queue: Waiter[] = [];
  #head = 0;

  constructor(limit: number, slotMs: number) {
    this.#free = limit;
    this.#slotMs = slotMs;
  }

  /** A turn for one agent's start: `take` a slot before its calls, `give` it back after. */
  turn(): StartTurn {
    return new StartTurn(this, this.#slotMs);
  }

  /** Waits for a slot; rejects with `agent_stopped` when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(startCancelled());
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        cancelled: false,
        grant: () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        waiter.cancelled = true;
        reject(startCancelled());
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  /** Gives a slot back: to the longest waiting turn, or to the pool. */
  release(): void {
    while (this.#head < this.#queue.length) {
      const waiter = this.#queue[this.#head++]!;
      // Once half is served, drop the served waiters (they hold their start's signal): the
      // queue is empty again once drained, and each waiter is copied O(1) times on average.
      if (this.#head * 2 >= this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      if (!waiter.cancelled) return waiter.grant();
    }
    this.#free++;
  }
}

/** One agent's turn at a {@link StartGate}: holds at most one slot, for at most `slotMs`. */
export class StartTurn {
  readonly #gate: StartGate;
  readonly #slotMs: number;
  #timer: NodeJS.Timeout | undefined;
  #held = false;

  constructor(gate: StartGate, slotMs: number) {
    this.#gate = gate;
    this.#slotMs = slotMs;
  }

  /** Waits for a slot (FIFO); rejects with `agent_stopped` when `signal` aborts first. */
  async take(signal: AbortSignal): Promise<void> {
    if (this.#held) return;
    await this.#gate.acquire(signal);
    this.#held = true;
    this.#timer = setTimeout(() => this.give(), this.#slotMs);
    this.#timer.unref();
  }

  /** Gives the slot back, if held. Idempotent. */
  give(): void {
    if (!this.#held) return;
    this.#held = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#gate.release();
  }
}

/** The process-wide gate every `RemoteAgent.start()` goes through. */
export const startGate = new StartGate(START_CONCURRENCY, SLOT_MS);
