// A task lives until it ends or is canceled, never because a stream closed (issue #112), the same
// across replicas sharing the PostgreSQL task store: two A2A servers behind a TCP proxy that
// sends each new connection to the next replica and cuts a streaming call mid-task (once, seven
// times, and with an outage). Each re-subscription lands on the other replica than the last one,
// which follows the task through the store (its chunks are stored as they come): the caller reads
// every chunk once, in order, and the final state `completed`. A task whose stream was cut and
// that only a stream on the other replica follows lives on (that replica tells the runner through
// the store); once nobody follows it, it ends by the policy (`unwatchedTaskTtlMs`). Every wait is
// on an event.
import { generatePathSecret } from "@molecule-ai/agent-core";
import { RemoteA2AAgent, startA2AServer, type A2AStreamEvent } from "@molecule-ai/agent-core/a2a";
import {
  cutAndGoOn,
  cuttingProxy,
  Pacer,
  rpc,
  rpcStream,
  stallMeter,
  waitFor,
} from "@internal/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres({});
const CHUNKS = 20;
const chunk = (i: number): string => `c${i} `;
const ALL = Array.from({ length: CHUNKS }, (_, i) => chunk(i)).join("");
/** The text of a task's (or an event's) artifacts, in order. */
const textOf = (artifacts: unknown): string =>
  ((artifacts ?? []) as { parts: { kind: string; text?: string }[] }[])
    .flatMap((a) => a.parts)
    .map((p) => (p.kind === "text" ? (p.text ?? "") : ""))
    .join("");

const closers: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const close of closers.splice(0).toReversed()) await close();
});

const SCENARIOS: Array<[string, { after: number[]; outage?: boolean }]> = [
  ["cut once", { after: [4] }],
  ["cut seven times", { after: [1, 3, 5, 7, 9, 11, 13] }],
  ["cut, then an outage", { after: [4], outage: true }],
];

describe("a stream cut mid-task, re-subscribed on another replica", () => {
  it.each(SCENARIOS)("%s: every chunk once, in order, and `completed`", async (_s, cuts) => {
    const pacer = new Pacer();
    const pathSecret = generatePathSecret();
    const servers = [];
    for (let r = 0; r < 2; r++) {
      const store = createPostgresStore({ connectionString: pg.dbUrl });
      closers.push(() => store.close());
      const server = await startA2AServer({
        agentCard: { name: "chunks" },
        pathSecret,
        streaming: true,
        taskStore: store.tasks,
        onMessage: async function* () {
          for (let i = 0; i < CHUNKS; i++) {
            await pacer.until(i);
            yield chunk(i);
          }
        },
      });
      closers.push(() => server.close());
      servers.push(server);
    }
    const proxy = await cuttingProxy(servers.map((s) => s.url));
    closers.push(() => proxy.close());
    const agent = new RemoteA2AAgent({
      url: `${proxy.url}${new URL(servers[0]!.url).pathname}`,
      allowPrivateNetwork: true,
    });
    closers.push(() => agent.close());
    const after = [...cuts.after];
    pacer.allow(after[0]! + 1);
    const events: A2AStreamEvent[] = [];
    let text = "";
    let error: unknown;
    try {
      for await (const e of agent.stream("go")) {
        events.push(e);
        if (e.kind === "artifact-update")
          for (const p of e.artifact.parts) text += p.kind === "text" ? p.text : "";
        const next = after[0];
        if (next !== undefined && text.includes(chunk(next))) {
          after.shift();
          cutAndGoOn(proxy, pacer, next, (after[0] ?? CHUNKS - 1) + 1, cuts.outage);
        }
      }
    } catch (err) {
      error = err;
    }
    const states = events.flatMap((e) =>
      e.kind === "status-update"
        ? [e.status.state]
        : e.kind === "task"
          ? [e.task.status.state]
          : [],
    );
    expect(error).toBeUndefined();
    expect(text).toBe(ALL);
    expect(states.at(-1)).toBe("completed");
    expect(proxy.accepted - proxy.refused).toBeGreaterThan(cuts.after.length);
  });
});

describe("a task only another replica follows", () => {
  // A time to live is real time by nature: the follower tells the runner every third of it, so
  // only a stall of this process (both replicas run in it) of two thirds of it can end the task
  // early. The test measures its own stalls: a task ended while one that long happened is said to
  // be the stall's, and the run is skipped.
  it("lives on while that replica follows it, then ends by the unwatched-task policy", async ({
    skip,
  }) => {
    const pacer = new Pacer();
    const pathSecret = generatePathSecret();
    const reasons: unknown[] = [];
    let beats = 0; // the follower replica's notices to the runner
    const [a, b] = [0, 1].map(() => createPostgresStore({ connectionString: pg.dbUrl }));
    for (const s of [a!, b!]) closers.push(() => s.close());
    const tell = b!.tasks.followed!.bind(b!.tasks);
    b!.tasks.followed = async (taskId, workspaceId) => {
      beats++;
      await tell(taskId, workspaceId);
    };
    const [runner, follower] = await Promise.all(
      [a!, b!].map((store) =>
        startA2AServer({
          agentCard: { name: "chunks" },
          pathSecret,
          streaming: true,
          taskStore: store.tasks,
          // A time to live is real time by nature: the follower tells the runner every third of
          // it, so only a stall of two thirds of it (1 s) could cancel the task early.
          unwatchedTaskTtlMs: 1_500,
          onMessage: async function* (_m, ctx) {
            ctx.signal.addEventListener("abort", () => reasons.push(ctx.signal.reason));
            for (let i = 0; i < 3; i++) {
              await pacer.until(i);
              yield chunk(i);
            }
          },
        }),
      ),
    );
    for (const s of [runner!, follower!]) closers.push(() => s.close());
    const message = {
      kind: "message",
      role: "user",
      messageId: crypto.randomUUID(),
      parts: [{ kind: "text", text: "go" }],
    };
    const stream = await rpcStream(runner!.url, "message/stream", { message });
    const id = (await stream.next())!["id"] as string;
    pacer.allow(1);
    expect((await stream.next())!["kind"]).toBe("artifact-update");
    const stalls = stallMeter();
    closers.push(() => stalls.stop());
    stream.close(); // the runner's own stream is gone
    const cut = performance.now();
    const sub = await rpcStream(follower!.url, "tasks/resubscribe", { id });
    closers.push(() => sub.close());
    const snapshot = await sub.next();
    expect(snapshot).toMatchObject({ kind: "task", status: { state: "working" } });
    // Over 2 s: past the time to live, counted from the cut.
    await waitFor(() => beats >= 5 || reasons.length > 0);
    const stalled = stalls.longestMs(cut, performance.now());
    // Ended while this process stalled that long: the stall's end, not the policy's (said, and
    // the run skipped: the task's life was not tested in it).
    if (reasons.length > 0 && stalled >= 1_000)
      return skip(`this process stalled ${Math.round(stalled)} ms: the task ended by the stall`);
    expect(reasons).toEqual([]);
    pacer.allow(2);
    // Each chunk once, in order, over the snapshot and the events after it: the runner sends a
    // chunk to its own caller before the store has it, so the snapshot may come before the first
    // chunk (which then comes as an event); a chunk in both would be a duplicate.
    let text = textOf(snapshot?.["artifacts"]);
    while (!text.includes(chunk(1))) {
      const event = await sub.next();
      expect(event).toMatchObject({ kind: "artifact-update" });
      text += textOf([event?.["artifact"]]);
    }
    expect(text).toBe(chunk(0) + chunk(1));
    sub.close(); // nobody follows it any more
    await waitFor(() => reasons.length === 1);
    expect((reasons[0] as { code?: string }).code).toBe("task_unwatched");
    // The handler's signal aborts first; the canceled status is then written to the store, which
    // the other replica reads: wait for that write, not for a time.
    const state = async () => (await rpc(follower!.url, "tasks/get", { id })).result?.status?.state;
    await waitFor(async () => (await state()) !== "working");
    expect(await state()).toBe("canceled");
  });
});
