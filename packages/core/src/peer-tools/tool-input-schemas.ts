// The input schemas of the peer tools and the built-in tools, with the field descriptions the model
// sees: one set for every adapter (zod for LangChain and the AI SDK, JSON Schema for model APIs).
// This subpath loads zod; core's root entry never imports this file.
import { z } from "zod";

/** What the model reads about each input field (one text per field, whatever the framework). */
const FIELD = {
  message: "The task or question for the peer agent, self-contained: it sees nothing else.",
  contextId: "Only to continue an earlier conversation with this peer: the contextId it returned.",
  query: "Optional text to search peer names and roles.",
  peerId: "The id of the peer to delegate to (from list_peers).",
  task: "The task, self-contained: the peer sees nothing else.",
} as const;

/** What the model sends to a peer tool. */
export interface PeerToolInput {
  /** The task or question for the peer, self-contained: it sees nothing else. */
  message: string;
  /** Continue an earlier conversation with this peer (the `contextId` an earlier answer gave). */
  contextId?: string | undefined;
}

/** The input schema of every peer tool: a flat object (accepted by every provider). */
export const peerToolInputSchema: z.ZodObject<{
  message: z.ZodString;
  contextId: z.ZodOptional<z.ZodString>;
}> = z.object({
  message: z.string().min(1).describe(FIELD.message),
  contextId: z.string().optional().describe(FIELD.contextId),
});

/** The JSON Schema of {@link PeerToolInput}, for tool APIs that take JSON Schema. */
export const PEER_TOOL_INPUT_JSON_SCHEMA = {
  type: "object",
  properties: {
    message: { type: "string", minLength: 1, description: FIELD.message },
    contextId: { type: "string", description: FIELD.contextId },
  },
  required: ["message"],
  additionalProperties: false,
} as const;

/** The input schema of a `list_peers` tool. */
export const listPeersInputSchema: z.ZodObject<{ query: z.ZodOptional<z.ZodString> }> = z.object({
  query: z.string().optional().describe(FIELD.query),
});

/** What the model sends to a delegation tool. */
export interface DelegateInput {
  /** The id of the peer to delegate to (from `list_peers`). */
  peerId: string;
  /** The task, self-contained: the peer sees nothing else. */
  task: string;
}

/** The input schema of a delegation tool (`delegate_to_peer`, `delegate_task`). */
export const delegateInputSchema: z.ZodObject<{ peerId: z.ZodString; task: z.ZodString }> =
  z.object({
    peerId: z.string().min(1).describe(FIELD.peerId),
    task: z.string().min(1).describe(FIELD.task),
  });
