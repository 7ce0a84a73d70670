// stream.ts for the edge build (`dist/edge/`). No Node streams there: `objectPassThrough` is the
// object-mode queue an answer's `.stream()` yields from (write, end, destroy, `close`, async
// iteration); `newReadable` and `readableFromWeb` (a raw response body as a Node stream: plugin downloads, the SSE stream
// as a `Readable`) refuses with `module_unavailable`, which the Node.js runtime does not.

/** The refusal of what needs Node streams. */
function unavailable(what: string): Error {
  return Object.assign(
    new Error(
      `${what} needs Node.js streams, which this runtime does not have; run this part in the Node.js runtime`,
    ),
    { code: "module_unavailable" },
  );
}

/** A Node `Readable`: refused, no Node streams here. */
export const newReadable = (_options: unknown): never => {
  throw unavailable("a Node Readable");
};

/** A web body as a Node `Readable`: refused, no Node streams here. */
export const readableFromWeb = (_body: unknown): never => {
  throw unavailable("Readable.fromWeb");
};

/** An object-mode PassThrough (see {@link PassThrough}). */
export const objectPassThrough = <T = unknown>(): PassThrough<T> => new PassThrough<T>();

/** An object-mode PassThrough: what is written is read once, in order, by one async iterator. */
class PassThrough<T = unknown> {
  // Node's takes `{ objectMode: true }`; this one is always in object mode and takes no options.
  destroyed = false;
  readonly #queue: T[] = [];
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  readonly #onClose: (() => void)[] = [];

  write(chunk: T): boolean {
    if (this.destroyed || this.#ended) return false;
    this.#queue.push(chunk);
    this.#wake?.();
    return true;
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  /** Ends it now (with `error`, which the reader gets in place of what was still queued). */
  destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.#error = error;
    if (error) this.#queue.length = 0;
    this.#wake?.();
    for (const f of this.#onClose.splice(0)) f();
    return this;
  }

  on(event: "close", listener: () => void): this {
    if (event === "close") {
      if (this.destroyed) queueMicrotask(listener);
      else this.#onClose.push(listener);
    }
    return this;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    try {
      for (;;) {
        if (this.#queue.length > 0) {
          yield this.#queue.shift()!;
          continue;
        }
        if (this.#error) throw this.#error;
        if (this.#ended || this.destroyed) return;
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
      }
    } finally {
      this.destroy();
    }
  }
}
