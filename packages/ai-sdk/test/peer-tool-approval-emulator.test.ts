// Issue 88: a peer call a person approves, the AI SDK 7 way (`toolApproval: peerToolApproval(tools)`
// on a ToolLoopAgent), against the emulator over real HTTP: the person sees the call's complete
// input, the peer gets the message only when approved and exactly once, also when a restarted
// agent (a new RemoteAgent over the same file store) replays the same messages.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileStore, RemoteAgent } from "@molecule-ai/agent-core";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { ALREADY_RUN } from "@molecule-ai/agent-core/org";
import { isStepCount, type ModelMessage, ToolLoopAgent } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canvasApprovals, peerToolApproval, peerTools } from "../src/index.js";
import { startTestPlatform, type TestPlatform } from "../src/testing.js";
import { textStep, toolCallStep } from "./helpers.js";

let platform: TestPlatform;
let admin: AdminClient;
let dir: string;
beforeAll(async () => {
  platform = await startTestPlatform({ name: "Owner" });
  admin = new AdminClient({ platformUrl: platform.url, adminToken: platform.emulator.adminToken });
  dir = await mkdtemp(join(tmpdir(), "ai-peer-approval-"));
});
afterAll(async () => {
  await admin?.close();
  await platform?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Decides the next pending request of workspace `id`; resolves to its action. */
async function decideNext(id: string, decision: "approved" | "denied"): Promise<string> {
  for (;;) {
    const row = (await admin.listPendingApprovals()).find((r) => r.workspaceId === id);
    if (row) {
      await admin.decideApproval(row.workspaceId, row.id, decision, { decidedBy: "dana" });
      return row.action;
    }
    await new Promise((r) => setImmediate(r));
  }
}

describe("peer tools approved on the canvas through toolApproval", () => {
  it.each(["approved", "denied"] as const)(
    "%s: the peer is called only when approved, once, and not again after a restart",
    async (decision) => {
      const leadWs = await platform.addWorkspace(`Lead ${decision}`);
      const writer = await platform.addWorkspace(`Writer ${decision}`);
      const received: string[] = [];
      const writerAgent = new RemoteAgent({
        client: writer.client(),
        handler: (m: InboundMessage) => {
          received.push(m.text);
          return `draft of ${m.text}`;
        },
      });
      await writerAgent.start();
      const store = join(dir, decision);
      const leadOn = () =>
        new RemoteAgent({
          client: leadWs.client(),
          store: fileStore(store),
          handler: () => undefined,
        });
      const message = `a tagline for launch ${decision}\u202E`;
      const toolName = `call_writer_${decision}`;
      const model = new MockLanguageModelV4({
        doGenerate: [toolCallStep(toolName, { message }), textStep("done"), textStep("done")],
      });
      const lead = leadOn();
      await lead.start();
      const tools = await peerTools(lead, {
        include: [writer.id],
        listPeers: false,
        delegate: false,
      });
      const agent = new ToolLoopAgent({
        model,
        tools,
        toolApproval: peerToolApproval(tools),
        stopWhen: isStepCount(3),
      });
      try {
        const messages: ModelMessage[] = [{ role: "user", content: "write a tagline" }];
        const first = await agent.generate({ messages });
        expect(received).toEqual([]); // not before a decision
        const [answer, action] = await Promise.all([
          canvasApprovals(lead, first.content, { pollIntervalMs: 20 }),
          decideNext(leadWs.id, decision),
        ]);
        // The whole input, the invisible character shown as an escape.
        expect(action).toBe(
          `run tool ${toolName} with input {"message":"a tagline for launch ${decision}\\u202E"}`,
        );
        const second = await agent.generate({
          messages: [...messages, ...first.responseMessages, answer],
        });
        expect(second.text).toBe("done");
        expect(received).toEqual(decision === "approved" ? [message] : []);
        await lead.stop();

        // Restarted: the saved messages come back; nobody is asked, the peer is not called again.
        const restarted = leadOn();
        const replay = await canvasApprovals(restarted, first.content, { pollIntervalMs: 20 });
        expect(replay.content[0]).toMatchObject({
          approved: false,
          reason:
            decision === "approved"
              ? ALREADY_RUN
              : "Error: this call was refused before; the call was not run",
        });
        await agent.generate({ messages: [...messages, ...first.responseMessages, replay] });
        expect(received).toEqual(decision === "approved" ? [message] : []);
        expect(await leadWs.client().listApprovals()).toHaveLength(1);
        await restarted.stop();
      } finally {
        await lead.stop();
        await writerAgent.stop();
      }
    },
  );

  it("stopped while the person decides: the restarted agent waits on the same request, then calls the peer once", async () => {
    const leadWs = await platform.addWorkspace("Lead stopped");
    const writer = await platform.addWorkspace("Writer stopped");
    const received: string[] = [];
    const writerAgent = new RemoteAgent({
      client: writer.client(),
      handler: (m: InboundMessage) => {
        received.push(m.text);
        return "ok";
      },
    });
    await writerAgent.start();
    const store = join(dir, "stopped");
    const leadOn = () =>
      new RemoteAgent({ client: leadWs.client(), store: fileStore(store), handler: () => "" });
    /** A ToolLoopAgent over `lead`'s peer tools, every peer call approved by a person. */
    const agentOn = async (lead: RemoteAgent, steps: ReturnType<typeof textStep>[]) => {
      const tools = await peerTools(lead, {
        include: [writer.id],
        listPeers: false,
        delegate: false,
      });
      const model = new MockLanguageModelV4({ doGenerate: steps });
      return new ToolLoopAgent({ model, tools, toolApproval: peerToolApproval(tools) });
    };
    const messages: ModelMessage[] = [{ role: "user", content: "ask the writer" }];
    const lead = leadOn();
    await lead.start();
    let first;
    try {
      const agent = await agentOn(lead, [toolCallStep("call_writer_stopped", { message: "hi" })]);
      first = await agent.generate({ messages });
      const stop = new AbortController();
      const asked = canvasApprovals(lead, first.content, {
        signal: stop.signal,
        pollIntervalMs: 20,
      });
      for (;;) {
        const pending = await admin.listPendingApprovals();
        if (pending.some((r) => r.workspaceId === leadWs.id)) break;
        await new Promise((r) => setImmediate(r));
      }
      stop.abort(new Error("stopped"));
      await expect(asked).rejects.toThrow("stopped");
    } finally {
      await lead.stop();
    }

    const restarted = leadOn();
    await restarted.start();
    try {
      const agent = await agentOn(restarted, [textStep("done")]);
      const [answer] = await Promise.all([
        canvasApprovals(restarted, first.content, { pollIntervalMs: 20 }),
        decideNext(leadWs.id, "approved"),
      ]);
      expect(answer.content[0]).toMatchObject({ approved: true });
      const second = await agent.generate({
        messages: [...messages, ...first.responseMessages, answer],
      });
      expect(second.text).toBe("done");
      expect(received).toEqual(["hi"]);
      expect(await leadWs.client().listApprovals()).toHaveLength(1); // the same request
    } finally {
      await restarted.stop();
      await writerAgent.stop();
    }
  });
});
