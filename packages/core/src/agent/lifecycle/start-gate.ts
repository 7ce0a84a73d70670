// Start-up admission: at most START_CONCURRENCY agents of this process run their start-up calls
// (probe, register, first heartbeat, delivery start) at once; the others wait their turn inside
// `start()`. A fleet started with one `Promise.all` otherwise sends every agent's start-up at
// once: hundreds of pooled connections opened for a burst, and every start in flight survives
// V8's young-generation collections, which makes V8 double its young generation for good
// (bench/ fleet, 1,000 default agents started 100 at a time: 128–138 KiB of RSS per agent
// before, see the bench README for after). A burst also meets the platform's per-IP rate limit.
//
// A turn never holds the others back for long: the slot is given back when the start ends, when
// a start-up call failed and waits to retry (it queues again after the wait), when one call has
// waited SLOW_FACTOR times longer than this platform's recent calls took (their median) (a start that hangs on
// the network goes on without a slot), and after SLOT_MS at the latest. A freed slot goes to the
// newest waiting turn: starts queued behind hung ones (the newest) begin as soon as a hung start
// lets go, instead of after every hung start ahead of them has had its turn (#29, fair
// start-ups: 4 healthy agents behind 160 hung ones on the same platform).
//
// There is one gate per platform URL (the burst and the rate limit are the platform's): starts
// that hang on one platform never hold back the agents of another, whose platform answers.
import { startCancelled } from "./lifecycle.js";

/** Agents of one process that run their start-up calls at once. */
export const START_CONCURRENCY = 16;
/** Longest time one start holds a slot. */
export const SLOT_MS = 2_000;
/** A call that takes this many times the platform's recent call time gives its slot back. */
const SLOW_FACTOR = 2;
/** ... but never sooner than this (the scheduling noise of a loaded machine). */
const SLOW_FLOOR_MS = 20;
/** The platform's recent call time is the median of this many answered calls. */
const RECENT_CALLS = 16;

interface Waiter {
  grant(): void;
  cancelled: boolean;
}

/** A counting gate whose freed slots go straight to the newest waiter. */
export class StartGate {
  #free: number;
  /** Longest time one start holds a slot. */
  readonly slotMs: number;
  #waiting: Waiter[] = [];
  /** How long the last RECENT_CALLS start-up calls that got an answer here took, in ms. */
  readonly #recent: number[] = [];

  readonly #limit: number;
  readonly #onIdle: (() => void) | undefined;

  /** @param onIdle called when every slot is free again and nobody waits */
  constructor(limit: number, slotMs: number, onIdle?: () => void) {
    this.#free = this.#limit = limit;
    this.slotMs = slotMs;
    this.#onIdle = onIdle;
  }

  /** A turn for one agent's start: `take` a slot before its calls, `give` it back after. */
  turn(): StartTurn {
    return new StartTurn(this);
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
      this.#waiting.push(waiter);
    });
  }

  /** Gives a slot back: to the newest waiting turn, or to the pool. */
  release(): void {
    for (let waiter; (waiter = this.#waiting.pop());) if (!waiter.cancelled) return waiter.grant();
    if (++this.#free === this.#limit) this.#onIdle?.();
  }

  /** Records how long a start-up call that got an answer took. */
  answered(ms: number): void {
    if (this.#recent.push(ms) > RECENT_CALLS) this.#recent.shift();
  }

  /** How long a call may wait before its start gives the slot back (SLOT_MS until calls are seen). */
  slowAfterMs(): number {
    if (this.#recent.length === 0) return this.slotMs;
    // The median: a first call that loads code, or one slow answer, does not stretch it.
    const median = this.#recent.toSorted((a, b) => a - b)[this.#recent.length >> 1]!;
    return Math.min(this.slotMs, Math.max(SLOW_FLOOR_MS, SLOW_FACTOR * median));
  }
}

/** One {@link StartGate} per platform URL, each dropped once idle. */
class StartGates {
  readonly #gates = new Map<string, StartGate>();
  /** The longest time one start holds a slot at a gate created from now on (SLOT_MS). */
  slotMs = SLOT_MS;

  /** A turn at the gate of `client.platformUrl` (one shared gate for clients without one). */
  turnOf(client: object): StartTurn {
    const given = (client as { readonly platformUrl?: unknown }).platformUrl;
    const url = typeof given === "string" ? given : "";
    let gate = this.#gates.get(url);
    if (!gate) {
      const created = new StartGate(START_CONCURRENCY, this.slotMs, () => {
        if (this.#gates.get(url) === created) this.#gates.delete(url);
      });
      this.#gates.set(url, (gate = created));
    }
    return gate.turn();
  }
}

/** One agent's turn at a {@link StartGate}: holds at most one slot, for at most `slotMs`. */
export class StartTurn {
  readonly #gate: StartGate;
  #timer: NodeJS.Timeout | undefined;
  #held = false;

  constructor(gate: StartGate) {
    this.#gate = gate;
  }

  /** Waits for a slot (newest first); rejects with `agent_stopped` when `signal` aborts first. */
  async take(signal: AbortSignal): Promise<void> {
    if (this.#held) return;
    await this.#gate.acquire(signal);
    this.#held = true;
    this.#timer = setTimeout(() => this.give(), this.#gate.slotMs);
    this.#timer.unref();
  }

  /**
   * Runs one start-up call. If it waits longer than the platform's recent calls took (see
   * {@link StartGate.slowAfterMs}), the slot is given back and the start goes on without one.
   */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.#held) return await fn();
    const began = performance.now();
    const slow = setTimeout(() => this.give(), this.#gate.slowAfterMs());
    slow.unref();
    try {
      const result = await fn();
      this.#gate.answered(performance.now() - began);
      return result;
    } finally {
      clearTimeout(slow);
    }
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

/** The process-wide gates every `RemoteAgent.start()` goes through (one per platform URL). */
export const startGate = new StartGates();
