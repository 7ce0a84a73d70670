// Peer-controlled text (names, roles, card descriptions, skill names) made safe for a prompt.
import { visiblePeerText } from "../a2a/index.js";

/**
 * Peer-controlled text for a tool description or a listing: trust-boundary markers stripped and
 * neutralised, invisible characters shown as escapes (`visiblePeerText`), whitespace collapsed to
 * one line, cut to `max` characters (an ellipsis marks the cut). Anything but a string gives `""`.
 */
export function untrustedLabel(value: unknown, max = 300): string {
  if (typeof value !== "string") return "";
  const text = visiblePeerText(value).replace(/\s+/g, " ").trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
