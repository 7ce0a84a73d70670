// Which conversation an inbound message belongs to: the key an adapter keeps history or a
// checkpointer thread under. A conversation is its sender's: a contextId is a name any agent that
// learns it may send (`ctx.callPeer` passes a message's contextId on to every peer it calls), so
// it never joins another sender's history. The sender is the one the platform authenticated
// (a polled row's `sourceId`); a pushed message has none, so it keeps no history by default.
import type { InboundMessage } from "../inbound/index.js";

/**
 * How messages map to conversations, always within their sender: per sender (`"peer"`), per A2A
 * context of a sender (`"context"`), or your own function (`undefined` falls back to `"peer"`).
 */
export type ConversationKeyStrategy =
  | "peer"
  | "context"
  | ((message: InboundMessage) => string | undefined);

/**
 * The conversation key of a message, by the sender the platform authenticated:
 * - a polled peer message: `peer:<sourceId>`, and with `"context"` and a contextId
 *   `peer:<sourceId>/context:<contextId>` (another peer sending the same contextId has its own);
 * - the canvas user (a polled row the platform recorded without a sender): `canvas`, and with
 *   `"context"` and a contextId `canvas/context:<contextId>`;
 * - a pushed message: `undefined` (answered without history). The platform's proxy names no
 *   caller, and every contextId a caller may send is one another caller can learn (a peer's
 *   `ctx.callPeer` passes it on, so does this agent's), so no key a pushed message names is only
 *   its sender's. Keep push history with your own function, over something you authenticate.
 *
 * Keys of earlier releases (`context:<contextId>`, shared by every sender) are never produced, so
 * a store's conversations saved under them are not read (they may already mix two senders).
 */
export function conversationKey(
  message: InboundMessage,
  strategy: ConversationKeyStrategy = "context",
): string | undefined {
  if (typeof strategy === "function") {
    const key = strategy(message);
    if (key !== undefined) return key;
  }
  const sender = senderKey(message);
  if (sender === undefined) return undefined;
  if (strategy === "context" && message.contextId) return `${sender}/context:${message.contextId}`;
  return sender;
}

/** `peer:<sourceId>` (authenticated), `canvas` (a polled row without a sender), else `undefined`. */
function senderKey(message: InboundMessage): string | undefined {
  if (message.sourceId) return `peer:${message.sourceId}`;
  if (message.source === "canvas_user") return "canvas";
  return undefined;
}
