// A2A protocol types shared by the client side (outbound calls, result extraction) and the server
// side (the push endpoint). v0.3 is the wire Molecule speaks; v1.0 shapes are converted at the edges.

/** A text part (v0.3). The platform's own messages may spell `kind` as `type`. */
export interface A2ATextPart {
  kind: "text";
  text: string;
  metadata?: Record<string, unknown>;
}

/** A file part (v0.3): a URI or inline base64 bytes. */
export interface A2AFilePart {
  kind: "file";
  file: { uri?: string; bytes?: string; name?: string; mimeType?: string; size?: number };
  metadata?: Record<string, unknown>;
}

/** A structured data part (v0.3). */
export interface A2ADataPart {
  kind: "data";
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

/** Any A2A v0.3 message part. */
export type A2APart = A2ATextPart | A2AFilePart | A2ADataPart;

/** An A2A v0.3 message. */
export interface A2AMessage {
  kind: "message";
  messageId: string;
  role: "user" | "agent";
  parts: A2APart[];
  contextId?: string;
  taskId?: string;
  referenceTaskIds?: string[];
  /** URIs of the extensions this message uses (its `metadata` may carry their data). */
  extensions?: string[];
  metadata?: Record<string, unknown>;
}

/** A2A v0.3 task states. */
export type A2ATaskState =
  | "submitted"
  | "working"
  | "input-required"
  | "completed"
  | "canceled"
  | "failed"
  | "rejected"
  | "auth-required"
  | "unknown";

/** An A2A v0.3 artifact produced by a task. */
export interface A2AArtifact {
  artifactId: string;
  parts: A2APart[];
  name?: string;
  description?: string;
  metadata?: Record<string, unknown>;
}

/** An A2A v0.3 task. */
export interface A2ATask {
  kind: "task";
  id: string;
  contextId: string;
  status: { state: A2ATaskState; message?: A2AMessage; timestamp?: string };
  artifacts?: A2AArtifact[];
  history?: A2AMessage[];
  metadata?: Record<string, unknown>;
}

/**
 * A skill advertised on an agent card. The v1.0 fields (`inputModes`, `outputModes`,
 * `securityRequirements`) are served as declared.
 */
export interface A2AAgentSkill {
  id: string;
  name: string;
  description: string;
  tags: string[];
  examples?: string[];
  /** Media types the skill accepts, overriding the card's `defaultInputModes`. */
  inputModes?: string[];
  /** Media types the skill answers with, overriding the card's `defaultOutputModes`. */
  outputModes?: string[];
  /** v1.0: the security schemes (with scopes) the skill needs: `[{ schemes: { oauth: { list: ["read"] } } }]`. */
  securityRequirements?: Record<string, unknown>[];
  [key: string]: unknown;
}

/**
 * An A2A extension an agent supports (A2A v1.0 §4.6), declared in its card's
 * `capabilities.extensions`. A caller asks for it with the `A2A-Extensions` header (v0.3:
 * `X-A2A-Extensions`); the handler sees the ones it asked for in `ctx.extensions`.
 */
export interface A2AAgentExtension {
  /** The extension's URI (with its version). */
  uri: string;
  description?: string;
  /** A caller must ask for it: a message that does not is refused (`-32008`). */
  required?: boolean;
  /** Extension-specific settings. */
  params?: Record<string, unknown>;
}

/**
 * An agent card as this SDK registers and serves it. Only `name` is required when registering;
 * the push server fills in the rest of the v0.3/v1.0 hybrid card it serves (what an author
 * declares beyond that, e.g. extensions or security schemes, is served as declared).
 */
export interface AgentCard {
  name: string;
  description?: string;
  version?: string;
  url?: string;
  skills?: A2AAgentSkill[];
  capabilities?: {
    streaming?: boolean;
    pushNotifications?: boolean;
    extensions?: A2AAgentExtension[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}
