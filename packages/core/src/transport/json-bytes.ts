// A JSON text parsed from its bytes with each long string decoded straight from them: a message of
// megabytes is never held as the JSON's text and as what that text parses to at once, and a string
// with nothing escaped is decoded once, outside V8's young generation (which a large string parsed
// there grows, and keeps grown). The rest of the text (its skeleton) is parsed as usual.
import { randomHex, utf8Text } from "../runtime/index.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/** Strings of more bytes than this are decoded from the bytes (a shorter one parses as usual). */
export const LONG_STRING = 64 * 1024;

/** A character JSON forbids unescaped in a string. */
// oxlint-disable-next-line no-control-regex -- the control characters are what it finds
const CONTROL = /[\u0000-\u001f]/;

/** The placeholder tag: random, drawn once per process, never sent anywhere. */
let processTag: string | undefined;

/**
 * The tag of a placeholder that stands in a JSON text for a long string handled apart (here, and
 * in a message's fingerprint): random, drawn once per process, never sent, so nothing a peer sends
 * can name it.
 */
export const placeholderTag = (): string => (processTag ??= `\u0000${randomHex(16)}:`);

/**
 * `JSON.parse` of the UTF-8 `bytes`, the same value (a `SyntaxError` for the same texts), with
 * each string value longer than {@link LONG_STRING} bytes decoded from the bytes: in the text
 * parsed, a placeholder (a random tag nothing sent can name) stands in for it. `release` is called
 * once the bytes are no longer needed, before anything is parsed (the caller frees them there).
 */
export function parseJsonBytes(bytes: Uint8Array, release: () => void): unknown {
  const tag = placeholderTag();
  /** The long strings: the value, or (`escaped`) its JSON text, parsed once the bytes are released. */
  const long: string[] = [];
  const escaped: boolean[] = [];
  let skeleton = "";
  let from = 0;
  let backslash = bytes.indexOf(BACKSLASH); // the first at or after the scan (-1: none left)
  for (let open = bytes.indexOf(QUOTE); open !== -1;) {
    if (backslash !== -1 && backslash < open) backslash = bytes.indexOf(BACKSLASH, open);
    const close = closingQuote(bytes, open, backslash);
    if (close === -1) break; // not closed: the parse below says so
    if (close - open - 1 > LONG_STRING && !isKey(bytes, close + 1)) {
      const plain = backslash === -1 || backslash > close;
      skeleton += utf8Text([bytes.subarray(from, open)]) + JSON.stringify(`${tag}${long.length}`);
      long.push(
        utf8Text([plain ? bytes.subarray(open + 1, close) : bytes.subarray(open, close + 1)]),
      );
      escaped.push(!plain);
      from = close + 1;
    }
    open = bytes.indexOf(QUOTE, close + 1);
  }
  skeleton = long.length === 0 ? utf8Text([bytes]) : skeleton + utf8Text([bytes.subarray(from)]);
  release();
  for (let i = 0; i < long.length; i++) {
    if (escaped[i]) long[i] = JSON.parse(long[i]!) as string;
    else if (CONTROL.test(long[i]!))
      throw new SyntaxError("Bad control character in string literal");
  }
  if (long.length === 0) return JSON.parse(skeleton);
  return JSON.parse(skeleton, (_key, value: unknown) =>
    typeof value === "string" && value.startsWith(tag)
      ? long[Number(value.slice(tag.length))]
      : value,
  );
}

/** The quote closing the string opened at `open` (-1: none); `backslash`: the first one after it. */
function closingQuote(bytes: Uint8Array, open: number, backslash: number): number {
  let close = bytes.indexOf(QUOTE, open + 1);
  if (backslash === -1) return close;
  while (close > backslash && isEscaped(bytes, close)) close = bytes.indexOf(QUOTE, close + 1);
  return close;
}

/** Whether the quote at `at` is escaped (an odd run of backslashes before it). */
function isEscaped(bytes: Uint8Array, at: number): boolean {
  let run = 0;
  while (bytes[at - 1 - run] === BACKSLASH) run++;
  return (run & 1) === 1;
}

/** Whether the string that ends before `at` is an object's key (a `:` follows it). */
function isKey(bytes: Uint8Array, at: number): boolean {
  let i = at;
  while (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09) i++;
  return bytes[i] === COLON;
}
