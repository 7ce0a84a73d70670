// What the canvas API sends the page (`/canvas/api/org`, `/canvas/api/events`,
// `/canvas/api/approvals`). No imports: the
// page (canvas-page/) type-checks against this file alone.

/** A workspace card. */
export interface CanvasWorkspace {
  id: string;
  name: string;
  role: string | null;
  status: string;
  parentId: string | null;
  /** An external-runtime workspace: its agent runs outside the platform. */
  remote: boolean;
  delivery: "push" | "poll";
  /**
   * The workspace has an agent URL. Push delivery needs one: without it a call through the
   * platform's proxy gets 503 "workspace has no URL", whatever the status says.
   */
  hasUrl: boolean;
  /** Emulator clock ms of the last accepted heartbeat (or registration). */
  lastHeartbeatAt: number | null;
  activeTasks: number;
  currentTask: string;
}

/** How a call ended, as the platform saw it (or as the caller reported it). */
export type Outcome =
  | "completed"
  | "queued"
  | "failed"
  | "dead-lettered"
  | "pending"
  | "dispatched"
  | "sent";

/** One exchange between two cards. `from: null` is the canvas user. */
export interface CanvasTraffic {
  id: string;
  seq: number;
  kind: "message" | "delegation" | "reply" | "notify";
  from: string | null;
  to: string;
  method: string | null;
  outcome: Outcome;
  latencyMs: number | null;
  at: number;
  /** `message.role` as the sender wrote it (a claim: shown, never trusted). */
  role: string | null;
  contextId: string | null;
  messageId: string | null;
  /** The trace id and the caller's span id from a W3C `traceparent` in the message metadata. */
  traceId: string | null;
  parentSpanId: string | null;
  /** What was asked (peer output: untrusted; the page renders it as text). */
  text: string;
  /** What came back, when the platform saw the answer. */
  answer: string;
  error: string | null;
}

/** A pending approval: an agent waits for a person to approve or deny `action`. */
export interface CanvasApproval {
  id: string;
  /** The requester (the workspace whose agent waits). */
  workspaceId: string;
  /** What the agent asks to do, and why (the agent's words: untrusted, shown as text). */
  action: string;
  reason: string;
  taskId: string;
  /** Emulator clock ms of the request (pending approvals expire, denied, after 10 minutes). */
  createdAt: number;
}

/** One frame of the feed. */
export interface FeedFrame {
  /** Emulator clock ms when the frame was built (the page ages heartbeats against it). */
  now: number;
  workspaces: CanvasWorkspace[];
  traffic: CanvasTraffic[];
  /** The whole pending list (the 50 newest), when it changed since the last frame. */
  approvals?: CanvasApproval[];
}

/** The org as the page first loads it. */
export interface OrgSnapshot extends FeedFrame {
  compat: string;
  approvals: CanvasApproval[];
  /** The org of a SaaS tenant (`orgId`): the page sends it as `X-Molecule-Org-Id` on its calls. */
  orgId?: string;
}
