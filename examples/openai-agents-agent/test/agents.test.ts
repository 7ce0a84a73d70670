// An OpenAI Agents SDK agent (a deterministic `Model`, offline, tracing off) as a Molecule workspace
// against the emulator over real HTTP: it answers a peer's message by calling another peer through
// its peer tool, and reads that peer's answer only as neutralised text.
import { itAnswersThroughPeerTools, useEmulator } from "@example/shared/testing";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { inboundFromA2AMessage } from "@molecule-ai/agent-core/a2a";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { setTracingDisabled } from "@openai/agents";
import { beforeAll, describe, expect, it } from "vitest";
import { startAgentsAgent } from "../src/agent.js";

const platform = useEmulator();
beforeAll(() => setTracingDisabled(true));

describe("an OpenAI Agents SDK agent in a Molecule org", () => {
  itAnswersThroughPeerTools(platform, startAgentsAgent, {
    tools: ["list_peers", "delegate_to_peer"],
  });
});

/** A streaming caller's message, its own conversation. */
const inbound = (text: string): InboundMessage => ({
  ...inboundFromA2AMessage({
    kind: "message",
    role: "user",
    messageId: crypto.randomUUID(),
    parts: [{ kind: "text", text }],
  }),
  contextId: text,
});

describe("streaming and a person's approval", () => {
  it("refund runs only after a person approves it on the canvas; the answer streams word by word", async () => {
    const { subjectWs } = await platform.org({
      subject: "Writer approvals",
      peer: "Ledger",
      caller: "Caller approvals",
      answer: "ok",
    });
    const writer = await startAgentsAgent({
      platformUrl: platform.emu.url,
      workspaceId: subjectWs.id,
      token: subjectWs.token!,
      delivery: "push",
      approvalPollMs: 50,
    });
    platform.defer(writer.stop);
    const admin = new AdminClient({
      platformUrl: platform.emu.url,
      adminToken: platform.emu.adminToken,
    });
    platform.defer(() => admin.close());
    const asked: string[] = [];
    const decide = async (decision: "approved" | "denied") => {
      for (;;) {
        const [p] = await admin.listPendingApprovals();
        if (p) {
          asked.push(p.action);
          await admin.decideApproval(p.workspaceId, p.id, decision, { decidedBy: "dana" });
          return;
        }
        await new Promise((r) => setImmediate(r));
      }
    };
    const chunks: string[] = [];
    await Promise.all([
      (async () => {
        for await (const c of writer.handler.stream(inbound("please refund order R-1")))
          chunks.push(c);
      })(),
      decide("approved"),
    ]);
    expect(chunks).toEqual(["refund: ", "refunded ", "R-1"]);
    const [denied] = await Promise.all([
      writer.handler(inbound("please refund order R-2")),
      decide("denied"),
    ]);
    expect(denied).toBe("refund: Error: denied by dana; the call was not run");
    expect(writer.refunded).toEqual(["R-1"]);
    expect(asked).toEqual([
      'run tool refund with input {"order":"R-1"}',
      'run tool refund with input {"order":"R-2"}',
    ]);
  });
});
