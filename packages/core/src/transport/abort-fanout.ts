// One listener per caller signal for all of its requests in flight. An agent hands one long-lived
// signal to every request of a kind (the reply outbox's stop signal to each reply, the poll loop's
// to each poll): an EventTarget listener added and removed per request was a measurable share of
// each request's CPU (bench/ conversation-load, `removeEventListener` in the first rounds).

/** The requests in flight under one signal, and the one listener that aborts them. */
interface FanOut {
  readonly aborts: Set<() => void>;
  readonly fire: () => void;
}

const bySignal = new WeakMap<AbortSignal, FanOut>();

/**
 * Calls `abort` when `signal` aborts, until the returned release is called. The signal has one
 * listener while any request registered on it is in flight, and none once the last is released
 * (as with one listener per request). The caller checks `signal.aborted` first.
 */
export function onAbortOf(signal: AbortSignal, abort: () => void): () => void {
  let fan = bySignal.get(signal);
  if (fan === undefined) {
    const aborts = new Set<() => void>();
    const fire = (): void => {
      bySignal.delete(signal);
      for (const a of aborts) a();
    };
    fan = { aborts, fire };
    bySignal.set(signal, fan);
    signal.addEventListener("abort", fire, { once: true });
  }
  const own = fan;
  own.aborts.add(abort);
  return () => {
    if (!own.aborts.delete(abort) || own.aborts.size > 0) return;
    if (bySignal.get(signal) === own) bySignal.delete(signal);
    signal.removeEventListener("abort", own.fire);
  };
}
