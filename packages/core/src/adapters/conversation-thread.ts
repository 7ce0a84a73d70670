// A thread id for every message: the conversation key, or a thread of its own for a message
// without an authenticated sender (a push; what a checkpointer keyed by thread needs).
import { randomUUID } from "../runtime/index.js";
import type { InboundMessage } from "../inbound/index.js";
import { conversationKey } from "./conversation-key.js";
import type { ConversationKeyStrategy } from "./conversation-key.js";

/**
 * The thread id a message belongs to under a strategy (default `"peer"`): its `conversationKey`,
 * else `message:<messageId or activityId>` (a random id when it has neither), so senders nobody
 * authenticated never share a thread.
 */
export function threadIdFor(
  msg: InboundMessage,
  strategy: ConversationKeyStrategy = "peer",
): string {
  return (
    conversationKey(msg, strategy) ?? `message:${msg.messageId ?? msg.activityId ?? randomUUID()}`
  );
}
