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

// Characters a model may read as the `[` of a marker: ASCII, fullwidth, and common lookalikes.
const OPENERS = new Set([0x5b, 0xff3b, 0x27e6, 0x3010, 0x3016, 0x301a, 0x2045, 0xfe5d]);
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
// The marker names on the skeleton (upper-cased, lookalikes mapped, invisibles removed): any
// number of `/` and spaces before the name, `_`, `-` or spaces between its words, and no letter,
// digit or `_` right after it ("[SYSTEMATIC" and "[SYSTEM_PROMPT" are not markers).
const MARKER_SKELETON =
  /^[\s/]*(?:A2A[\s_-]*RESULT[\s_-]*(?:FROM|TO)[\s_-]*PEER|A2A[\s_-]*ERROR|A2A[\s_-]*QUEUED|SYSTEM|OVERRIDE|INSTRUCTIONS|IGNORE[\s_-]*ALL|YOU[\s_-]*ARE[\s_-]*NOW)(?![A-Z0-9_])/;
// Every character a marker skeleton is made of; scanning stops after the first other one.
const MARKER_CHAR = /^[A-Z2\s_/-]$/;
const SKELETON_CHARS = 40; // longer than any marker name with its separators
const SCAN_LIMIT = 512; // raw characters examined after an opener (invisible padding included)

/** The visible text after an opener, as a model would read it, for marker matching only. */
function skeletonAfter(text: string, from: number): string {
  let out = "";
  const end = Math.min(text.length, from + SCAN_LIMIT);
  for (let i = from; i < end && out.length < SKELETON_CHARS;) {
    const cp = text.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    if (cp < 0x80) {
      const c = ch.toUpperCase();
      out += c;
      if (!MARKER_CHAR.test(c)) break; // no marker continues past it: stop early
      continue;
    }
    if (IGNORABLE.test(ch)) continue;
    for (const c of ch.normalize("NFKC").toUpperCase()) {
      if (IGNORABLE.test(c)) continue;
      const mapped = CONFUSABLES[c] ?? c;
      out += mapped;
      if (!MARKER_CHAR.test(mapped)) return out;
    }
  }
  return out;
}

/**
 * Defuses spoofed trust markers inside peer text by inserting U+200B (zero-width space) right
 * after the `[` of every `[A2A_RESULT_FROM_PEER]`, `[/A2A_RESULT_FROM_PEER]`, `[A2A_RESULT_TO_PEER]`,
 * `[A2A_ERROR]`, `[A2A_QUEUED]`, `[SYSTEM]`, `[OVERRIDE]`, `[INSTRUCTIONS]`, `[IGNORE ALL]` and
 * `[YOU ARE NOW]`, anywhere in the text. The match is made on what a model would read: any case,
 * spaces, `/`, `_` or `-` between the words, invisible characters (zero-width, bidi, combining
 * marks) anywhere inside, fullwidth and compatibility forms (NFKC), Cyrillic/Greek lookalike
 * letters, and bracket lookalikes (`［`, `⟦`, `【`, ...). The text reads the same to a person, but
 * no longer matches the marker, so peer output cannot close the boundary or pose as a system
 * instruction. An opener already followed by U+200B counts as defused, so the function is
 * idempotent.
 */
export function neutralizePeerMarkers(text: string): string {
  if (typeof text !== "string") return "";
  let out = "";
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    if (!OPENERS.has(text.charCodeAt(i))) continue;
    if (text.charCodeAt(i + 1) === 0x200b) continue; // already defused
    if (!MARKER_SKELETON.test(skeletonAfter(text, i + 1))) continue;
    out += text.slice(last, i + 1) + ZWSP;
    last = i + 1;
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
