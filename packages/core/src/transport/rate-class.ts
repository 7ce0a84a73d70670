// The class of the rate budget a request waits in, carried by its AbortSignal: a caller that sends
// many requests through layers that do not know of the budget (an agent's start, its poll reads, its
// state checks) marks the signal it hands them once, and every request sent with it waits in that
// class (see `RatePriority` in rate-priority.ts).
import type { RatePriority, RatePromotion } from "./rate-priority.js";

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

/** Signals whose requests say when they wait for their turn, with what to call then. */
const waits = new WeakMap<AbortSignal, () => void>();

/**
 * Marks `signal`: `onWait` is called each time a platform request sent with it cannot go at once
 * and waits for its turn of the rate budget (or is refused one). Returns `signal`.
 */
export function whenRateWaits(signal: AbortSignal, onWait: () => void): AbortSignal {
  waits.set(signal, onWait);
  return signal;
}

/** What `signal` was marked to call when its request waits for the rate budget, if anything. */
export function rateWaitOf(signal: AbortSignal | undefined): (() => void) | undefined {
  return signal === undefined ? undefined : waits.get(signal);
}

/** Signals whose requests get their turn by a time: that time, and their answer's. */
const sendBys = new WeakMap<AbortSignal, { atMs: number; answerByMs: number | undefined }>();

/**
 * Marks `signal`: a platform request sent with it that has not had its turn of the rate budget by
 * `atMs` (`performance.now()` ms) is refused unsent (`rate_limited`), whatever its own deadline.
 * An awaited peer call's question: sent later, its answer could not come back in time, and the
 * budget it would spend is the answers' of the calls already sent. With `answerByMs` (the call's
 * deadline), the question gets its turn only while the bucket's windows before then hold its
 * reply beside the replies the calls already sent are owed (see `callSettled`). Returns `signal`.
 */
export function sentBy(signal: AbortSignal, atMs: number, answerByMs?: number): AbortSignal {
  sendBys.set(signal, { atMs, answerByMs });
  return signal;
}

/** The time `signal` was marked to be sent by, if any. */
export function sendByOf(signal: AbortSignal | undefined): number | undefined {
  return signal === undefined ? undefined : sendBys.get(signal)?.atMs;
}

/** The time the answer to `signal`'s question is due by, if it was marked with one. */
export function answerByOf(signal: AbortSignal | undefined): number | undefined {
  return signal === undefined ? undefined : sendBys.get(signal)?.answerByMs;
}
