// tasks/resubscribe and SubscribeToTask across push replicas (separate processes) sharing the
// PostgreSQL task store: a task running on one replica is followed from another (its remaining
// updates and the final one, through the store's change NOTIFY), a cancel on a third ends the
// stream `canceled`, changes made while the follower's LISTEN connection is down are re-read
// after it reconnects, and a follower of a task whose replica was killed (-9) ends when the task
// is canceled. Errors are the same on every replica. The same through two RemoteAgent push
// replicas with `streaming: true`, whose message/stream caller that hangs up leaves the task
// running (A2A v1.0.1 §3.5.2): another replica follows it to its end.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { HandlerContext, InboundMessage } from "@molecule-ai/agent-core";
import { rpc, rpcStream, waitFor } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";
import {
  runnerOf,
  startTask,
  startTaskReplica,
  useTaskReplicas,
  stateOn,
  type TaskReplica,
} from "./tasks-replicas.js";

const pg = usePostgres({ pool: true, emulator: true });
const file = useTaskReplicas(pg);
const { replicas } = file;

/** Follows a task's stream on a replica (an SSE response). */
async function follow(
  url: string,
  method: string,
  params: unknown,
  options: boolean | { bearer?: string | undefined } = false,
) {
  const stream = await rpcStream(url, method, params, options);
  expect(stream.contentType).toBe("text/event-stream");
  return stream;
}

/** The replicas other than `r`. */
const others = (r: TaskReplica): TaskReplica[] => replicas.filter((x) => x !== r);

describe("resubscribing to a task that runs on another replica", () => {
  it("tasks/resubscribe on B follows a task running on A to its result", async () => {
    const id = await startTask(file.proxy.url, "hold follow");
    const runner = await runnerOf(replicas, id);
    const [b] = others(runner);
    const sub = await follow(b!.url, "tasks/resubscribe", { id });
    expect(await sub.next()).toMatchObject({ kind: "task", id, status: { state: "working" } });
    runner.release(id);
    const rest = await sub.rest();
    expect(rest.map((e) => e["kind"])).toEqual(["artifact-update", "status-update"]);
    expect(rest[0]!["artifact"].parts).toEqual([{ kind: "text", text: "answer hold follow" }]);
    expect(rest[1]).toMatchObject({ taskId: id, status: { state: "completed" }, final: true });
  });

  it("SubscribeToTask (v1.0) on B ends `canceled` when C cancels the task running on A", async () => {
    const id = await startTask(file.proxy.url, "hold v1");
    const runner = await runnerOf(replicas, id);
    const [b, c] = others(runner);
    const sub = await follow(b!.url, "SubscribeToTask", { id }, true);
    expect((await sub.next())!["task"]).toMatchObject({
      id,
      status: { state: "TASK_STATE_WORKING" },
    });
    expect((await rpc(c!.url, "tasks/cancel", { id })).result?.status?.state).toBe("canceled");
    const rest = await sub.rest();
    expect(rest.at(-1)!["statusUpdate"].status.state).toBe("TASK_STATE_CANCELED");
    expect(await runner.line((l) => l.startsWith(`aborted ${id}`))).toBe(
      `aborted ${id} task_canceled`,
    );
    // Finished: v1.0 answers UnsupportedOperation, v0.3 one event (the Task), on every replica.
    for (const r of replicas) {
      expect((await rpc(r.url, "SubscribeToTask", { id })).error?.code).toBe(-32004);
      const again = await follow(r.url, "tasks/resubscribe", { id });
      const events = await again.rest();
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ kind: "task", status: { state: "canceled" } });
      expect((await rpc(r.url, "tasks/resubscribe", { id: "no-such-task" })).error?.code).toBe(
        -32001,
      );
    }
  });

  it("changes made while the follower's LISTEN connection is down are read after it reconnects", async () => {
    const id = await startTask(file.proxy.url, "hold reconnect");
    const runner = await runnerOf(replicas, id);
    const [b] = others(runner);
    const sub = await follow(b!.url, "tasks/resubscribe", { id });
    expect((await sub.next())!["status"].state).toBe("working");
    const { rows } = await pg.db.query(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN %task_canceled'`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(1);
    runner.release(id); // its NOTIFY may reach no follower
    const rest = await sub.rest();
    expect(rest.at(-1)).toMatchObject({ kind: "status-update", status: { state: "completed" } });
  });

  it("a follower of a task whose replica was killed (-9) ends when the task is canceled", async () => {
    const victim = replicas[2]!;
    const id = await startTask(victim.url, "hold until killed");
    await victim.line((l) => l === `started ${id}`);
    const [a, b] = others(victim);
    const sub = await follow(a!.url, "tasks/resubscribe", { id });
    expect((await sub.next())!["status"].state).toBe("working");
    victim.child.kill("SIGKILL");
    await victim.exited;
    replicas[2] = startTaskReplica("c2", pg.dbUrl);
    await replicas[2].ready;
    expect(await stateOn(b!.url, id)).toBe("working"); // its last stored state
    expect((await rpc(b!.url, "tasks/cancel", { id })).result?.status?.state).toBe("canceled");
    const rest = await sub.rest();
    expect(rest).toHaveLength(1);
    expect(rest[0]).toMatchObject({
      kind: "status-update",
      status: { state: "canceled" },
      final: true,
    });
  });
});

describe("RemoteAgent push replicas with streaming: true", () => {
  it("a task running on replica A is followed from B, also after its stream caller hung up", async () => {
    const ws = await pg.emu.admin.createWorkspace({
      name: "resubscribe-agents",
      deliveryMode: "poll",
    });
    const held = new Map<string, { signal: AbortSignal; release: () => void }>();
    const stores = [0, 1].map(() => createPostgresStore({ connectionString: pg.dbUrl }));
    const agents = stores.map(
      (store) =>
        new RemoteAgent({
          client: new PlatformClient({
            platformUrl: pg.emu.url,
            workspaceId: ws.id,
            token: ws.token!,
          }),
          store,
          register: false,
          logger: {},
          delivery: { mode: "push", port: 0, streaming: true },
          handler: async (msg: InboundMessage, ctx: HandlerContext) => {
            await new Promise<void>((release) => {
              held.set(msg.text, { signal: ctx.signal, release });
              ctx.signal.addEventListener("abort", () => release(), { once: true });
            });
            return `agent ${msg.text}`;
          },
        }),
    );
    await Promise.all(agents.map(async (a) => await a.start()));
    const [a, b] = agents.map((x) => x.pushUrl!) as [string, string];
    // What the platform sends with its pushes: these requests stand in for its.
    const bearer = agents[0]!.client.files.inboundSecret;
    try {
      const id = await startTask(a, "bg job", bearer);
      await waitFor(() => held.has("bg job"));
      const sub = await follow(b, "tasks/resubscribe", { id }, { bearer });
      expect(await sub.next()).toMatchObject({ kind: "task", id, status: { state: "working" } });
      held.get("bg job")!.release();
      const rest = await sub.rest();
      expect(rest[0]!["artifact"].parts).toEqual([{ kind: "text", text: "agent bg job" }]);
      expect(rest.at(-1)).toMatchObject({ status: { state: "completed" }, final: true });

      // A stream caller on A hangs up: the task runs on, and B follows it to its end.
      const message = {
        kind: "message",
        role: "user",
        messageId: randomUUID(),
        parts: [{ kind: "text", text: "streamed" }],
      };
      const hungUp = await follow(a, "message/stream", { message }, { bearer });
      const streamed = (await hungUp.next())!["id"] as string;
      await waitFor(() => held.has("streamed"));
      hungUp.close();
      const again = await follow(b, "tasks/resubscribe", { id: streamed }, { bearer });
      expect(await again.next()).toMatchObject({ kind: "task", status: { state: "working" } });
      held.get("streamed")!.release();
      const after = await again.rest();
      expect(after.at(-1)).toMatchObject({ status: { state: "completed" }, final: true });
      expect(held.get("streamed")!.signal.aborted).toBe(false);
    } finally {
      for (const x of agents) await x.stop();
      for (const x of agents) await x.client.close();
      for (const s of stores) await s.close();
    }
  });
});
