// OFFSEC-003 trust-boundary helpers. Peer output is untrusted: strip the platform's wrapper, then
// defuse any marker the peer itself wrote so it cannot close the boundary or pose as the system.
import { extractA2AText } from "./outbound.js";

const START = "[A2A_RESULT_FROM_PEER]";
const END = "[/A2A_RESULT_FROM_PEER]";

// Python's str.isspace() set (what str.strip() removes), which differs from JS trim():
// it includes \x1c-\x1f and \x85, and excludes \ufeff.
const PY_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001,
  0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f,
  0x205f, 0x3000,
]);

/** `str.strip()` with Python's whitespace set. */
function pythonStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && PY_SPACE.has(text.charCodeAt(start))) start++;
  while (end > start && PY_SPACE.has(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

/**
 * Removes the OFFSEC-003 `[A2A_RESULT_FROM_PEER]…[/A2A_RESULT_FROM_PEER]` wrapper, byte-compatible
 * with the Python reference `strip_a2a_boundary`: the FIRST start marker and the FIRST end marker
 * are used; when both exist and the end follows the start, the text between them is returned,
 * trimmed with Python's whitespace set (anything outside the markers is dropped); otherwise the
 * input is returned unchanged. Empty or missing input gives `""`.
 *
 * Non-string input (a JSON-RPC result, a task, a message) is first reduced to its text with
 * {@link extractA2AText} (the Python function would raise instead).
 */
export function stripA2ABoundary(text: unknown): string {
  if (typeof text !== "string") {
    if (!text) return "";
    text = extractA2AText(text);
    if (!text) return "";
  }
  const s = text as string;
  if (s === "") return "";
  const start = s.indexOf(START);
  const end = s.indexOf(END);
  if (start !== -1 && end !== -1 && end > start) {
    return pythonStrip(s.slice(start + START.length, end));
  }
  return s;
}

const ZWSP = "\u200b";

/**
 * Characters a model may read as the `[` of a marker: `[` and the square-bracket lookalikes
 * (`⁅ ⟦ ⟬ ⦋ ⦍ ⦏ 【 〔 〖 〘 〚`), closed under NFKC: every code point whose NFKC form starts with one
 * of them (`［`, `﹇`, `﹝`, `︹`, `︻`, `︗`, ...). `test/security-boundary.test.ts` recomputes the
 * closure over every code point.
 */
export const MARKER_OPENERS: ReadonlySet<number> = new Set([
  0x5b, 0x2045, 0x27e6, 0x27ec, 0x298b, 0x298d, 0x298f, 0x3010, 0x3014, 0x3016, 0x3018, 0x301a,
  0xfe17, 0xfe39, 0xfe3b, 0xfe47, 0xfe5d, 0xff3b, 0x1f12a, 0x1f240, 0x1f241, 0x1f242, 0x1f243,
  0x1f244, 0x1f245, 0x1f246, 0x1f247, 0x1f248,
]);
// Invisible characters a peer may put inside a marker: format characters (zero-width spaces and
// joiners, soft hyphen, bidi controls, BOM), combining marks and variation selectors, Hangul fillers.
const IGNORABLE = /^[\p{Cf}\p{Mn}\p{Me}\u115f\u1160\u3164\uffa0]$/u;
// Cyrillic and Greek letters that look like the Latin ones of the marker names (after upper-casing).
const CONFUSABLES: Readonly<Record<string, string>> = {
  "\u0410": "A",
  "\u0412": "B",
  "\u0415": "E",
  "\u041a": "K",
  "\u041c": "M",
  "\u041d": "H",
  "\u041e": "O",
  "\u0420": "P",
  "\u0421": "C",
  "\u0422": "T",
  "\u0423": "Y",
  "\u0425": "X",
  "\u0405": "S",
  "\u0406": "I",
  "\u0408": "J",
  "\u04ae": "Y",
  "\u0391": "A",
  "\u0392": "B",
  "\u0395": "E",
  "\u0396": "Z",
  "\u0397": "H",
  "\u0399": "I",
  "\u039a": "K",
  "\u039c": "M",
  "\u039d": "N",
  "\u039f": "O",
  "\u03a1": "P",
  "\u03a4": "T",
  "\u03a5": "Y",
  "\u03a7": "X",
  "\u0501": "D",
  "\u051b": "Q",
  "\u051c": "W",
};
// The marker names on the skeleton (see `markerAt`): `/` and spaces before the name, one separator
// (a space, `_` or `-`) between its words, and no letter, digit or `_` right after it
// ("[SYSTEMATIC" and "[SYSTEM_PROMPT" are not markers).
const MARKER_SKELETON =
  /^(?:A2A[ _-]?RESULT[ _-]?(?:FROM|TO)[ _-]?PEER|A2A[ _-]?ERROR|A2A[ _-]?QUEUED|SYSTEM|OVERRIDE|INSTRUCTIONS|IGNORE[ _-]?ALL|YOU[ _-]?ARE[ _-]?NOW)(?![A-Z0-9_])/;
/** Longer than any marker name on the skeleton (padding collapses, so no sender length matters). */
const SKELETON_CHARS = 40;
const SPACE = /^\s$/u;

/**
 * Whether the text after an opener at `from` reads as a marker name, as a model would read it:
 * upper-cased, NFKC-folded, lookalike letters mapped, invisible characters dropped, any run of
 * spaces and `/` before the name dropped and any run of separators between words read as its
 * first one. However much padding a sender adds, the skeleton stays as short as the name, so the
 * scan has no length limit a sender controls; it stops at the first character no marker name
 * continues with (another opener among them), so scanning all openers of a text is linear.
 */
function markerAt(text: string, from: number): boolean {
  let skeleton = "";
  let lead = true; // before the name
  let separated = false; // the last skeleton character is a separator
  for (let i = from; i < text.length && skeleton.length < SKELETON_CHARS;) {
    const cp = text.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    const folded = cp < 0x80 ? ch.toUpperCase() : ch.normalize("NFKC").toUpperCase();
    for (const f of folded) {
      if (f.codePointAt(0)! >= 0x80 && IGNORABLE.test(f)) continue;
      const c = CONFUSABLES[f] ?? f;
      const space = SPACE.test(c);
      if (lead && (space || c === "/")) continue;
      lead = false;
      if (space || c === "_" || c === "-") {
        if (!separated) skeleton += space ? " " : c;
        separated = true;
        continue;
      }
      separated = false;
      skeleton += c;
      if (!/^[A-Z0-9]$/.test(c)) return MARKER_SKELETON.test(skeleton); // no name continues
    }
  }
  return MARKER_SKELETON.test(skeleton);
}

/**
 * Defuses spoofed trust markers inside peer text by inserting U+200B (zero-width space) right
 * after the `[` of every `[A2A_RESULT_FROM_PEER]`, `[/A2A_RESULT_FROM_PEER]`, `[A2A_RESULT_TO_PEER]`,
 * `[A2A_ERROR]`, `[A2A_QUEUED]`, `[SYSTEM]`, `[OVERRIDE]`, `[INSTRUCTIONS]`, `[IGNORE ALL]` and
 * `[YOU ARE NOW]`, anywhere in the text. The match is made on what a model would read: any case,
 * any amount of spaces, `/`, `_` or `-` between the words, invisible characters (zero-width, bidi,
 * combining marks) anywhere inside and in any number, fullwidth and compatibility forms (NFKC),
 * Cyrillic/Greek lookalike letters, and every bracket that reads as `[` (`⟦`, `【`, `［`, ...,
 * closed under NFKC). A string comparison no longer matches the marker, so peer output cannot
 * close the boundary or pose as a system instruction for a parser; a reader sees the text as it
 * was, which is why text shown to a model or a person also marks each of its lines
 * (`spotlightPeerText`). An opener
 * already followed by U+200B counts as defused, so the function is idempotent.
 */
export function neutralizePeerMarkers(text: string): string {
  if (typeof text !== "string") return "";
  let out = "";
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i) as number;
    if (!MARKER_OPENERS.has(cp)) continue;
    const after = i + (cp > 0xffff ? 2 : 1);
    if (cp > 0xffff) i++;
    if (text.charCodeAt(after) === 0x200b) continue; // already defused
    if (!markerAt(text, after)) continue;
    out += text.slice(last, after) + ZWSP;
    last = after;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * THE function adapters apply to peer output before it reaches a model or a user:
 * `neutralizePeerMarkers(stripA2ABoundary(text))`.
 */
export function sanitizePeerText(text: unknown): string {
  return neutralizePeerMarkers(stripA2ABoundary(text));
}
