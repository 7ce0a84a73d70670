// `Dispatcher.request` that honours an abort at once. undici rejects an aborted request only once
// it reaches a connection, so on a pool whose connections are all held (slow peer calls) a
// timed-out or cancelled call would wait for a free slot first; `stop()` would wait with it.
import type { EventEmitter } from "node:events";
import type { Dispatcher } from "undici";

/**
 * Sends `options` through `dispatcher` with `abort` as its signal, and rejects with an
 * `AbortError` as soon as `abort` emits `"abort"`, queued or not (undici drops the request when
 * it reaches a connection). A response that arrives after the abort is discarded.
 */
export function requestAbortable(
  dispatcher: Dispatcher,
  options: Dispatcher.RequestOptions,
  abort: EventEmitter,
): Promise<Dispatcher.ResponseData> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      reject(new DOMException("request aborted", "AbortError"));
    };
    abort.once("abort", onAbort);
    dispatcher.request({ ...options, signal: abort }).then(
      (res) => {
        abort.off("abort", onAbort);
        if (!settled) {
          settled = true;
          resolve(res);
          return;
        }
        res.body.on("error", () => undefined);
        res.body.destroy();
      },
      (err: unknown) => {
        abort.off("abort", onAbort);
        if (settled) return;
        settled = true;
        reject(err as Error);
      },
    );
  });
}
