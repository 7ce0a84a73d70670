// A stop given its own time (`stop({ timeoutMs })`, what stopOnSignals passes) over real HTTP
// through the emulator (issue 99 item 3): running handlers get that time, not the shorter
// `drainTimeoutMs`, and an answer that comes in it is sent before the stop resolves; past it (less
// a short reserve for the answers and the state) the handler's signal aborts. The rolling update
// as deployed (two processes on one volume) is rolling-update.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { memoryStore, PlatformClient, RemoteAgent } from "../src/index.js";
import type { InboundHandler } from "../src/index.js";

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});

/** An agent (drainTimeoutMs 50 ms) and a sender; `answers()`: the sender's answers from it. */
async function setup(handler: InboundHandler) {
  const a = await emu.admin.createWorkspace({ name: "stopping", deliveryMode: "poll" });
  const s = await emu.admin.createWorkspace({ name: "sender", deliveryMode: "poll" });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: a.id, token: a.token! });
  const sender = new PlatformClient({ platformUrl: emu.url, workspaceId: s.id, token: s.token! });
  const agent = new RemoteAgent({
    client,
    store: memoryStore(),
    drainTimeoutMs: 50,
    logger: {},
    handler,
  });
  const answers = (): string[] =>
    emu
      .activity(s.id)
      .filter((r) => r["activity_type"] === "a2a_receive" && r["source_id"] === a.id)
      .map((r) => JSON.stringify(r["request_body"]).match(/done: (\w+)/)?.[1] ?? "?");
  const close = async (): Promise<void> => {
    await agent.stop();
    await Promise.all([client.close(), sender.close()]);
  };
  return { agent, sender, id: a.id, answers, close };
}

describe("stop({ timeoutMs })", () => {
  it("a handler running past drainTimeoutMs finishes within the stop's time, and its answer is sent before stop() resolves", async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let aborted: boolean | undefined;
    const t = await setup(async (msg, ctx) => {
      started();
      await new Promise((r) => setTimeout(r, 400)); // its work, ten times drainTimeoutMs
      aborted = ctx.signal.aborted;
      return `done: ${msg.text}`;
    });
    try {
      await t.agent.start();
      await t.sender.callPeer(t.id, "slow");
      await running;
      await t.agent.stop({ timeoutMs: 10_000 });
      expect(aborted).toBe(false);
      expect(t.answers()).toEqual(["slow"]); // sent, not left for a next start
    } finally {
      await t.close();
    }
  });

  it("a handler still running near the end of the stop's time has its signal aborted then, and the stop ends within its time", async () => {
    const TIME_MS = 1_500;
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let abortedAt: number | undefined;
    let stopAt = 0;
    const t = await setup(async (_msg, ctx) => {
      started();
      await new Promise((r) => ctx.signal.addEventListener("abort", r, { once: true }));
      abortedAt = performance.now() - stopAt;
      return "done: late";
    });
    try {
      await t.agent.start();
      await t.sender.callPeer(t.id, "late");
      await running;
      stopAt = performance.now();
      await t.agent.stop({ timeoutMs: TIME_MS });
      const stoppedMs = performance.now() - stopAt;
      // The reserve is a tenth of the time: aborted at 1 350 ms, not at drainTimeoutMs (50 ms).
      expect(abortedAt).toBeGreaterThanOrEqual(TIME_MS * 0.9 - 20);
      expect(stoppedMs).toBeLessThan(TIME_MS + 250); // timers are late on a busy machine
      expect(t.answers()).toEqual([]); // an aborted handler's answer is never sent
    } finally {
      await t.close();
    }
  });

  it("refuses a time that is not a number of milliseconds >= 0", async () => {
    const t = await setup(() => undefined);
    try {
      await expect(t.agent.stop({ timeoutMs: -1 })).rejects.toMatchObject({
        code: "invalid_option",
      });
    } finally {
      await t.close();
    }
  });
});
