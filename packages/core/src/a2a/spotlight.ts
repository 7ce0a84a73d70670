// Untrusted text as a reader sees it ("spotlighting", Hines et al. 2024: every line of untrusted
// text marked, so a model or a person can tell it from the text around it): sanitised, every line
// break one `\n`, invisible and control characters shown as escapes, and each line after a mark
// the SDK writes itself, below a header line the SDK wrote. An invisible character is a boundary
// for a string comparison, not for a reader; the mark is one for both.
import { sanitizePeerText } from "./boundary.js";

/** What starts every line of untrusted text the SDK shows a reader (then a space). */
export const UNTRUSTED_LINE_MARK = "│";

/**
 * Every line terminator a reader may break a line at: CRLF, then `\n`, `\r`, vertical tab, form
 * feed, the file/group/record separators (Python's `splitlines`), NEL, and the line and paragraph
 * separators.
 */
// oxlint-disable-next-line no-control-regex -- these control characters are line breaks
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\u0085\u2028\u2029]/g;
/**
 * Characters a reader does not see, shown as escapes: control characters (a tab and line breaks
 * aside), format characters (zero-width spaces, word joiners, soft hyphens, BOM, bidi embeddings,
 * overrides and isolates, tag characters) and the blank Hangul fillers and grapheme joiner. The
 * zero-width (non-)joiner and the left-to-right/right-to-left marks stay: emoji sequences and
 * Persian, Arabic and Hebrew text need them, and none of them hides or reorders a line.
 */
const INVISIBLE = /(?![\t\n\u200c-\u200f])[\p{Cc}\p{Cf}\u034f\u115f\u1160\u3164\uffa0]/gu;

/** `\uXXXX` for each UTF-16 unit of `ch` (the form JSON and JavaScript read back). */
export function unicodeEscape(ch: string): string {
  let out = "";
  for (let i = 0; i < ch.length; i++)
    out += `\\u${ch.charCodeAt(i).toString(16).toUpperCase().padStart(4, "0")}`;
  return out;
}

/**
 * Peer text made visible, for a reader or a structured field: `sanitizePeerText` (the OFFSEC-003
 * wrapper stripped, spoofed markers defused), every line break made `\n`, and every invisible or
 * control character shown as its escape (`\u202E`, `\u200B`: a defused marker reads `[\u200BSYSTEM]`).
 * What the text says is kept. Anything but text gives its A2A text, or `""`.
 */
export function visiblePeerText(text: unknown): string {
  return sanitizePeerText(text).replace(LINE_BREAK, "\n").replace(INVISIBLE, unicodeEscape);
}

/**
 * Untrusted text rendered for a model or a person: `header` (one line the SDK wrote, saying whose
 * text follows), then every line of {@link visiblePeerText} after `│ ` (an empty line is `│`).
 * Every line a sender wrote starts with the mark, so none of them equals or begins like a header,
 * a trust marker or a tag, whatever invisible, look-alike (NFKC) or line-breaking characters it
 * holds; a line without the mark is the SDK's.
 */
export function spotlightPeerText(header: string, text: unknown): string {
  const head = header.replace(LINE_BREAK, " ").replace(INVISIBLE, unicodeEscape);
  const lines = visiblePeerText(text).split("\n");
  const body = lines.map((l) => (l === "" ? UNTRUSTED_LINE_MARK : `${UNTRUSTED_LINE_MARK} ${l}`));
  return `${head}\n${body.join("\n")}`;
}
