// The class of the rate budget a request waits in, carried by its AbortSignal: a caller that sends
// many requests through layers that do not know of the budget (an agent's start, its poll reads, its
// state checks) marks the signal it hands them once, and every request sent with it waits in that
// class (see `RatePriority` in rate-budget.ts).
import type { RatePriority, RatePromotion } from "./rate-budget.js";

/** Signals marked by {@link inRateClass}, with their class. */
const classes = new WeakMap<AbortSignal, RatePriority>();
/** Signals marked with a class their requests move up to while they wait. */
const promotions = new WeakMap<AbortSignal, RatePromotion>();

/**
 * Marks `signal`: every platform request sent with it (and no `priority` of its own) waits for the
 * rate budget as a request of `priority` (moving up as `promotion` says, if given). Returns `signal`.
 */
export function inRateClass(
  signal: AbortSignal,
  priority: RatePriority,
  promotion?: RatePromotion,
): AbortSignal {
  classes.set(signal, priority);
  if (promotion) promotions.set(signal, promotion);
  return signal;
}

/** The class `signal` was marked with, if any. */
export function rateClassOf(signal: AbortSignal | undefined): RatePriority | undefined {
  return signal === undefined ? undefined : classes.get(signal);
}

/** The class requests of `signal` move up to while they wait, if it was marked with one. */
export function ratePromotionOf(signal: AbortSignal | undefined): RatePromotion | undefined {
  return signal === undefined ? undefined : promotions.get(signal);
}
