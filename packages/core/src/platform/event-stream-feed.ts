// How a reader of the platform's event stream (the agent's wake-ups, `ApprovalWaiter`) parses and
// bounds one connection's bytes: eventsource-parser, loaded when the first stream opens rather
// than when core is imported, behind one set of bounds. The platform's events are small but an
// `ACTIVITY_LOGGED`, which carries its row's bodies since 2026-05 (a message of up to 16 MiB): a
// line past what is kept is read to its end without being decoded or held (`SseLongLines`), and a
// line without an end (from a proxy, a captive portal, a misrouted load balancer answering the URL)
// is read no further than the line bound.
import type * as EventSourceParser from "eventsource-parser";
import { joinBytes } from "../runtime/index.js";
import { type MoleculeError, SseBounds } from "../transport/index.js";

/**
 * Longest line of the event stream a reader keeps, in bytes: 1 MiB, also the largest event. A
 * longer line (a message of about 1 MiB or more) is dropped as it comes; the wake-ups take it as
 * "a row was logged", and the read that follows brings it.
 */
const EVENT_KEPT_BYTES = 1024 * 1024;

/**
 * Longest line of the event stream a reader reads at all, in bytes: 32 MiB, twice the largest
 * message the platform takes (16 MiB, `maxProxyRequestBody`), whose event carries it as JSON.
 * Past it the stream must be closed (and is reopened with backoff).
 */
export const EVENT_LINE_MAX_BYTES = 32 * 1024 * 1024;

let parserModule: Promise<typeof EventSourceParser> | undefined;
/** eventsource-parser, loaded when the first stream opens rather than when core is imported. */
const loadParser = () => (parserModule ??= import("eventsource-parser"));

/** Options of {@link EventStreamFeed.open}. */
export interface EventStreamFeedOptions {
  onEvent(ev: EventSourceParser.EventSourceMessage): void;
  /** Closes the stream: a bound passed. */
  close(): void;
  /** A line too long to keep ended (an event whose row carries a large body). */
  onCut?: () => void;
  /** Longest line kept, in bytes (default {@link EVENT_KEPT_BYTES}); the largest event too. */
  keptBytes?: number | undefined;
  /** Longest line read, in bytes (default {@link EVENT_LINE_MAX_BYTES}). */
  lineBytes?: number | undefined;
}

/** One connection's parser behind the event stream's bounds. */
export class EventStreamFeed {
  readonly #parser: EventSourceParser.EventSourceParser;
  readonly #bounds: SseBounds;
  readonly #lines: SseLongLines;
  readonly #decoder = new TextDecoder();

  private constructor(
    createParser: typeof EventSourceParser.createParser,
    o: EventStreamFeedOptions,
  ) {
    const kept = o.keptBytes ?? EVENT_KEPT_BYTES;
    const what = "the platform's event stream";
    this.#bounds = new SseBounds(o.lineBytes ?? EVENT_LINE_MAX_BYTES, what, o.close, "bytes");
    this.#lines = new SseLongLines(kept, o.onCut ?? (() => undefined));
    // An event of more than `kept` (its lines are cut there) fails the parser's bound.
    const options = { ...this.#bounds.parserOptions(), maxBufferSize: kept + 2 };
    this.#parser = createParser({ ...options, onEvent: o.onEvent });
  }

  /** A feed for one connection (loads the parser on the first). */
  static async open(o: EventStreamFeedOptions): Promise<EventStreamFeed> {
    const { createParser } = await loadParser();
    return new EventStreamFeed(createParser, o);
  }

  /** The bound that passed (the stream was closed there), if one did. */
  get failure(): MoleculeError | undefined {
    return this.#bounds.failure;
  }

  /** Feeds the stream's next bytes (what is kept of each line, decoded); true once a bound passed. */
  fed(chunk: Uint8Array): boolean {
    if (this.#bounds.failure !== undefined) return true;
    this.#parser.feed(this.#decoder.decode(this.#lines.kept(chunk), { stream: true }));
    return this.#bounds.lineAt(this.#lines.line);
  }
}

// Lines too long to keep: a line past `keep` bytes is given to the parser up to there and the rest
// of it dropped as its bytes arrive, never decoded (the parser then sees a cut line: its JSON does
// not parse, and the event is not taken for what it says); `onCut` is called once per such line,
// at its end (a read it asks for then does not hold its bytes beside the stream's). The stream's
// own bound (`SseBounds.lineAt`, with {@link SseLongLines.line}) still ends a line that never
// ends.

const LF = 0x0a;
const CR = 0x0d;

/** Cuts each line of a byte stream at `keep` bytes: see the file comment. */
export class SseLongLines {
  readonly #keep: number;
  readonly #onCut: () => void;
  /** Bytes of the current line so far (given to the parser or dropped). */
  #line = 0;

  constructor(keep: number, onCut: () => void) {
    this.#keep = keep;
    this.#onCut = onCut;
  }

  /** Bytes of the current line so far, what was dropped of it included. */
  get line(): number {
    return this.#line;
  }

  /** What of `chunk` (the stream's next bytes) to give the parser. */
  kept(chunk: Uint8Array): Uint8Array {
    if (this.#line + chunk.length <= this.#keep) {
      // No line of it can pass `keep` (the common case): given whole.
      const end = Math.max(chunk.lastIndexOf(LF), chunk.lastIndexOf(CR));
      this.#line = end === -1 ? this.#line + chunk.length : chunk.length - end - 1;
      return chunk;
    }
    const parts: Uint8Array[] = [];
    let from = 0;
    while (from < chunk.length) {
      const end = nextLineEnd(chunk, from);
      const stop = end === -1 ? chunk.length : end + 1; // the line end is always given
      const length = (end === -1 ? chunk.length : end) - from;
      const room = Math.max(0, this.#keep - this.#line);
      if (length <= room) parts.push(chunk.subarray(from, stop));
      else {
        if (room > 0) parts.push(chunk.subarray(from, from + room));
        if (end !== -1) parts.push(chunk.subarray(end, stop));
      }
      const line = this.#line + length;
      this.#line = end === -1 ? line : 0;
      from = stop;
      if (end !== -1 && line > this.#keep) this.#onCut();
    }
    if (parts.length === 1) return parts[0]!;
    return joinBytes(
      parts,
      parts.reduce((n, p) => n + p.length, 0),
    );
  }
}

/** Where the next line end (`\n` or `\r`) is at or after `from`, or -1. */
function nextLineEnd(chunk: Uint8Array, from: number): number {
  for (let i = from; i < chunk.length; i++) {
    const b = chunk[i];
    if (b === LF || b === CR) return i;
  }
  return -1;
}
