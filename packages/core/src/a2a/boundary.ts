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
export function pythonStrip(text: string): string {
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

// Markers the platform and the Python runtime use as trusted framing. Matched case-insensitively,
// with optional spaces inside the bracket, anywhere in the text (not only at line starts).
const MARKER =
  /\[(?=\s*\/?\s*(?:A2A_RESULT_FROM_PEER|A2A_RESULT_TO_PEER|A2A_ERROR|A2A_QUEUED|SYSTEM|OVERRIDE|INSTRUCTIONS|IGNORE\s+ALL|YOU\s+ARE\s+NOW)\b)/gi;

/**
 * Defuses spoofed trust markers inside peer text by inserting U+200B (zero-width space) right
 * after the `[` of every `[A2A_RESULT_FROM_PEER]`, `[/A2A_RESULT_FROM_PEER]`, `[A2A_RESULT_TO_PEER]`,
 * `[A2A_ERROR]`, `[A2A_QUEUED]`, `[SYSTEM]`, `[OVERRIDE]`, `[INSTRUCTIONS]`, `[IGNORE ALL]` and
 * `[YOU ARE NOW]` (any case, optional inner spaces, closing `/` forms too). The text reads the same
 * to a person, but no longer matches the marker, so peer output cannot close the boundary or pose
 * as a system instruction. Idempotent.
 */
export function neutralizePeerMarkers(text: string): string {
  if (typeof text !== "string" || text.indexOf("[") === -1)
    return typeof text === "string" ? text : "";
  return text.replace(MARKER, `[${ZWSP}`);
}

/**
 * THE function adapters apply to peer output before it reaches a model or a user:
 * `neutralizePeerMarkers(stripA2ABoundary(text))`.
 */
export function sanitizePeerText(text: unknown): string {
  return neutralizePeerMarkers(stripA2ABoundary(text));
}
