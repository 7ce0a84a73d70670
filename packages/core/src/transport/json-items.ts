// A JSON array body read item by item as it arrives, up to a byte budget: its bytes are decoded as
// they arrive and never kept, an object item is parsed member by member, so a page of large rows is
// never held as buffers, text and objects at once, and a page is cut after the items that fill the
// budget (the caller reads on from the last one). Items the caller only needs to place (rows it has
// read before) keep a few members, the rest skipped unread. A body that is not an array is kept
// whole and parsed as usual.
import { freeBytes, joinBytes, utf8Bytes, utf8Text } from "../runtime/index.js";
import { BodyTooLargeError, parseBody } from "./body.js";
import { LONG_STRING, parseJsonBytes } from "./json-bytes.js";
import { UnexpectedResponseError } from "./errors.js";

const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * An object item is parsed at its end while its text stays under this; past it, member by member
 * (parsing each small row whole costs a tenth of parsing it per member).
 */
const SMALL_ITEM = 16 * 1024;

/** `{}`: an object member's bytes are parsed between them. */
const BRACES = utf8Bytes("{}");

const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Items read for their place only: the members they keep, and which items (by their `id`). */
export interface PlaceOnly {
  /** The members a placed item keeps (the rest is skipped unread: never decoded nor parsed). */
  readonly keys: readonly string[];
  /** Whether the item whose `id` member is `id` is placed only (told the bytes kept whole so far). */
  when(id: string, keptBytes: number): boolean;
}

/**
 * Collects the items of a JSON array body (`push` each chunk, then `end`), parsing each as its
 * bytes arrive: an object item member by member (so a large item is held as the text of one member
 * at a time, and then as what it parses to), any other item whole. Once the items kept reach
 * `budget` bytes (at least one item is always kept), `push` answers `false`: the rest of the body
 * is not wanted and `cut` is set. With `place`, an object item `place.when` picks (by its `id`, its
 * first member as the platform sends it) keeps only `place.keys`: its other members after `id` are
 * skipped unread, and its bytes do not count against the budget.
 */
export class JsonItems {
  readonly budget: number;
  readonly #place: PlaceOnly | undefined;
  /** The items parsed so far, in order. */
  items: unknown[] = [];
  /** The body was cut after {@link items}: more items may follow them. */
  cut = false;
  /** Bytes of the items kept whole. */
  bytes = 0;
  /** Items kept whole (not placed only). */
  whole = 0;
  /** Where the scan is: before the array, between or in its items, after it, or not an array. */
  #mode: "head" | "between" | "item" | "tail" | "whole" = "head";
  /**
   * The bytes read and not parsed yet (the current member, or item, or `whole` body), as views of
   * the chunks: decoded at once when they are parsed (never as many small strings, which V8 keeps
   * in its young generation and copies again to parse).
   */
  #pieces: Uint8Array[] = [];
  /** Bytes of `#pieces`. */
  #size = 0;
  /** Bytes of the current item so far. */
  #itemBytes = 0;
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** The current item is a bare value (number, `true`, ...): it ends at a delimiter. */
  #bare = false;
  /** The current item, when it is an object: its members parsed so far. */
  #object: Record<string, unknown> | undefined;
  /** The current member has its key (its `:` was read). */
  #keyed = false;
  /** The current item is placed only; the current member's value is skipped. */
  #placed = false;
  #skip = false;
  /** The current object item is read whole so far (small: parsed at its end, not per member). */
  #whole = true;
  /** The current object item's `id` member was parsed. */
  #idSeen = false;

  constructor(budget: number, place?: PlaceOnly) {
    this.budget = budget;
    this.#place = place;
  }

  /** Bytes held: the items kept whole and the text being read (what a size cap bounds). */
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
    this.#drop();
    this.#depth = 0;
    this.#inString = false;
    this.#escaped = false;
    this.#bare = false;
    this.#object = undefined;
  }

  /**
   * A small body read whole (`text`): parsed natively in one go, each item placed as `push` would
   * (a small page needs no bound, and the scanner costs more than JSON.parse on a few rows).
   */
  fromText(text: string): unknown {
    this.reset();
    const body = parseBody(text);
    if (!Array.isArray(body)) return body;
    const place = this.#place;
    for (const item of body) {
      const id = (item as { id?: unknown } | null)?.id;
      if (place && typeof id === "string" && place.when(id, this.bytes)) {
        const kept: Record<string, unknown> = {};
        for (const key of place.keys) if (Object.hasOwn(item, key)) kept[key] = item[key];
        this.items.push(kept);
      } else {
        this.items.push(item);
        this.whole++;
      }
    }
    this.bytes = text.length;
    return this.items;
  }

  /** Takes the next chunk of the body; `false` when no more is wanted (the budget is full). */
  push(chunk: Uint8Array): boolean {
    if (this.cut) return false;
    if (this.#mode === "whole") {
      this.#keep(chunk);
      return true;
    }
    // Where the bytes to keep start in this chunk (-1: none), and where the current item's do.
    let start = this.#mode === "item" && !this.#skip ? 0 : -1;
    let from = 0;
    let backslash = -2; // the next `\` at or after where it was looked for (-1: none; -2: not yet)
    for (let i = 0; i < chunk.length; i++) {
      if (this.#inString && !this.#escaped) {
        // Inside a string only a quote or a backslash matters: jump to the next one (native).
        if (backslash !== -1 && backslash < i) backslash = chunk.indexOf(BACKSLASH, i);
        const quote = chunk.indexOf(QUOTE, i);
        let next = quote === -1 ? chunk.length : quote;
        if (backslash !== -1 && backslash < next) next = backslash;
        if (next >= chunk.length) break; // the rest of the chunk is in the string
        i = next;
      }
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
          start = from = i;
          this.#itemBytes = 0;
          this.#depth = 0;
          this.#bare = b !== OPEN_OBJECT && b !== OPEN_ARRAY && b !== QUOTE;
          this.#object = b === OPEN_OBJECT ? {} : undefined;
          this.#placed = false;
          this.#whole = true;
          this.#idSeen = false;
          if (this.#bare) continue;
          break; // scanned below as the item's first byte
        case "tail":
          if (!isSpace(b)) throw badBody("bytes after the array");
          continue;
        default:
          break;
      }
      let done = false;
      if (this.#bare) {
        if (!(isSpace(b) || b === COMMA || b === CLOSE_ARRAY)) continue;
        this.#keep(chunk.subarray(start, i));
        this.#mode = b === CLOSE_ARRAY ? "tail" : "between";
        done = true;
      } else if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (b === BACKSLASH) this.#escaped = true;
        else if (b === QUOTE) {
          this.#inString = false;
          done = this.#depth === 0; // an item that is a string
          if (done) this.#keep(chunk.subarray(start, i + 1));
        }
      } else if (b === QUOTE) {
        this.#inString = true;
      } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
        if (++this.#depth === 1 && this.#object) {
          start = i + 1; // the first member starts after the brace
          this.#memberStart();
        }
      } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
        done = --this.#depth === 0;
        if (done && this.#object) this.#member(chunk, start, i);
        else if (done) this.#keep(chunk.subarray(start, i + 1));
      } else if (this.#object && this.#depth === 1) {
        if (b === COMMA) {
          // (With `place`, the `id` member is parsed first: it decides what the rest is read for.)
          const ready = this.#place === undefined || this.#idSeen;
          if (!this.#skip && ready && this.#whole && this.#size + i - start < SMALL_ITEM) {
            this.#keep(chunk.subarray(start, i + 1)); // a small item is parsed whole, at its end
          } else {
            // The `id` parsed first leaves the rest of a small item to be parsed whole.
            if (ready) this.#whole = false;
            this.#member(chunk, start, i);
          }
          start = i + 1;
          this.#memberStart();
        } else if (b === COLON && !this.#keyed) {
          start = this.#keyRead(chunk, start, i);
        }
      }
      if (!done) continue;
      this.#itemBytes += i + 1 - from;
      this.#complete();
      start = -1;
      if (this.#mode === "item") this.#mode = "between";
      if (this.bytes >= this.budget && this.#mode === "between" && !this.#endsAt(chunk, i + 1)) {
        this.cut = true;
        return false;
      }
    }
    if (this.#mode === "item") {
      this.#itemBytes += chunk.length - from;
      if (start !== -1 && !this.#skip) this.#keep(chunk.subarray(start));
    }
    return true;
  }

  /** The body ended: the items (or, for a body that is not an array, the body parsed as usual). */
  end(): unknown {
    if (this.#mode === "whole") return parseBody(this.#take());
    if (this.cut) return this.items;
    if (this.#mode === "item" && this.#bare && this.#size > 0) {
      this.#complete();
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

  #memberStart(): void {
    this.#keyed = false;
    this.#skip = false;
  }

  /**
   * The current member's `:` at `colon`: its key is read; a placed item's member outside
   * `place.keys` is skipped from here. Returns where the bytes to keep now start (-1: skipped).
   */
  #keyRead(chunk: Uint8Array, start: number, colon: number): number {
    this.#keyed = true;
    if (!this.#placed) return start;
    this.#keep(chunk.subarray(start, colon));
    const key = this.#take().trim();
    if (this.#place!.keys.some((k) => JSON.stringify(k) === key)) {
      this.#keep(utf8Bytes(`${key}:`));
      return colon + 1;
    }
    this.#skip = true;
    return -1;
  }

  /** The current member ends at `end` (a `,` or the closing brace): parsed into the object. */
  #member(chunk: Uint8Array, start: number, end: number): void {
    if (this.#skip) {
      this.#skip = false;
      return;
    }
    if (start !== -1) this.#keep(chunk.subarray(start, end));
    let parsed: Record<string, unknown>;
    try {
      parsed = this.#parseMember();
    } catch (err) {
      throw badBody(`item ${this.items.length} is not JSON`, err);
    }
    const object = this.#object!;
    for (const [key, value] of Object.entries(parsed)) {
      Object.defineProperty(object, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      if (key === "id" && typeof value === "string" && this.#place) {
        this.#idSeen = true;
        this.#placed = this.#place.when(value, this.bytes);
        if (this.#placed) this.#whole = false; // its other members are skipped, one by one
      }
    }
  }

  /**
   * The member kept, parsed as `{` + it + `}`: decoded at once (one flat text), or, when large, parsed
   * from its bytes (`parseJsonBytes`: its long strings decoded from them, the bytes freed first).
   */
  #parseMember(): Record<string, unknown> {
    const pieces = [BRACES.subarray(0, 1), ...this.#pieces, BRACES.subarray(1)];
    const size = this.#size + 2;
    this.#drop();
    if (size <= LONG_STRING) return JSON.parse(utf8Text(pieces, size)) as Record<string, unknown>;
    const bytes = joinBytes(pieces, size);
    return parseJsonBytes(bytes, () => freeBytes(bytes)) as Record<string, unknown>;
  }

  #keep(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.#pieces.push(piece);
    this.#size += piece.length;
  }

  /** The bytes kept, decoded whole (a character split across chunks included); dropped here. */
  #take(): string {
    const text = utf8Text(this.#pieces, this.#size);
    this.#drop();
    return text;
  }

  #drop(): void {
    this.#pieces = [];
    this.#size = 0;
  }

  /** The current item's last bytes are in: parses it (an object's members are parsed already). */
  #complete(): void {
    const object = this.#object;
    this.#object = undefined;
    let item: unknown = object;
    if (object === undefined) {
      try {
        item = JSON.parse(this.#take());
      } catch (err) {
        throw badBody(`item ${this.items.length} is not JSON`, err);
      }
    }
    if (this.#placed && object) {
      const kept: Record<string, unknown> = {};
      for (const key of this.#place!.keys) if (Object.hasOwn(object, key)) kept[key] = object[key];
      this.items.push(kept);
      return;
    }
    this.items.push(item);
    this.bytes += this.#itemBytes;
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
