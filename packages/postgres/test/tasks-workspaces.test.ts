// A2A tasks on one PostgreSQL store shared by two workspaces' agents (#29): every task belongs to
// the workspace that stored it. A's push endpoint answers B's task exactly as an unknown task
// (tasks/get, tasks/cancel, tasks/resubscribe, a continuation, ListTasks), directly and through
// the emulator's proxy, and B's handler runs on. And a task started on one replica of a
// workspace is continued (`message.taskId`) on another: same id, same context, history of three.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { HandlerContext, InboundMessage } from "@molecule-ai/agent-core";
import { inputRequired, startA2AServer, type A2AMessage } from "@molecule-ai/agent-core/a2a";
import { rpc, rpcStream, waitFor } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";
import { startTask, stateOn, userMessage } from "./tasks-replicas.js";

const pg = usePostgres({ emulator: true });

const text = (m: A2AMessage): string =>
  m.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");

describe("A2A tasks on a store shared by two workspaces", () => {
  it("A's endpoint answers B's task as unknown: get, cancel, resubscribe, continue, list, proxy", async () => {
    const store = createPostgresStore({ connectionString: pg.dbUrl });
    const held: Array<{ signal: AbortSignal; release: () => void }> = [];
    const agents: RemoteAgent<PlatformClient>[] = [];
    for (const name of ["ws-a", "ws-b"]) {
      const ws = await pg.emu.admin.createWorkspace({ name, deliveryMode: "poll" });
      const client = new PlatformClient({
        platformUrl: pg.emu.url,
        workspaceId: ws.id,
        token: ws.token!,
      });
      agents.push(
        new RemoteAgent({
          client,
          store,
          logger: {},
          delivery: { mode: "push", port: 0, streaming: true },
          handler: async (msg: InboundMessage, ctx: HandlerContext) => {
            let release!: () => void;
            const released = new Promise<void>((r) => (release = r));
            held.push({ signal: ctx.signal, release });
            await released;
            return `answer ${msg.text}`;
          },
        }),
      );
    }
    try {
      await Promise.all(agents.map(async (a) => await a.start()));
      const [a, b] = agents.map((x) => x.pushUrl!) as [string, string];
      // What the platform sends with its pushes to each workspace: these requests stand in for its.
      const [authA, authB] = agents.map((x) => ({ bearer: x.client.files.inboundSecret }));
      const id = await startTask(b, "B's secret job", authB!.bearer);
      await waitFor(() => held.length === 1);
      expect(await stateOn(b, id, authB!.bearer)).toBe("working");

      expect((await rpc(a, "tasks/get", { id }, authA)).error?.code).toBe(-32001);
      expect((await rpc(a, "tasks/cancel", { id }, authA)).error?.code).toBe(-32001);
      const sub = await rpcStream(a, "tasks/resubscribe", { id }, authA);
      expect(await sub.rest()).toEqual([
        expect.objectContaining({ error: expect.objectContaining({ code: -32001 }) }),
      ]);
      const cont = await rpc(
        a,
        "message/send",
        {
          message: { ...userMessage("take it over"), taskId: id },
        },
        authA,
      );
      expect(cont.error?.code).toBe(-32001);
      const listed = await rpc(a, "ListTasks", { pageSize: 100 }, { ...authA, v1: true });
      expect(listed.result?.["tasks"]).toEqual([]);
      // Through the platform: a canvas-route cancel sent to A (which the proxy lets through), with
      // the admin bearer the canvas holds.
      const viaProxy = await fetch(
        `${pg.emu.url}/workspaces/${agents[0]!.client.workspaceId}/a2a`,
        {
          method: "POST",
          headers: {
            "content-type": "application/json",
            authorization: `Bearer ${pg.emu.adminToken}`,
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tasks/cancel", params: { id } }),
        },
      );
      const proxied = (await viaProxy.json()) as { error?: { code: number } };
      expect(proxied.error?.code).toBe(-32001);

      expect(held[0]!.signal.aborted).toBe(false);
      expect(await stateOn(b, id, authB!.bearer)).toBe("working");
      // B's own endpoint lists none either: its callers cannot be told apart (the id reads it).
      const mine = await rpc(b, "ListTasks", { pageSize: 100 }, { ...authB, v1: true });
      expect(mine.result?.["tasks"]).toEqual([]);
      held[0]!.release();
      await waitFor(async () => (await stateOn(b, id, authB!.bearer)) === "completed");
    } finally {
      for (const h of held) h.release();
      for (const x of agents) await x.stop();
      for (const x of agents) await x.client.close();
      await store.close();
    }
  });

  it("a replica continues a task another replica started (same workspace, separate stores)", async () => {
    const stores = [0, 1].map(() => createPostgresStore({ connectionString: pg.dbUrl }));
    const servers = await Promise.all(
      stores.map(
        async (s, replica) =>
          await startA2AServer({
            agentCard: { name: "weather" },
            workspaceId: "ws-w",
            taskStore: s.tasks,
            onMessage: (m, ctx) =>
              ctx.history.length === 0
                ? inputRequired(ctx, "Which city?")
                : `replica ${replica}: sunny in ${text(m)}`,
          }),
      ),
    );
    const other = await startA2AServer({
      agentCard: { name: "other" },
      workspaceId: "ws-other",
      taskStore: stores[1]!.tasks,
      onMessage: () => "never",
    });
    try {
      const [r0, r1] = servers.map((s) => s.url) as [string, string];
      const first = (await rpc(r0, "message/send", { message: userMessage("weather?") })).result!;
      expect(first.status?.state).toBe("input-required");
      const taskId = first.id as string;
      const refused = await rpc(other.url, "message/send", {
        message: { ...userMessage("Paris"), taskId },
      });
      expect(refused.error?.code).toBe(-32001);
      const done = (
        await rpc(r1, "message/send", {
          message: { ...userMessage("Paris"), messageId: randomUUID(), taskId },
        })
      ).result!;
      expect(done).toMatchObject({ id: taskId, contextId: first.contextId });
      expect(done.status?.state).toBe("completed");
      expect(done.artifacts?.[0]?.parts[0]?.text).toBe("replica 1: sunny in Paris");
      const stored = (await rpc(r0, "tasks/get", { id: taskId })).result!;
      const history = stored["history"] as Array<{ parts: Array<{ text?: string }> }>;
      expect(history.map((m) => m.parts[0]?.text)).toEqual(["weather?", "Which city?", "Paris"]);
      const again = await rpc(r0, "message/send", { message: { ...userMessage("Rome"), taskId } });
      expect(again.error?.code).toBe(-32600);
    } finally {
      for (const s of [...servers, other]) await s.close();
      for (const s of stores) await s.close();
    }
  });
});
