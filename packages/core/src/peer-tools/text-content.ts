// Message content as most frameworks shape it (a string, or an array of strings and
// `{ type: "text", text }` blocks): its text, and the same content made safe for a model.
import { sanitizePeerText } from "../a2a/index.js";

/** The text of message content: the string, or its string items and text blocks joined. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((block: unknown) =>
      typeof block === "string" ? block : isTextBlock(block) ? block.text : "",
    )
    .join("");
}

/**
 * `sanitizePeerText` applied to message content: a string, or an array whose string items and
 * `{ type: "text", text }` blocks are sanitised (other blocks pass through). Returns `content`
 * itself when nothing changed.
 */
export function sanitizeTextContent<T>(content: T): T {
  if (typeof content === "string") return sanitizePeerText(content) as T;
  if (!Array.isArray(content)) return content;
  let changed = false;
  const next = content.map((block: unknown) => {
    let clean = block;
    if (typeof block === "string") clean = sanitizePeerText(block);
    else if (isTextBlock(block)) {
      const text = sanitizePeerText(block.text);
      if (text !== block.text) clean = { ...block, text };
    }
    if (clean !== block) changed = true;
    return clean;
  });
  return (changed ? next : content) as T;
}

function isTextBlock(block: unknown): block is { type: "text"; text: string } {
  return (
    typeof block === "object" &&
    block !== null &&
    (block as { type?: unknown }).type === "text" &&
    typeof (block as { text?: unknown }).text === "string"
  );
}
