// A peer of long tasks for the follow-up tools' tests (issue #81 item 2): an A2A 0.3 JSON-RPC
// server over real HTTP. A message starting "long" starts a task it answers `working` at once (its
// status message says `said`) and holds until canceled or `finish`ed; any other message is
// answered with a completed message, after `gate` resolves when one is set. It records every
// JSON-RPC method it is sent, so a test can tell that a refused id reached no peer.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

interface PeerTask {
  kind: "task";
  id: string;
  contextId: string;
  status: { state: string; message?: unknown };
}

/** See the file comment. */
export interface TaskPeer {
  url: string;
  /** The JSON-RPC methods received, with the task id they named (if any), in order. */
  calls: Array<{ method: string; taskId?: string | undefined; text?: string | undefined }>;
  /** The tasks, by id. */
  tasks: Map<string, PeerTask>;
  /** When set, a plain message is answered only once it resolves. */
  gate: Promise<void> | undefined;
  /** Moves a task to a final state (its followers get it). */
  finish(taskId: string, state?: string): void;
  close(): Promise<void>;
}

const TERMINAL = new Set(["completed", "canceled", "failed", "rejected"]);

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
}

function textOf(message: unknown): string {
  const parts = (message as { parts?: Array<{ text?: string }> } | undefined)?.parts ?? [];
  return parts.map((p) => p.text ?? "").join("");
}

function reply(res: ServerResponse, id: unknown, result: unknown, error?: unknown): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(error ? { jsonrpc: "2.0", id, error } : { jsonrpc: "2.0", id, result }));
}

/** Starts a {@link TaskPeer}; `said` is the status text of its working tasks (peer text). */
export async function startTaskPeer(said = "still working on it"): Promise<TaskPeer> {
  const tasks = new Map<string, PeerTask>();
  const changed = new Map<string, Array<() => void>>();
  const calls: TaskPeer["calls"] = [];
  const peer: TaskPeer = {
    url: "",
    calls,
    tasks,
    gate: undefined,
    finish(taskId, state = "completed") {
      const task = tasks.get(taskId);
      if (!task || TERMINAL.has(task.status.state)) return;
      task.status = { state };
      for (const wake of changed.get(taskId) ?? []) wake();
      changed.delete(taskId);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ name: "task-peer", url: peer.url, version: "1", skills: [] }));
      return;
    }
    void (async () => {
      const rpc = await body(req);
      const params = (rpc["params"] ?? {}) as Record<string, unknown>;
      const method = String(rpc["method"]);
      const taskId = typeof params["id"] === "string" ? params["id"] : undefined;
      const message = params["message"] as { contextId?: string } | undefined;
      const text = method === "message/send" ? textOf(message) : undefined;
      calls.push({ method, taskId, text });
      const unknown = { code: -32001, message: "Task not found" };
      if (method === "message/send") {
        if (text?.startsWith("long")) {
          const task: PeerTask = {
            kind: "task",
            id: randomUUID(),
            contextId: message?.contextId ?? randomUUID(),
            status: {
              state: "working",
              message: {
                kind: "message",
                role: "agent",
                messageId: randomUUID(),
                parts: [{ kind: "text", text: said }],
              },
            },
          };
          tasks.set(task.id, task);
          return reply(res, rpc["id"], task);
        }
        await peer.gate;
        return reply(res, rpc["id"], {
          kind: "message",
          role: "agent",
          messageId: randomUUID(),
          parts: [{ kind: "text", text: `done: ${text}` }],
        });
      }
      const task = taskId === undefined ? undefined : tasks.get(taskId);
      if (method === "tasks/get") return reply(res, rpc["id"], task, task ? undefined : unknown);
      if (method === "tasks/cancel") {
        if (!task) return reply(res, rpc["id"], undefined, unknown);
        peer.finish(task.id, "canceled");
        return reply(res, rpc["id"], task);
      }
      if (method === "tasks/resubscribe") {
        if (!task) return reply(res, rpc["id"], undefined, unknown);
        res.writeHead(200, { "content-type": "text/event-stream" });
        const send = (result: unknown): void =>
          void res.write(`data: ${JSON.stringify({ jsonrpc: "2.0", id: rpc["id"], result })}\n\n`);
        send(task);
        if (TERMINAL.has(task.status.state)) return void res.end();
        const wakers = changed.get(task.id) ?? [];
        wakers.push(() => {
          send({
            kind: "status-update",
            taskId: task.id,
            contextId: task.contextId,
            status: task.status,
            final: true,
          });
          res.end();
        });
        changed.set(task.id, wakers);
        return;
      }
      return reply(res, rpc["id"], undefined, { code: -32601, message: "Method not found" });
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  peer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return peer;
}
