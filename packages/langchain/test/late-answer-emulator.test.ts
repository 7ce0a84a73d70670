// An answer nobody awaits (it came after the caller's callPeer gave up) reaches the agent as an
// inbound answer (`msg.isReply`): the LangChain handler must not run the agent (its model) on it.
// Over the emulator, poll delivery.
import { AIMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { AgentEventMap } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { createAgent } from "langchain";
import { afterEach, describe, expect, it } from "vitest";
import { createPeerMessageHandler } from "../src/index.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

describe("an answer that arrives after its callPeer gave up", () => {
  it("never reaches the model", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const client = async (name: string) => {
      const w = await emu.admin.createWorkspace({ name });
      const c = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token! });
      cleanups.push(() => c.close());
      return c;
    };
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

    let modelRuns = 0;
    const model = fakeModel().respond(() => {
      modelRuns++;
      return new AIMessage("should not run");
    });
    const handler = createPeerMessageHandler(createAgent({ model, tools: [] }));
    const me = new RemoteAgent({ client: await client("Caller"), handler });
    cleanups.push(() => me.stop());
    const handled = new Promise<AgentEventMap["handled"]>((resolve) =>
      me.on("handled", (e) => resolve(e)),
    );
    await me.start();

    await expect(
      me.callPeer(slow.client.workspaceId, "are you there?", { timeoutMs: 200 }),
    ).rejects.toMatchObject({ code: "reply_timeout" });
    release();
    const event = await handled;
    expect(event.message.isReply).toBe(true);
    expect(event.message.text).toBe("late answer to are you there?");
    expect(event.replied).toBe(false);
    expect(modelRuns).toBe(0);
  });
});
