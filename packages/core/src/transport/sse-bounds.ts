// The bounds of one server-sent-event stream read with eventsource-parser, as every body the SDK
// reads has one: the parser keeps at most `max` characters of one event (its data) or of one line
// without an end (its `maxBufferSize`), and a line it does not keep (a comment, an unknown field)
// is cut off at the same length, so neither memory nor the wait for an end grows with what a
// server (or anything answering its URL: a proxy, a captive portal) sends.
import { MoleculeError } from "./errors.js";

/** A bound of a stream passed: `sse_event_too_large` or `sse_line_too_long`; the stream is closed. */
function sseBoundError(
  code: "sse_event_too_large" | "sse_line_too_long",
  what: string,
  max: number,
  unit: string,
): MoleculeError {
  return new MoleculeError(
    code === "sse_event_too_large"
      ? `${what} sent an event larger than ${max} ${unit}; the stream was dropped`
      : `${what} sent a line longer than ${max} ${unit} without an end; the stream was dropped`,
    { code, retryable: false },
  );
}

/**
 * Bounds one stream's events and lines at `max` characters. Give {@link parserOptions} to
 * `createParser`, and {@link fed} each text after feeding it; `onFail` is called once, with the
 * error, when a bound passes (close the stream there).
 */
export class SseBounds {
  /** The bound that passed, if one did. */
  failure: MoleculeError | undefined;
  #line = 0;
  readonly #max: number;
  readonly #what: string;
  readonly #onFail: (err: MoleculeError) => void;
  readonly #unit: string;

  /**
   * @param max - Largest event (its data) and longest line, in characters (or `unit`).
   * @param what - The stream, for the error message (e.g. `"the platform's event stream"`).
   */
  constructor(
    max: number,
    what: string,
    onFail: (err: MoleculeError) => void,
    unit = "characters",
  ) {
    this.#max = max;
    this.#what = what;
    this.#onFail = onFail;
    this.#unit = unit;
  }

  /** `maxBufferSize` and `onError` for eventsource-parser's `createParser`. */
  parserOptions(): { maxBufferSize: number; onError(e: { type: string }): void } {
    return {
      maxBufferSize: this.#max,
      onError: (e) => {
        // Other parse errors (an unknown field, a bad retry) are ignored, as the spec says.
        if (e.type === "max-buffer-size-exceeded") this.#fail("sse_event_too_large");
      },
    };
  }

  /**
   * Counts the characters since the last line end after `text` was fed to the parser; true when
   * a bound has passed (the stream must not be fed again).
   */
  fed(text: string): boolean {
    if (this.failure !== undefined) return true;
    const end = Math.max(text.lastIndexOf("\n"), text.lastIndexOf("\r"));
    return this.lineAt(end === -1 ? this.#line + text.length : text.length - end - 1);
  }

  /**
   * The current line is `length` long so far (a reader that counts its lines itself, in bytes:
   * `SseLongLines`); true when a bound has passed (the stream must not be fed again).
   */
  lineAt(length: number): boolean {
    if (this.failure !== undefined) return true;
    this.#line = length;
    if (this.#line > this.#max) this.#fail("sse_line_too_long");
    return this.failure !== undefined;
  }

  #fail(code: "sse_event_too_large" | "sse_line_too_long"): void {
    if (this.failure !== undefined) return;
    this.failure = sseBoundError(code, this.#what, this.#max, this.#unit);
    this.#onFail(this.failure);
  }
}
