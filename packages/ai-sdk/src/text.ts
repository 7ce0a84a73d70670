import { sanitizePeerText } from "@molecule-ai/agent-core";

/**
 * Peer-controlled text for a tool description or a listing (a peer's name, role, card
 * description, skill names): markers neutralised, whitespace collapsed, length capped.
 */
export function untrustedLabel(value: unknown, maxLength: number): string {
  if (typeof value !== "string") return "";
  const text = sanitizePeerText(value).replace(/\s+/g, " ").trim();
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/** A short, safe description of a thrown value, for the model or an error text. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return sanitizePeerText(error.message);
  if (typeof error === "string") return sanitizePeerText(error);
  return "unknown error";
}

/** True when `error` is an abort (DOMException AbortError, or an error whose cause is one). */
export function isAbortError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const name = (error as { name?: unknown }).name;
  if (name === "AbortError") return true;
  const code = (error as { code?: unknown }).code;
  return code === "ABORT_ERR" || code === "aborted";
}
