// Lines of a server-sent-event stream too long to keep: the platform's `ACTIVITY_LOGGED` carries its
// row's bodies since 2026-05 (a message of up to 16 MiB), and a reader that only needs to know that
// a row was logged need not hold one. A line past `keep` bytes is given to the parser up to there
// and the rest of it dropped as its bytes arrive, never decoded (the parser then sees a cut line:
// its JSON does not parse, and the event is not taken for what it says); `onCut` is called once
// per such line, at its end (a read it asks for then does not hold its bytes beside the
// stream's). The stream's own bound (`SseBounds.lineAt`, with {@link SseLongLines.line}) still
// ends a line that never ends.

import { joinBytes } from "../runtime/index.js";

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
