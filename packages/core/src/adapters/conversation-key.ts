// Which conversation an inbound message belongs to: the key an adapter keeps history or a
// checkpointer thread under.
import type { InboundMessage } from "../inbound/index.js";

/**
 * How messages map to conversations: per sender first (`"peer"`), per A2A context first
 * (`"context"`), or your own function (`undefined` falls back to `"peer"`).
 */
export type ConversationKeyStrategy =
  | "peer"
  | "context"
  | ((message: InboundMessage) => string | undefined);

/**
 * The conversation key of a message: `peer:<sourceId>` or `context:<contextId>` (in the order the
 * strategy prefers), else `canvas` for the canvas user. `undefined` when the message names no
 * sender and no context (e.g. a push without metadata): never mix such strangers into one key.
 */
export function conversationKey(
  message: InboundMessage,
  strategy: ConversationKeyStrategy = "context",
): string | undefined {
  if (typeof strategy === "function") {
    const key = strategy(message);
    if (key !== undefined) return key;
  } else if (strategy === "context" && message.contextId) {
    return `context:${message.contextId}`;
  }
  if (message.sourceId) return `peer:${message.sourceId}`;
  if (message.contextId) return `context:${message.contextId}`;
  if (message.source === "canvas_user") return "canvas";
  return undefined;
}
