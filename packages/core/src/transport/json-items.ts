// A JSON array body read item by item as it arrives, up to a byte budget: each item is parsed once
// its bytes are in and its bytes are dropped, so a page of large rows is never held as buffers,
// text and objects at once, and a page is cut after the items that fill the budget (the caller
// reads on from the last one). A body that is not an array is kept whole and parsed as usual.
import { utf8Text } from "../runtime/index.js";
import { BodyTooLargeError, parseBody } from "./body.js";
import { UnexpectedResponseError } from "./errors.js";

const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Collects the items of a JSON array body (`push` each chunk, then `end`), parsing each as soon as
 * its bytes are complete. Once the items kept reach `budget` bytes (at least one item is always
 * kept), `push` answers `false`: the rest of the body is not wanted and `cut` is set. `shrink`
 * may replace an item by a smaller one as it is parsed (what the caller needs of it; it is told
 * the bytes of the items kept whole so far): its bytes then do not count.
 */
export class JsonItems {
  readonly budget: number;
  readonly #shrink: ((item: unknown, keptBytes: number) => unknown) | undefined;
  /** Items kept whole (not shrunk). */
  whole = 0;
  /** The items parsed so far, in order. */
  items: unknown[] = [];
  /** The body was cut after {@link items}: more items may follow them. */
  cut = false;
  /** Bytes of the items kept. */
  bytes = 0;
  /** Where the scan is: before the array, between or in its items, after it, or not an array. */
  #mode: "head" | "between" | "item" | "tail" | "whole" = "head";
  /** The pieces of the current item (or, `whole`, of the body). */
  #pieces: Uint8Array[] = [];
  #size = 0;
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** The current item is a bare value (number, `true`, ...): it ends at a delimiter. */
  #bare = false;

  constructor(budget: number, shrink?: (item: unknown, keptBytes: number) => unknown) {
    this.budget = budget;
    this.#shrink = shrink;
  }

  /** Bytes held: the items kept whole and the item being read (what a size cap bounds). */
  get held(): number {
    return this.bytes + this.#size;
  }

  /** Starts over (a request's next attempt reads a new body). */
  reset(): void {
    this.items = [];
    this.cut = false;
    this.bytes = 0;
    this.whole = 0;
    this.#mode = "head";
    this.#pieces = [];
    this.#size = 0;
    this.#depth = 0;
    this.#inString = false;
    this.#escaped = false;
    this.#bare = false;
  }

  /** Takes the next chunk of the body; `false` when no more is wanted (the budget is full). */
  push(chunk: Uint8Array): boolean {
    if (this.cut) return false;
    if (this.#mode === "whole") {
      this.#keep(chunk);
      return true;
    }
    let start = this.#mode === "item" ? 0 : -1; // where the current item's bytes start here
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      switch (this.#mode) {
        case "head":
          if (isSpace(b)) continue;
          if (b !== OPEN_ARRAY) {
            this.#mode = "whole";
            this.#keep(chunk.subarray(i));
            return true;
          }
          this.#mode = "between";
          continue;
        case "between":
          if (isSpace(b) || b === COMMA) continue;
          if (b === CLOSE_ARRAY) {
            this.#mode = "tail";
            continue;
          }
          this.#mode = "item";
          start = i;
          this.#depth = 0;
          this.#bare = b !== OPEN_OBJECT && b !== OPEN_ARRAY && b !== QUOTE;
          if (this.#bare) continue;
          break; // scanned below as the item's first byte
        case "tail":
          if (!isSpace(b)) throw badBody("bytes after the array");
          continue;
        default:
          break;
      }
      if (this.#bare) {
        if (!(isSpace(b) || b === COMMA || b === CLOSE_ARRAY)) continue;
        this.#complete(chunk.subarray(start, i));
        start = -1;
        this.#mode = b === CLOSE_ARRAY ? "tail" : "between";
      } else if (this.#scan(b)) {
        this.#complete(chunk.subarray(start, i + 1));
        start = -1;
        this.#mode = "between";
      } else {
        continue;
      }
      if (this.bytes >= this.budget && this.#mode === "between" && !this.#endsAt(chunk, i + 1)) {
        this.cut = true;
        return false;
      }
    }
    if (start !== -1) this.#keep(chunk.subarray(start));
    return true;
  }

  /** The body ended: the items (or, for a body that is not an array, the body parsed as usual). */
  end(): unknown {
    if (this.#mode === "whole") return parseBody(this.#text());
    if (this.cut) return this.items;
    if (this.#mode === "item" && this.#bare && this.#size > 0) {
      this.#complete(new Uint8Array(0));
      this.#mode = "between";
    }
    if (this.#mode === "head") return parseBody("");
    if (this.#mode !== "tail") throw badBody("the array is not closed");
    return this.items;
  }

  /** Whether the rest of `chunk` from `from` is only whitespace and the array's end. */
  #endsAt(chunk: Uint8Array, from: number): boolean {
    for (let i = from; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === CLOSE_ARRAY) return true;
      if (!isSpace(b)) return false;
    }
    return false;
  }

  /** One byte of a structured item; true when it closes the item. */
  #scan(b: number): boolean {
    if (this.#inString) {
      if (this.#escaped) this.#escaped = false;
      else if (b === BACKSLASH) this.#escaped = true;
      else if (b === QUOTE) {
        this.#inString = false;
        return this.#depth === 0; // an item that is a string
      }
      return false;
    }
    if (b === QUOTE) this.#inString = true;
    else if (b === OPEN_OBJECT || b === OPEN_ARRAY) this.#depth++;
    else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) return --this.#depth === 0;
    return false;
  }

  #keep(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.#pieces.push(piece);
    this.#size += piece.length;
  }

  /** The pieces kept as text; they are dropped. */
  #text(): string {
    const text = this.#pieces.length === 0 ? "" : utf8Text(this.#pieces, this.#size);
    this.#pieces = [];
    this.#size = 0;
    return text;
  }

  /** The current item's last bytes are in: parses it (its bytes dropped first). */
  #complete(last: Uint8Array): void {
    this.#keep(last);
    const size = this.#size;
    const text = this.#text();
    let item: unknown;
    try {
      item = JSON.parse(text);
    } catch (err) {
      throw badBody(`item ${this.items.length} is not JSON`, err);
    }
    const small = this.#shrink?.(item, this.bytes);
    if (small !== undefined) {
      this.items.push(small);
      return;
    }
    this.items.push(item);
    this.bytes += size;
    this.whole++;
  }
}

function badBody(what: string, cause?: unknown): UnexpectedResponseError {
  return new UnexpectedResponseError(
    `the response body is not a JSON array (${what}); check that the URL reaches the platform`,
    { path: "", cause },
  );
}

/**
 * Reads `body` (a stream of chunks) into `items`, holding at most `max` bytes (`items.held`); stops
 * reading (and destroys the stream) once it wants no more. Returns `items.end()`, or its items when it was cut.
 */
export async function readItems(
  body: AsyncIterable<unknown> & {
    destroy?(err?: Error): unknown;
    on?(ev: string, fn: () => void): unknown;
  },
  items: JsonItems,
  max: number,
): Promise<unknown> {
  items.reset();
  const drop = (): void => {
    body.on?.("error", () => undefined);
    body.destroy?.();
  };
  for await (const chunk of body) {
    const more = items.push(chunk as Uint8Array);
    if (items.held > max) {
      drop();
      throw new BodyTooLargeError(max);
    }
    if (!more) {
      drop();
      return items.items;
    }
  }
  return items.end();
}
