// Task status notifications of the Tasks extension (SEP-2663, "Task Status Notifications") for a
// 2026-era host over Streamable HTTP: a `subscriptions/listen` whose filter names only `taskIds`
// is answered here (the MCP SDK's listen router knows the four list and resource filters, not
// this one). The stream acknowledges the tasks it will report on (the known ones among them), sends
// one `notifications/tasks` (the `DetailedTask`, as `tasks/get` would answer it) as each ends,
// and ends with the listen's result once all have. A listen that names anything else is the SDK's.
import { declares, detailedTask, MISSING_TASKS } from "./task-methods.js";
import type { ToolTasks } from "./tool-tasks.js";

/** The `_meta` key of the subscription id every message of a listen stream carries. */
const SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";
/** Most task ids one listen may name (more are not acknowledged). */
const MAX_TASK_IDS = 256;
/** The SSE comment sent while nothing else is (ms): idle proxies keep the stream open. */
const KEEPALIVE_MS = 15_000;
/** Most task listens open at once per server (the SDK's own listens have their own bound). */
const MAX_LISTENS = 256;

/** The task listens open per store of tasks (one store per server). */
const open = new WeakMap<ToolTasks, number>();

interface ListenRequest {
  id: string | number;
  method: string;
  params?: { notifications?: Record<string, unknown>; _meta?: Record<string, unknown> };
}

/** Whether `message` is a `subscriptions/listen` that asks for task status only. */
function taskListen(message: unknown): message is ListenRequest {
  const m = message as ListenRequest | null;
  const filter = m?.params?.notifications;
  if (m?.method !== "subscriptions/listen" || filter === undefined || filter === null) return false;
  const keys = Object.keys(filter);
  return keys.length === 1 && keys[0] === "taskIds" && Array.isArray(filter["taskIds"]);
}

/**
 * The answer to `message` when it is a task-status-only `subscriptions/listen` (see the file
 * comment), else `undefined` (the SDK serves it). `signal` aborts when the host leaves.
 */
export function serveTaskListen(
  message: unknown,
  tasks: ToolTasks,
  signal: AbortSignal,
): Response | undefined {
  if (!taskListen(message)) return undefined;
  const id = message.id;
  if (!declares(message.params?.["_meta"])) {
    return Response.json({ jsonrpc: "2.0", id, error: MISSING_TASKS });
  }
  const count = open.get(tasks) ?? 0;
  if (count >= MAX_LISTENS) {
    return Response.json({
      jsonrpc: "2.0",
      id,
      error: { code: -32603, message: "Subscription limit reached" },
    });
  }
  const asked = (message.params!.notifications!["taskIds"] as unknown[]).slice(0, MAX_TASK_IDS);
  const honored = [...new Set(asked.filter((t): t is string => typeof t === "string"))].flatMap(
    (taskId) => tasks.get(taskId) ?? [],
  );
  const encoder = new TextEncoder();
  const meta = { [SUBSCRIPTION_ID]: id };
  let closed = false;
  let keepalive: ReturnType<typeof setInterval> | undefined;
  let stream!: ReadableStreamDefaultController<Uint8Array>;
  const write = (frame: object): void => {
    if (!closed)
      stream.enqueue(encoder.encode(`event: message\ndata: ${JSON.stringify(frame)}\n\n`));
  };
  const close = (graceful: boolean): void => {
    if (closed) return;
    if (graceful) write({ jsonrpc: "2.0", id, result: { resultType: "complete", _meta: meta } });
    closed = true;
    open.set(tasks, (open.get(tasks) ?? 1) - 1);
    clearInterval(keepalive);
    signal.removeEventListener("abort", onAbort);
    stream.close();
  };
  const onAbort = (): void => close(false);
  open.set(tasks, count + 1);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      stream = controller;
      write({
        jsonrpc: "2.0",
        method: "notifications/subscriptions/acknowledged",
        params: { notifications: { taskIds: honored.map((t) => t.taskId) }, _meta: meta },
      });
      let left = honored.length;
      if (left === 0) return close(true);
      keepalive = setInterval(() => {
        if (!closed) controller.enqueue(encoder.encode(": keepalive\n\n"));
      }, KEEPALIVE_MS);
      for (const task of honored) {
        void task.ended.then(() => {
          write({
            jsonrpc: "2.0",
            method: "notifications/tasks",
            params: { ...detailedTask(task), _meta: meta },
          });
          if (--left === 0) close(true);
        });
      }
    },
    cancel: () => close(false),
  });
  if (signal.aborted) close(false);
  else signal.addEventListener("abort", onAbort, { once: true });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform" },
  });
}
