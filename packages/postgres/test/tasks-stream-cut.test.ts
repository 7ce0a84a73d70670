// A task lives until it ends or is canceled, never because a stream closed (issue #112), the same
// across replicas sharing the PostgreSQL task store: two A2A servers behind a TCP proxy that
// sends each new connection to the next replica and cuts a streaming call mid-task (once, seven
// times, and with an outage). Each re-subscription lands on the other replica than the last one,
// which follows the task through the store (its chunks are stored as they come): the caller reads
// every chunk once, in order, and the final state `completed`. Every wait is on an event.
import { generatePathSecret } from "@molecule-ai/agent-core";
import { RemoteA2AAgent, startA2AServer, type A2AStreamEvent } from "@molecule-ai/agent-core/a2a";
import { cutAndGoOn, cuttingProxy, Pacer } from "@internal/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres({});
const CHUNKS = 20;
const chunk = (i: number): string => `c${i} `;
const ALL = Array.from({ length: CHUNKS }, (_, i) => chunk(i)).join("");

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
