// The class of the rate budget a request waits in, carried by its AbortSignal: a caller that sends
// many requests through layers that do not know of the budget (an agent's start, its poll reads, its
// state checks) marks the signal it hands them once, and every request sent with it waits in that
// class (see `RatePriority` in rate-budget.ts).
import type { RatePriority, RatePromotion } from "./rate-budget.js";

/** The class a signal's requests wait in, and the class they move up to while they wait, if any. */
export interface RateClass {
  priority: RatePriority;
  promotion: RatePromotion | undefined;
}

/** Signals marked by {@link inRateClass}, with their class. */
const classes = new WeakMap<AbortSignal, RateClass>();

/**
 * Marks `signal`: every platform request sent with it (and no `priority` of its own) waits for the
 * rate budget as a request of `priority` (moving up as `promotion` says, if given). Returns `signal`.
 */
export function inRateClass(
  signal: AbortSignal,
  priority: RatePriority,
  promotion?: RatePromotion,
): AbortSignal {
  classes.set(signal, { priority, promotion });
  return signal;
}

/** The class `signal` was marked with, if any. */
export function rateClassOf(signal: AbortSignal | undefined): RateClass | undefined {
  return signal === undefined ? undefined : classes.get(signal);
}

/** Signals an agent's heartbeats are sent with, by their interval (ms). */
const beats = new WeakMap<AbortSignal, number>();

/**
 * Marks `signal`: a heartbeat sent with it is followed by the next one `everyMs` later, and the
 * rate budget keeps room for that one in the platform's window. Returns `signal`.
 */
export function heartbeatsEvery(signal: AbortSignal, everyMs: number): AbortSignal {
  beats.set(signal, everyMs);
  return signal;
}

/** The heartbeat interval `signal` was marked with, if any. */
export function heartbeatIntervalOf(signal: AbortSignal | undefined): number | undefined {
  return signal === undefined ? undefined : beats.get(signal);
}
