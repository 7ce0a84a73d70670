// #48: two RemoteAgents over the emulator (as in the emulator demo) hold a multi-turn task with
// `callPeer(peer, text, { taskId })` alone. A call that continues a task sends the task's own
// contextId (from the peer's earlier answer), or none when the agent does not know it (valid A2A:
// the peer uses the task's), never a fresh random one (which a peer refuses with -32600).
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { askForInput } from "../src/adapters/index.js";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import type { InboundMessage, PeerCallResult, RemoteAgentOptions } from "../src/index.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

type Mode = "push" | "poll";

async function workspace(emu: Emulator, name: string) {
  const w = await emu.admin.createWorkspace({ name });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
  cleanups.push(() => client.close());
  return { id: w.id, client };
}

async function run(
  client: PlatformClient,
  mode: Mode,
  handler: RemoteAgentOptions<PlatformClient>["handler"],
): Promise<RemoteAgent<PlatformClient>> {
  const agent = new RemoteAgent({
    client,
    handler,
    logger: {},
    pollIntervalMs: 100,
    delivery: mode === "push" ? { mode: "push", port: 0 } : "poll",
  });
  cleanups.push(() => agent.stop());
  await agent.start();
  expect(agent.delivery).toBe(mode);
  return agent;
}

/** The forecast agent: asks for the city, then the day, then answers, all in one task. */
function forecast(seen: InboundMessage[]) {
  const turns = new Map<string, string[]>();
  return (msg: InboundMessage): string => {
    seen.push(msg);
    if (msg.taskId === undefined) return askForInput(msg, "Which city?");
    const said = [...(turns.get(msg.taskId) ?? []), msg.text];
    turns.set(msg.taskId, said);
    return said.length === 1 ? askForInput(msg, "Which day?") : `Sunny in ${said.join(" on ")}`;
  };
}

function taskOf(r: PeerCallResult): { taskId?: string; contextId?: string } {
  return r.status === "queued" ? {} : { taskId: r.taskId, contextId: r.contextId };
}

/** The contextId of the last message the callee's workspace received through the proxy. */
function lastContextOnWire(emu: Emulator, callee: string): unknown {
  const rows = emu.activity(callee).filter((r) => r["activity_type"] === "a2a_receive");
  const body = rows.at(-1)?.["request_body"] as { params: { message: Record<string, unknown> } };
  return body.params.message["contextId"];
}

const cases: Array<{ compat: "latest" | "2026-04"; caller: Mode; callee: Mode }> = [
  { compat: "latest", caller: "poll", callee: "push" }, // the emulator demo's coordinator
  { compat: "latest", caller: "poll", callee: "poll" },
  { compat: "latest", caller: "push", callee: "poll" },
  { compat: "latest", caller: "push", callee: "push" },
  { compat: "2026-04", caller: "push", callee: "push" },
];

describe("a multi-turn task with callPeer(peer, text, { taskId }) alone", () => {
  for (const { compat, caller, callee } of cases) {
    it(`${caller} caller, ${callee} callee (${compat}): two questions, then the answer, one task`, async () => {
      const emu = await startEmulator({ compat });
      cleanups.push(() => emu.close());
      const seen: InboundMessage[] = [];
      const b = await workspace(emu, "forecast");
      await run(b.client, callee, forecast(seen));
      const a = await workspace(emu, "caller");
      const agentA = await run(a.client, caller, () => undefined);
      const opts = { timeoutMs: 30_000 };

      const first = await agentA.callPeer(b.id, "What is the forecast?", opts);
      expect([first.status, first.status !== "queued" && first.text]).toEqual([
        "input-required",
        "Which city?",
      ]);
      const { taskId, contextId } = taskOf(first);
      expect(taskId).toBeTruthy();
      expect(contextId).toBeTruthy();

      const second = await agentA.callPeer(b.id, "Paris", { taskId: taskId!, ...opts });
      expect(lastContextOnWire(emu, b.id)).toBe(contextId); // the task's own, not a fresh one
      expect([second.status, taskOf(second)]).toEqual(["input-required", { taskId, contextId }]);

      const third = await agentA.callPeer(b.id, "Monday", { taskId: taskId!, ...opts });
      expect(lastContextOnWire(emu, b.id)).toBe(contextId);
      expect([third.status, third.status !== "queued" && third.text]).toEqual([
        "completed",
        "Sunny in Paris on Monday",
      ]);
      expect(taskOf(third).taskId).toBe(taskId);
      expect(seen.map((m) => [m.text, m.taskId, m.contextId])).toEqual([
        ["What is the forecast?", undefined, seen[0]!.contextId],
        ["Paris", taskId, contextId],
        ["Monday", taskId, contextId],
      ]);
    });
  }

  for (const callee of ["push", "poll"] as const) {
    it(`an agent that does not know the task's contextId sends none, and the ${callee} callee continues the task`, async () => {
      const emu = await startEmulator();
      cleanups.push(() => emu.close());
      const seen: InboundMessage[] = [];
      const b = await workspace(emu, "forecast");
      await run(b.client, callee, forecast(seen));
      const a = await workspace(emu, "caller");
      const opts = { timeoutMs: 30_000 };
      const before = await run(a.client, "poll", () => undefined);
      const first = await before.callPeer(b.id, "What is the forecast?", opts);
      const { taskId, contextId } = taskOf(first);
      expect([first.status, taskId !== undefined]).toEqual(["input-required", true]);
      await before.stop();

      // A new agent (a restart): it never saw the task's answer, so it sends no contextId.
      const after = await run(a.client, "poll", () => undefined);
      const second = await after.callPeer(b.id, "Oslo", { taskId: taskId!, ...opts });
      expect(lastContextOnWire(emu, b.id)).toBeUndefined();
      expect([second.status, taskOf(second)]).toEqual(["input-required", { taskId, contextId }]);
      // It learnt the context from that answer: the next turn sends it.
      const third = await after.callPeer(b.id, "Friday", { taskId: taskId!, ...opts });
      expect(lastContextOnWire(emu, b.id)).toBe(contextId);
      expect([third.status, taskOf(third).taskId]).toEqual(["completed", taskId]);
      expect(seen.map((m) => m.contextId)).toEqual([contextId, contextId, contextId]);
    });
  }
});

describe("a handler's ctx.callPeer with a taskId", () => {
  it("continues the peer's task in the peer's conversation, not the inbound message's", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const seen: InboundMessage[] = [];
    const b = await workspace(emu, "forecast");
    await run(b.client, "push", forecast(seen));
    const a = await workspace(emu, "relay");
    let task: string | undefined;
    await run(a.client, "push", async (msg, ctx) => {
      const r = await ctx.callPeer(b.id, msg.text, task ? { taskId: task } : {});
      if (r.status !== "queued") task = r.taskId;
      return r.status === "queued" ? "queued" : `${r.status}: ${r.text}`;
    });
    const user = await workspace(emu, "user");
    const texts: string[] = [];
    // Each of the user's messages in a conversation of its own: only the first names B's task's.
    for (const [i, text] of ["What is the forecast?", "Rome", "Sunday"].entries()) {
      const r = await user.client.callPeer(a.id, text, { contextId: `user-${i}` });
      texts.push(r.status === "queued" ? "queued" : r.text);
    }
    expect(texts.map((t) => t.replace(/\[\/?A2A_RESULT_FROM_PEER\]\n?/g, "").trim())).toEqual([
      "input-required: Which city?",
      "input-required: Which day?",
      "completed: Sunny in Rome on Sunday",
    ]);
    expect(seen.map((m) => m.contextId)).toEqual(["user-0", "user-0", "user-0"]);
  });
});
