// Which conversation an inbound message belongs to: the key an adapter keeps history or a
// checkpointer thread under. A conversation is its sender's: a contextId is a name any agent that
// learns it may send (`ctx.callPeer` passes a message's contextId on to every peer it calls), so
// it never joins another sender's history. The sender is the one the platform authenticated (a
// polled row's `sourceId`); a push names none, so there only a conversation the endpoint itself
// put the message in is kept.
import { isOwnContext } from "../a2a/index.js";
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
 * - a pushed message: `push/context:<contextId>` only when the push endpoint put it in that
 *   conversation itself: a contextId it issued for the message (the caller sent none), or the
 *   issued contextId of the task the message continues by its `taskId` (the answer to a question
 *   the handler asked with `askForInput`). Nobody else can send a message into it: it needs the
 *   first message's id and content, or the task's id (128 random bits). Any other pushed message:
 *   `undefined` (answered without history). The platform's proxy names no caller, and a contextId
 *   a caller sends is one another caller may have learned (a peer's `ctx.callPeer` passes it on,
 *   so does this agent's), so it is never a key. Keep more push history with your own function,
 *   over something you authenticate.
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
  const sender = (key: string): string =>
    strategy === "context" && message.contextId ? `${key}/context:${message.contextId}` : key;
  if (message.sourceId) return sender(`peer:${message.sourceId}`);
  if (message.source === "canvas_user") return sender("canvas");
  if (message.contextId && isOwnContext(message.raw)) return `push/context:${message.contextId}`;
  return undefined;
}
