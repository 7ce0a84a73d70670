// What the model sends to the peer tools and the built-in tools, with the field descriptions it
// reads: one text per field for every adapter. No zod here (NestJS takes the JSON Schema); the
// zod schemas built from the same texts are `./schemas.ts` (`/peer-tools/schemas`).

/** What the model reads about each input field (one text per field, whatever the framework). */
export const FIELD = {
  message: "The task or question for the peer agent, self-contained: it sees nothing else.",
  contextId: "Only to continue an earlier conversation with this peer: the contextId it returned.",
  taskId:
    "Only to answer a peer's question (its task state was input-required): the taskId it returned; put your answer in message.",
  query: "Optional text to search peer names and roles.",
  peerId: "The id of the peer to delegate to (from list_peers).",
  task: "The task, self-contained: the peer sees nothing else.",
  workId:
    "The delegation id delegate_to_peer returned, or the task id of a peer's unfinished answer.",
  timeoutSeconds: "Optional: the most seconds to wait (default 30; capped by the tool).",
} as const;

/** What the model sends to a peer tool. */
export interface PeerToolInput {
  /** The task or question for the peer, self-contained: it sees nothing else. */
  message: string;
  /** Continue an earlier conversation with this peer (the `contextId` an earlier answer gave). */
  contextId?: string | undefined;
  /** Answer a peer's question: the `taskId` of its `input-required` answer (same task). */
  taskId?: string | undefined;
}

/** The JSON Schema of {@link PeerToolInput}, for tool APIs that take JSON Schema. */
export const PEER_TOOL_INPUT_JSON_SCHEMA = {
  type: "object",
  properties: {
    message: { type: "string", minLength: 1, description: FIELD.message },
    contextId: { type: "string", description: FIELD.contextId },
    taskId: { type: "string", description: FIELD.taskId },
  },
  required: ["message"],
  additionalProperties: false,
} as const;

/** What the model sends to a delegation tool. */
export interface DelegateInput {
  /** The id of the peer to delegate to (from `list_peers`). */
  peerId: string;
  /** The task, self-contained: the peer sees nothing else. */
  task: string;
}

/** What the model sends to `check_delegation`, `wait_for_delegation` and `cancel_delegation`. */
export interface WorkInput {
  /** The delegation id or the task id. */
  id: string;
  /** `wait_for_delegation` only: the most seconds to wait. */
  timeoutSeconds?: number | undefined;
}
