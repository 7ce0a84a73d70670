// The platform-request hot path on the SDK's own pools: the response body is collected from
// undici's dispatch callbacks into one buffer, with no Readable stream, async iterator or promise
// per chunk. Heartbeats, state checks and polls of every agent in a process go through here; with
// `request()` and a stream read each allocated about twice as much (see bench/src/fleet-memory.ts).
import { EventEmitter, utf8Text } from "../runtime/index.js";
import type { EventEmitter as Emitter } from "node:events";
import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import { BodyTooLargeError } from "./body.js";
import type { JsonItems } from "./json-items.js";

/**
 * A body for `JsonItems` of at most this many bytes (declared) is read whole and parsed natively:
 * a page of a hundred short messages too (74 KB from the emulator). Scanned item by item, such
 * pages cost two busy agents 3 % more CPU in their first rounds (`conversation-load`: 0.966x at
 * 256 KiB).
 */
const SMALL_BODY = 256 * 1024;

/** What aborts a request: emits `"abort"` once (an `EventEmitter` is one). */
interface AbortSource {
  once(event: "abort", listener: () => void): unknown;
  off(event: "abort", listener: () => void): unknown;
}

/**
 * One request's abort, which its deadline's timer and its caller's signal fire: an
 * {@link AbortSource} for one listener, without an `EventEmitter` per request (the platform
 * requests of every agent in a process are made here). {@link emitter} bridges it to an
 * `EventEmitter` for the paths that hand it to undici.
 */
export class RequestAbort implements AbortSource {
  #listener: (() => void) | undefined;

  once(_event: "abort", listener: () => void): void {
    this.#listener = listener;
  }

  off(_event: "abort", listener: () => void): void {
    if (this.#listener === listener) this.#listener = undefined;
  }

  /** Aborts the request (once: its listener is removed first). */
  emit(): void {
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }

  /** An `EventEmitter` that emits `"abort"` when this does (its one listener from now on). */
  emitter(): Emitter {
    const e = new EventEmitter();
    this.once("abort", () => void e.emit("abort"));
    return e;
  }
}

/** A response read whole into memory (or, a 2xx read into `JsonItems`, its parsed `body`). */
export interface BufferedResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  text: string;
  body?: unknown;
}

/**
 * Sends one request through `dispatcher` (undici ≥ 7's handler API) and reads its body as UTF-8
 * text, at most `max` bytes: a larger declared `Content-Length` or a body growing past `max`
 * fails with {@link BodyTooLargeError} and the request is aborted. `abort` emitting `"abort"`
 * aborts the request (its rejection is then an `AbortError`). With `items`, a 2xx body is read
 * into it instead (its `body` is `items.end()`); once it wants no more, the request is aborted
 * (the connection closed) and the items read so far are the body.
 */
export function requestBuffered(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  max: number,
  abort: AbortSource,
  items?: JsonItems,
): Promise<BufferedResponse> {
  return new Promise((resolve, reject) => {
    const handler = new BufferingHandler(max, abort, resolve, reject, items);
    try {
      dispatcher.dispatch(options, handler);
    } catch (err) {
      handler.onResponseError(undefined, err as Error);
    }
  });
}

class BufferingHandler implements Dispatcher.DispatchHandler {
  readonly #max: number;
  readonly #abort: AbortSource;
  readonly #resolve: (r: BufferedResponse) => void;
  readonly #reject: (err: Error) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #error: Error | undefined;
  #done = false;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #size = 0;
  /** Where a 2xx body goes, item by item (not into `#chunks`). */
  readonly #items: JsonItems | undefined;
  #collecting = false;
  /** A 2xx body for `#items` small enough to read whole (see `SMALL_BODY`). */
  #small = false;
  readonly #onAbort = (): void => this.#fail(new DOMException("request aborted", "AbortError"));

  constructor(
    max: number,
    abort: AbortSource,
    resolve: (r: BufferedResponse) => void,
    reject: (err: Error) => void,
    items: JsonItems | undefined,
  ) {
    this.#max = max;
    this.#items = items;
    this.#abort = abort;
    this.#resolve = resolve;
    this.#reject = reject;
    abort.once("abort", this.#onAbort);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#error) controller.abort(this.#error); // aborted while queued
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.#collecting = this.#items !== undefined && statusCode >= 200 && statusCode < 300;
    if (this.#collecting) this.#items!.reset(); // a retried request's items start over
    const length = headers["content-length"];
    const declared = Number(Array.isArray(length) ? length[0] : length);
    if (this.#collecting && declared <= SMALL_BODY) {
      // A small body is read whole and parsed natively (`JsonItems.fromText`).
      this.#collecting = false;
      this.#small = true;
    }
    // Collected items stop at their budget: a longer body is not read to its end.
    if (!this.#collecting && Number.isFinite(declared) && declared > this.#max) {
      this.#fail(new BodyTooLargeError(this.#max));
      return;
    }
    this.#status = statusCode;
    this.#headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#done) return;
    if (this.#collecting) {
      this.#collect(chunk);
      return;
    }
    this.#size += chunk.length;
    if (this.#size > this.#max) {
      this.#fail(new BodyTooLargeError(this.#max));
      return;
    }
    this.#chunks.push(chunk);
  }

  /** One chunk into the items; when they want no more, the response is theirs and the rest unread. */
  #collect(chunk: Buffer): void {
    const items = this.#items!;
    let more: boolean;
    try {
      more = items.push(chunk);
    } catch (err) {
      this.#fail(err as Error);
      return;
    }
    // What is held is bounded, not what is read past (rows placed only, a page cut).
    if (items.held > this.#max) {
      this.#fail(new BodyTooLargeError(this.#max));
      return;
    }
    if (more) return;
    this.#settle();
    this.#resolve({
      statusCode: this.#status,
      headers: this.#headers,
      text: "",
      body: items.items,
    });
    this.#controller?.abort(new DOMException("the rest of the body is not read", "AbortError"));
  }

  onResponseEnd(): void {
    if (this.#done) return;
    if (this.#collecting) {
      let body: unknown;
      try {
        body = this.#items!.end();
      } catch (err) {
        this.#fail(err as Error, false);
        return;
      }
      this.#settle();
      this.#resolve({ statusCode: this.#status, headers: this.#headers, text: "", body });
      return;
    }
    this.#settle();
    const c = this.#chunks;
    const text = c.length === 0 ? "" : utf8Text(c, this.#size);
    if (this.#small) {
      let body: unknown;
      try {
        body = this.#items!.fromText(text);
      } catch (err) {
        this.#reject(err as Error);
        return;
      }
      this.#resolve({ statusCode: this.#status, headers: this.#headers, text: "", body });
      return;
    }
    this.#resolve({ statusCode: this.#status, headers: this.#headers, text });
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    this.#fail(err, false);
  }

  /** Fails the request; `abort`: also abort it in undici (the failure is ours, not undici's). */
  #fail(err: Error, abort = true): void {
    if (this.#done) return;
    this.#settle();
    this.#error = err;
    this.#chunks = [];
    if (abort) this.#controller?.abort(err);
    this.#reject(err);
  }

  #settle(): void {
    this.#done = true;
    this.#abort.off("abort", this.#onAbort);
  }
}
