// An answer nobody awaits (it came after the caller's callPeer gave up) reaches the agent as an
// inbound answer (`msg.isReply`): each adapter's createPeerMessageHandler (loops.ts) must neither
// run the model on it nor keep it in the conversation's history as a user turn. Over the emulator,
// poll delivery.
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { AgentEventMap } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { afterEach, describe, expect, it } from "vitest";
import { loops } from "./loops.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

describe.each(loops)("$name: an answer that arrives after its callPeer gave up", (loop) => {
  it("never reaches the model nor the history", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const client = async (name: string) => {
      const w = await emu.admin.createWorkspace({ name });
      const c = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token! });
      cleanups.push(() => c.close());
      return c;
    };
    // The slow peer answers only once the caller has given up.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = new RemoteAgent({
      client: await client("Slow"),
      handler: async (m) => {
        await gate;
        return `late answer to ${m.text}`;
      },
    });
    cleanups.push(() => slow.stop());
    await slow.start();

    const { handler, modelRuns, history } = loop.messageHandler();
    const me = new RemoteAgent({ client: await client("Caller"), handler });
    cleanups.push(() => me.stop());
    const handled = new Promise<AgentEventMap["handled"]>((resolve) =>
      me.on("handled", (e) => resolve(e)),
    );
    await me.start();

    await expect(
      // Long enough for the question to be sent on a busy machine (its answer never comes in it).
      me.callPeer(slow.client.workspaceId, "are you there?", { timeoutMs: 1_000 }),
    ).rejects.toMatchObject({ code: "reply_timeout" });
    release();
    const event = await handled; // the late answer, handed to the handler
    expect(event.message.isReply).toBe(true);
    expect(event.message.text).toBe("late answer to are you there?");
    expect(event.replied).toBe(false);
    expect(modelRuns()).toBe(0);
    // The AI SDK handler takes a conversation store: the answer is not kept as a turn.
    expect(await history?.(`peer:${slow.client.workspaceId}`)).toBeUndefined();
  });
});
