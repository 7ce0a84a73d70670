// Push replicas (separate processes) share the A2A task store on PostgreSQL, behind a round-robin
// proxy: tasks/get answers a task's live state and result on every replica, tasks/cancel on any
// replica aborts the handler on the replica running it, a replica restarted after kill -9 still
// answers for the tasks it ran, and the A2A error codes are the same everywhere.
import { describe, expect, it } from "vitest";
import { rpc, waitFor } from "@internal/test-utils";
import { usePostgres } from "./setup-db.js";
import {
  runnerOf,
  startTask,
  startTaskReplica,
  useTaskReplicas,
  stateOn,
  userMessage,
  type TaskReplica,
} from "./tasks-replicas.js";

const TASK_NOT_FOUND = -32001;
const TASK_NOT_CANCELABLE = -32002;

const pg = usePostgres({ pool: true });
const file = useTaskReplicas(pg);
const { replicas } = file;

/** The replicas other than `r`. */
const others = (r: TaskReplica): TaskReplica[] => replicas.filter((x) => x !== r);

/** Every replica's answer to tasks/get for `taskId`. */
const states = async (taskId: string): Promise<Array<string | number>> =>
  await Promise.all(replicas.map(async (r) => await stateOn(r.url, taskId)));

describe("A2A task store shared by push replicas", () => {
  it("every replica answers a task's live state, then its result", async () => {
    const id = await startTask(file.proxy.url, "hold live");
    const runner = await runnerOf(replicas, id);
    // "working" is stored before the handler starts: every replica reads it from the store.
    expect(await states(id)).toEqual(["working", "working", "working"]);
    runner.release(id);
    await waitFor(async () => (await states(id)).every((s) => s === "completed"), {
      timeoutMs: 30_000,
    });
    for (const r of replicas) {
      const task = (await rpc(r.url, "tasks/get", { id })).result!;
      expect(task.artifacts?.[0]?.parts[0]?.text).toBe("answer hold live");
      const v1 = await rpc(r.url, "GetTask", { id }); // the v1.0 dialect reads the same row
      expect(JSON.stringify(v1)).toContain("answer hold live");
    }
  });

  it("tasks/cancel on another replica aborts the handler where it runs", async () => {
    const id = await startTask(file.proxy.url, "hold cancel");
    const runner = await runnerOf(replicas, id);
    const other = others(runner)[0]!;
    const canceled = await rpc(other.url, "tasks/cancel", { id });
    expect(canceled.result?.status?.state).toBe("canceled");
    // The handler on the runner observes signal.aborted, with the cancel as the reason.
    expect(await runner.line((l) => l.startsWith(`aborted ${id}`))).toBe(
      `aborted ${id} task_canceled`,
    );
    expect(await states(id)).toEqual(["canceled", "canceled", "canceled"]);
    for (const r of replicas) {
      const again = await rpc(r.url, "tasks/cancel", { id });
      expect(again.error?.code).toBe(TASK_NOT_CANCELABLE);
      expect(again.error?.message).toContain("canceled");
    }
  });

  it("a streamed task canceled on another replica ends its stream as canceled", async () => {
    const [a, b] = replicas;
    const res = await fetch(a!.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "message/stream",
        params: { message: userMessage("hold stream") },
      }),
    });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!/"id":"([^"]+)"/.test(text)) text += (await reader.read()).value ?? "";
    const id = /"id":"([^"]+)"/.exec(text)![1]!;
    await a!.line((l) => l === `started ${id}`);
    expect((await rpc(b!.url, "tasks/cancel", { id })).result?.status?.state).toBe("canceled");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    expect(text).toMatch(/"kind":"status-update".*"state":"canceled".*"final":true/);
    expect(await a!.line((l) => l.startsWith(`aborted ${id}`))).toBe(`aborted ${id} task_canceled`);
  });

  it("unknown tasks: -32001 on every replica for get and cancel", async () => {
    for (const r of replicas) {
      expect(await stateOn(r.url, "no-such-task")).toBe(TASK_NOT_FOUND);
      const cancel = await rpc(r.url, "tasks/cancel", { id: "no-such-task" });
      expect(cancel.error?.code).toBe(TASK_NOT_FOUND);
    }
  });

  it("a cancel made while the runner's LISTEN connection is down still reaches it", async () => {
    const id = await startTask(file.proxy.url, "hold reconnect");
    const runner = await runnerOf(replicas, id);
    // Every replica loses its LISTEN session; the cancel's NOTIFY reaches nobody.
    const { rows } = await pg.db.query(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN %task_canceled'`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(1); // at least the runner's
    expect((await rpc(others(runner)[0]!.url, "tasks/cancel", { id })).result?.status?.state).toBe(
      "canceled",
    );
    // Replayed from the table after the reconnect.
    expect(await runner.line((l) => l.startsWith(`aborted ${id}`))).toBe(
      `aborted ${id} task_canceled`,
    );
  });

  it("a replica restarted after kill -9 answers for the tasks it ran", async () => {
    const victim = replicas[2]!;
    const done = await Promise.all(
      [1, 2, 3].map(async (i) => await startTask(victim.url, `q${i}`)),
    );
    await waitFor(
      async () =>
        (await Promise.all(done.map(async (id) => await stateOn(victim.url, id)))).every(
          (s) => s === "completed",
        ),
      { timeoutMs: 30_000 },
    );
    const held = await startTask(victim.url, "hold forever");
    await victim.line((l) => l === `started ${held}`);
    victim.child.kill("SIGKILL");
    await victim.exited;
    const restarted = startTaskReplica("c2", pg.dbUrl);
    replicas[2] = restarted;
    await restarted.ready;
    for (const id of done) {
      expect(await states(id)).toEqual(["completed", "completed", "completed"]);
      const task = (await rpc(restarted.url, "tasks/get", { id })).result!;
      expect(task.artifacts?.[0]?.parts[0]?.text).toMatch(/^answer q\d$/);
    }
    // The task its dead process was running stays visible and can still be canceled.
    expect(await states(held)).toEqual(["working", "working", "working"]);
    expect((await rpc(restarted.url, "tasks/cancel", { id: held })).result?.status?.state).toBe(
      "canceled",
    );
    expect(await states(held)).toEqual(["canceled", "canceled", "canceled"]);
  });
});
