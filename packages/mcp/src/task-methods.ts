// MCP tasks for the long tool calls (`call_peer`, `delegate_to_peer`), on both eras the server
// speaks; the tasks themselves are tool-tasks.ts.
//
// - The 2025 era (a host that opens with `initialize`): the experimental tasks of the 2025-11-25
//   specification (basic/utilities/tasks). The server declares `capabilities.tasks` (`cancel`,
//   `requests.tools.call`) and the two tools `execution.taskSupport: "optional"`; a host asks per
//   call with `params.task` (`{ ttl? }`) and gets `CreateTaskResult` `{ task }`; `tasks/get` answers
//   the task (`taskId`, `status`, `statusMessage`, `createdAt`, `lastUpdatedAt`, `ttl`,
//   `pollInterval`), `tasks/result` waits for the end and answers the tool's result (its `_meta`
//   naming the task, `io.modelcontextprotocol/related-task`), `tasks/cancel` answers the cancelled
//   task; `notifications/tasks/status` tells the session when a task ends.
// - The 2026 era (revision 2026-07-28, `_meta` on every request): the Tasks extension
//   `io.modelcontextprotocol/tasks` (SEP-2663; modelcontextprotocol/ext-tasks,
//   specification/draft/tasks.md and schema/draft/schema.json). The server declares
//   `capabilities.extensions["io.modelcontextprotocol/tasks"]`; a host declares it in a request's
//   `_meta["io.modelcontextprotocol/clientCapabilities"].extensions`, and only then does `tools/call`
//   answer a flat `CreateTaskResult` (`resultType: "task"`, the task's fields with `ttlMs` and
//   `pollIntervalMs`). `tasks/get` answers the task with the result inlined once `completed` (the
//   JSON-RPC `error` once `failed`), `tasks/cancel` and `tasks/update` an empty acknowledgement;
//   `tasks/result` is gone (-32601) and a host that does not declare the extension gets -32021 from
//   the task methods. Status notifications (`notifications/tasks`) ride a `subscriptions/listen`
//   that names `taskIds` (task-listen.ts, on both transports).
//
// A host that does not ask (no `task` parameter, no declaration) gets what it always got.
import { ProtocolError, ProtocolErrorCode } from "@modelcontextprotocol/server";
import type { McpServer, ServerContext } from "@modelcontextprotocol/server";
import { z } from "zod";
import { isTerminal, type ToolTask, type ToolTasks } from "./tool-tasks.js";

/** The Tasks extension's identifier (SEP-2663). */
const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";
/** Where a 2026-era request declares its client capabilities (`_meta`). */
const CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
/** The `_meta` key naming the task a 2025-era `tasks/result` answer belongs to. */
const RELATED_TASK = "io.modelcontextprotocol/related-task";
/** SEP-2663's "Missing Required Client Capability". */
const MISSING_CAPABILITY = -32021;

/** The tools that run as tasks when the host asks. */
const TASK_TOOLS: ReadonlySet<string> = new Set(["call_peer", "delegate_to_peer"]);

/** What a tool declares on the 2025 era (ignored by the 2026 one). */
export const TASK_EXECUTION = { taskSupport: "optional" } as const;

/** The server capabilities of an era. */
export function taskCapabilities(era: "legacy" | "modern"): Record<string, unknown> {
  return era === "legacy"
    ? { tasks: { cancel: {}, requests: { tools: { call: {} } } } }
    : { extensions: { [TASKS_EXTENSION]: {} } };
}

type Handler = (request: unknown, ctx: ServerContext) => Promise<Record<string, unknown>>;
type CallRequest = { params?: { name?: string; task?: { ttl?: unknown } | null } };

/** Sends a notification on the session a task was created in (2025 era). */
type Notify = (method: string, params: Record<string, unknown>) => void;

/**
 * Serves tasks on `server` (after its tools are registered, before it connects): `tools/call` of
 * a {@link TASK_TOOLS} tool starts a task when the host asks for one, and the task methods of the
 * server's era answer from `tasks`.
 */
export function serveTasks(
  server: McpServer,
  era: "legacy" | "modern",
  tasks: ToolTasks,
  notify?: Notify,
): void {
  // The SDK's own `tools/call` handler chain (argument and result validation, the tool): kept to
  // run the call. A task handle is another result type than `CallToolResult` (SEP-2663's
  // polymorphic results), which that chain would validate as one (adding `content: []`), so the
  // handler that may answer one takes its place in the SDK's table of handlers (the SDK is pinned;
  // mcp-tasks.test.ts checks the wire).
  const low = server.server as unknown as Record<string, Map<string, Handler>>;
  const handlers = low["_requestHandlers"]!;
  const inner = handlers.get("tools/call");
  if (inner === undefined) throw new Error("serveTasks: register the tools first");
  const wire = era === "legacy" ? legacyWire : modernWire;
  handlers.set("tools/call", async (raw, ctx) => {
    const request = raw as CallRequest;
    const ask = wire.asks(request, ctx);
    if (!TASK_TOOLS.has(request.params?.name ?? "") || ask === undefined) return inner(raw, ctx);
    // The call runs under the task's signal, not the request's (which ends with the answer).
    const run = (signal: AbortSignal) =>
      inner(withoutTask(request), { ...ctx, mcpReq: { ...ctx.mcpReq, signal } });
    const task = tasks.start(run, {
      ttlMs: ask.ttlMs,
      onEnd: (t) => notify?.("notifications/tasks/status", legacyTask(t)),
    });
    if (task === undefined) return inner(withoutTask(request), ctx); // full: no task this time
    return wire.created(task);
  });
  if (era === "legacy") serveLegacy(server, tasks);
  else serveModern(server, tasks);
}

/** How an era reads a host's ask for a task and answers its creation. */
interface Wire {
  asks(request: CallRequest, ctx: ServerContext): { ttlMs: number | undefined } | undefined;
  created(task: ToolTask): Record<string, unknown>;
}

const legacyWire: Wire = {
  asks: (request) => {
    const task = request.params?.task;
    if (task === undefined || task === null || typeof task !== "object") return undefined;
    return { ttlMs: typeof task.ttl === "number" ? task.ttl : undefined };
  },
  created: (task) => ({ task: legacyTask(task) }),
};

const modernWire: Wire = {
  asks: (_request, ctx) => (declaresTasks(ctx) ? { ttlMs: undefined } : undefined),
  created: (task) => ({ resultType: "task", ...modernTask(task) }),
};

/** `request` without its `task` parameter (the call itself, as a host without tasks sends it). */
function withoutTask(request: CallRequest): CallRequest {
  const { task: _task, ...params } = request.params ?? {};
  return { ...request, params };
}

/** Whether a 2026-era request declares the Tasks extension in its client capabilities. */
function declaresTasks(ctx: ServerContext): boolean {
  const req = ctx.mcpReq as unknown as Record<string, Record<string, unknown> | undefined>;
  return declares(req["envelope"]) || declares(req["_meta"]);
}

/** Whether a request's `_meta` (or lifted envelope) declares the Tasks extension. */
export function declares(meta: Record<string, unknown> | undefined): boolean {
  const caps = meta?.[CLIENT_CAPABILITIES] as { extensions?: Record<string, unknown> } | undefined;
  return caps?.extensions?.[TASKS_EXTENSION] !== undefined;
}

/** SEP-2663's -32021 error object: the extension the request must declare. */
export const MISSING_TASKS = {
  code: MISSING_CAPABILITY,
  message: "Missing required client capability",
  data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
};

/**
 * A task's wire fields: the two eras differ only in the names of its keep time and poll interval
 * (2025-11-25: `ttl`, `pollInterval`; the Tasks extension: `ttlMs`, `pollIntervalMs`).
 */
function taskFields(
  task: ToolTask,
  ttl: "ttl" | "ttlMs",
  poll: "pollInterval" | "pollIntervalMs",
): Record<string, unknown> {
  return {
    taskId: task.taskId,
    status: task.status,
    ...(task.statusMessage !== undefined ? { statusMessage: task.statusMessage } : {}),
    createdAt: task.createdAt,
    lastUpdatedAt: task.lastUpdatedAt,
    [ttl]: task.ttlMs,
    [poll]: task.pollIntervalMs,
  };
}

const legacyTask = (task: ToolTask) => taskFields(task, "ttl", "pollInterval");
const modernTask = (task: ToolTask) => taskFields(task, "ttlMs", "pollIntervalMs");

/**
 * The Tasks extension's `DetailedTask`: the task with the call's `result` once `completed`, its
 * JSON-RPC `error` once `failed` (`tasks/get` and `notifications/tasks` carry it).
 */
export function detailedTask(task: ToolTask): Record<string, unknown> {
  return {
    ...modernTask(task),
    ...(task.status === "completed" ? { result: task.result } : {}),
    ...(task.status === "failed" ? { error: task.error } : {}),
  };
}

/** The task `taskId`, or the -32602 both eras answer for an unknown (or expired) one. */
function known(tasks: ToolTasks, taskId: string): ToolTask {
  const task = tasks.get(taskId);
  if (task === undefined) {
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      "Failed to retrieve task: task not found (it never existed here, or it expired)",
    );
  }
  return task;
}

/** The 2025-era task methods: `tasks/get`, `tasks/result`, `tasks/cancel`. */
function serveLegacy(server: McpServer, tasks: ToolTasks): void {
  const low = server.server as unknown as {
    setRequestHandler(
      method: string,
      handler: (request: { params: { taskId: string } }) => Promise<Record<string, unknown>>,
    ): void;
  };
  low.setRequestHandler("tasks/get", async (req) => legacyTask(known(tasks, req.params.taskId)));
  low.setRequestHandler("tasks/result", async (req) => {
    const task = known(tasks, req.params.taskId);
    await task.ended;
    if (task.status === "failed") throw new ProtocolError(task.error!.code, task.error!.message);
    if (task.status === "cancelled") {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        "The task was cancelled: it has no result",
      );
    }
    const result = task.result!;
    const meta = result["_meta"] as Record<string, unknown> | undefined;
    return { ...result, _meta: { ...meta, [RELATED_TASK]: { taskId: task.taskId } } };
  });
  low.setRequestHandler("tasks/cancel", async (req) => {
    const task = known(tasks, req.params.taskId);
    if (isTerminal(task.status)) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Cannot cancel task: it is already ${task.status}`,
      );
    }
    return legacyTask(tasks.cancel(task.taskId)!);
  });
}

const TASK_ID = z.object({ taskId: z.string() }).loose();

/** Throws SEP-2663's -32021 unless the request declares the extension. */
function declared(ctx: ServerContext): void {
  if (declaresTasks(ctx)) return;
  throw new ProtocolError(MISSING_TASKS.code, MISSING_TASKS.message, MISSING_TASKS.data);
}

/** The 2026-era task methods of the Tasks extension: `tasks/get`, `tasks/cancel`, `tasks/update`. */
function serveModern(server: McpServer, tasks: ToolTasks): void {
  const low = server.server;
  low.setRequestHandler("tasks/get", { params: TASK_ID }, async (params, ctx) => {
    declared(ctx);
    return { resultType: "complete", ...detailedTask(known(tasks, params.taskId)) };
  });
  low.setRequestHandler("tasks/cancel", { params: TASK_ID }, async (params, ctx) => {
    declared(ctx);
    tasks.cancel(known(tasks, params.taskId).taskId);
    return { resultType: "complete" };
  });
  // No task of this server asks for input: responses to keys it never issued are ignored.
  low.setRequestHandler("tasks/update", { params: TASK_ID }, async (params, ctx) => {
    declared(ctx);
    known(tasks, params.taskId);
    return { resultType: "complete" };
  });
}
