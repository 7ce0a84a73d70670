// Spans of the messages this SDK sends to peers: a call and an answer, each carrying its trace
// context in the message metadata (see trace-context.ts).
import { activeTracing } from "./otel.js";
import { ATTR, GEN_AI, SPAN, boundAttribute, inSpan } from "./spans.js";

/** What a peer send resolves with, as far as its span reads it. */
interface SentResult {
  status?: string;
  messageId?: string;
  contextId?: string;
  protocol?: string;
}

/** Who sends what to whom. */
export interface PeerSend {
  workspaceId: string;
  peerId: string;
  messageId?: string | undefined;
  contextId?: string | undefined;
  via?: "proxy" | "direct" | undefined;
  /** The peer's name, when known (GenAI `gen_ai.agent.name`). */
  peerName?: string | undefined;
}

/**
 * Runs a peer call (`reply: false`) or an answer (`reply: true`) in a client span
 * (`molecule.peer_call` / `molecule.reply`); the message built inside it carries its context.
 * Without tracing, `fn` runs as it is.
 */
export function tracePeerSend<T>(send: PeerSend, reply: boolean, fn: () => Promise<T>): Promise<T> {
  if (activeTracing() === undefined) return fn();
  return inSpan(
    reply ? SPAN.reply : SPAN.peerCall,
    "client",
    {
      [ATTR.workspaceId]: send.workspaceId,
      [ATTR.peerId]: send.peerId,
      [ATTR.messageId]: send.messageId,
      [ATTR.contextId]: send.contextId,
      [ATTR.via]: send.via,
      [GEN_AI.operation]: "invoke_agent",
      [GEN_AI.agentId]: send.peerId,
      [GEN_AI.agentName]: send.peerName,
      [GEN_AI.conversationId]: send.contextId,
    },
    async () => await fn(),
    {
      onResult: (span, result) => {
        const r = (result ?? {}) as SentResult;
        if (typeof r.status === "string")
          span.setAttribute(ATTR.callStatus, boundAttribute(r.status));
        if (typeof r.messageId === "string")
          span.setAttribute(ATTR.messageId, boundAttribute(r.messageId));
        if (typeof r.contextId === "string") {
          span.setAttribute(ATTR.contextId, boundAttribute(r.contextId));
          span.setAttribute(GEN_AI.conversationId, boundAttribute(r.contextId));
        }
        if (typeof r.protocol === "string")
          span.setAttribute(ATTR.protocol, boundAttribute(r.protocol));
      },
    },
  );
}
