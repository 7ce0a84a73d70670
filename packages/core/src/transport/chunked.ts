// Long-lived streamed responses (the SSE event stream) read from undici's dispatch callbacks: no
// Readable, async iterator or promise per chunk, for as long as the stream lives. Chunks that
// arrive before a reader attaches wait in a small queue (the socket is paused past 64 KiB).
import type { EventEmitter } from "node:events";
import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import type { Readable } from "node:stream";
// The runtime's Readable (the edge build refuses one): the declarations name Node's type, so they
// do not pull the runtime layer (and its optional peers' types) into a consumer's program.
import { inCurrentContext, newReadable } from "../runtime/index.js";
import { MoleculeError } from "./errors.js";

/** Receives a {@link ChunkedBody}'s bytes, then its end (with the error when it failed). */
export interface ChunkReader {
  data(chunk: Buffer): void;
  end(error?: Error): void;
}

/** A response body read chunk by chunk by one {@link ChunkReader}. */
export interface ChunkedBody {
  /**
   * Attaches the reader: the queued chunks first, then each as it arrives, then `end` once, each
   * in the async context `read` was called in (never the pooled socket's).
   */
  read(reader: ChunkReader): void;
  /** Aborts the response; the reader (now or when it attaches) gets `end` with an `AbortError`. */
  close(): void;
  /** Stops reading from the socket until {@link resume} (back-pressure of a slow reader). */
  pause(): void;
  resume(): void;
  /** Whether the response ended, failed or was closed. */
  readonly done: boolean;
}

/** A streamed response's status, headers and unread body. */
export interface ChunkedResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: ChunkedBody;
}

const MAX_QUEUED = 65_536;

const aborted = (): Error => new DOMException("stream closed", "AbortError");

/**
 * Sends `options` through `dispatcher` (undici ≥ 7's handler API) and resolves at the response
 * headers. `abort` emitting `"abort"` before then rejects with an `AbortError`; afterwards only
 * `body.close()` ends the response.
 */
export function requestChunked(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  abort: EventEmitter,
): Promise<ChunkedResponse> {
  return new Promise((resolve, reject) => {
    const handler = new ChunkHandler(abort, resolve, reject);
    try {
      dispatcher.dispatch(options, handler);
    } catch (err) {
      handler.onResponseError(undefined, err as Error);
    }
  });
}

class ChunkHandler implements Dispatcher.DispatchHandler, ChunkedBody {
  #abort: EventEmitter | undefined;
  #resolve: ((r: ChunkedResponse) => void) | undefined;
  #reject: ((err: Error) => void) | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #reader: ChunkReader | undefined;
  #queue: Buffer[] | undefined;
  #queued = 0;
  #paused = false;
  #done = false;
  #error: Error | undefined;
  readonly #onAbort = (): void => this.close();

  constructor(
    abort: EventEmitter,
    resolve: (r: ChunkedResponse) => void,
    reject: (err: Error) => void,
  ) {
    this.#abort = abort;
    this.#resolve = resolve;
    this.#reject = reject;
    abort.once("abort", this.#onAbort);
  }

  get done(): boolean {
    return this.#done;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#done) controller.abort(this.#error ?? aborted()); // closed while queued
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    // undici's controller keeps the raw header Buffers (two per header) for as long as the
    // response lives, which for an event stream is the agent's life; the parsed ones suffice.
    controller.rawHeaders = null;
    const resolve = this.#resolve;
    this.#settle();
    resolve?.({ statusCode, headers, body: this });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#done) return;
    if (this.#reader) {
      this.#reader.data(chunk);
      return;
    }
    (this.#queue ??= []).push(chunk);
    this.#queued += chunk.length;
    if (this.#queued > MAX_QUEUED && !this.#paused) this.pause();
  }

  onResponseEnd(): void {
    this.#finish(undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    this.#finish(err);
  }

  read(attached: ChunkReader): void {
    if (this.#reader) throw new Error("a chunked body has one reader");
    const reader = inContext(attached);
    const queue = this.#queue;
    this.#queue = undefined;
    this.#queued = 0;
    if (queue) for (const chunk of queue) reader.data(chunk);
    if (this.#done) {
      reader.end(this.#error);
      return;
    }
    this.#reader = reader;
    this.resume();
  }

  pause(): void {
    this.#paused = true;
    this.#controller?.pause();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#controller?.resume();
  }

  close(): void {
    if (this.#done) return;
    const err = aborted();
    this.#finish(err);
    this.#controller?.abort(err);
  }

  /** Ends the body once: rejects a pending start, or tells the reader (or keeps it for one). */
  #finish(err: Error | undefined): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = err;
    const reject = this.#reject;
    const started = reject === undefined;
    this.#settle();
    if (!started) {
      reject(err ?? aborted());
      return;
    }
    const reader = this.#reader;
    this.#reader = undefined;
    reader?.end(err);
  }

  /** Drops what only the start of the request needed. */
  #settle(): void {
    this.#abort?.off("abort", this.#onAbort);
    this.#abort = undefined;
    this.#resolve = undefined;
    this.#reject = undefined;
  }
}

/** `reader`, called in the async context current now. */
function inContext(reader: ChunkReader): ChunkReader {
  return {
    data: inCurrentContext((chunk: Buffer) => reader.data(chunk)),
    end: inCurrentContext((error?: Error) => reader.end(error)),
  };
}

/** A {@link ChunkedBody} over a Node `Readable` (a dispatcher the SDK did not create). */
export function chunksOf(stream: Readable): ChunkedBody {
  let reader: ChunkReader | undefined;
  let result: { error: Error | undefined } | undefined;
  const finish = (error: Error | undefined): void => {
    if (result) return;
    result = { error };
    reader?.end(error);
  };
  stream.on("error", (err) => finish(err));
  stream.on("end", () => finish(undefined));
  stream.on("close", () => finish(aborted()));
  return {
    get done() {
      return result !== undefined;
    },
    read(attached) {
      if (reader) throw new Error("a chunked body has one reader");
      const r = (reader = inContext(attached));
      if (result) {
        r.end(result.error);
        return;
      }
      stream.on("data", (chunk: Buffer) => r.data(chunk));
    },
    close() {
      if (result) return;
      finish(aborted());
      stream.destroy();
    },
    pause: () => void stream.pause(),
    resume: () => void (reader && stream.resume()),
  };
}

/** A Node `Readable` over a {@link ChunkedBody}, with back-pressure; destroying it closes the body. */
export function readableOf(body: ChunkedBody): Readable {
  let stream: Readable;
  try {
    stream = newReadable({
      read: () => body.resume(),
      destroy: (err, callback) => {
        body.close();
        callback(err);
      },
    });
  } catch (err) {
    // The edge build has no Node streams: a setup error of this runtime, never the network's.
    body.close();
    throw new MoleculeError(
      `${(err as Error).message} (a Node Readable over a response body: openEventStream and plugin downloads)`,
      { code: "module_unavailable", retryable: false, cause: err },
    );
  }
  body.read({
    data: (chunk) => {
      if (!stream.push(chunk)) body.pause();
    },
    end: (err) => {
      if (!err) stream.push(null);
      else stream.destroy(err.name === "AbortError" ? undefined : err);
    },
  });
  return stream;
}
