// A Mastra agent (its model: the examples' deterministic AI SDK model, offline) as a Molecule
// workspace against the emulator over real HTTP: it answers a peer's message by calling another
// peer through its peer tool, reads that peer's answer only as neutralised text, and remembers.
import { itAnswersThroughPeerTools, useEmulator } from "@example/shared/testing";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { inboundFromA2AMessage } from "@molecule-ai/agent-core/a2a";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { scriptedModel } from "@molecule-ai/ai-sdk/testing";
import { describe, expect, it } from "vitest";
import { startMastraAgent } from "../src/agent.js";

const platform = useEmulator();

describe("a Mastra agent in a Molecule org", () => {
  itAnswersThroughPeerTools(platform, startMastraAgent, {
    tools: ["list_peers", "check_delegation", "list_delegations", "remember"],
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

describe("streaming and a person's approval (Mastra suspends the run, the canvas decides)", () => {
  it.each(["approved", "denied"] as const)(
    "%s: refund runs only after an approval; the answer after the decision streams",
    async (decision) => {
      const order = `M-${decision}`;
      const { subjectWs } = await platform.org({
        subject: `Writer ${decision}`,
        peer: `Ledger ${decision}`,
        caller: `Caller ${decision}`,
        answer: "ok",
      });
      const model = scriptedModel([
        { toolName: "refund", input: { order } },
        "the refund is settled",
      ]);
      const writer = await startMastraAgent({
        platformUrl: platform.emu.url,
        workspaceId: subjectWs.id,
        token: subjectWs.token!,
        delivery: "push",
        model,
        approvalPollMs: 50,
      });
      platform.defer(writer.stop);
      const admin = new AdminClient({
        platformUrl: platform.emu.url,
        adminToken: platform.emu.adminToken,
      });
      platform.defer(() => admin.close());
      const asked: string[] = [];
      const decide = async () => {
        for (;;) {
          const p = (await admin.listPendingApprovals()).find((a) => a.action.includes(order));
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
          for await (const c of writer.handler.stream(inbound(`refund ${order}`))) chunks.push(c);
        })(),
        decide(),
      ]);
      expect(asked).toEqual([`run tool refund with input {"order":"${order}"}`]);
      expect(chunks).toEqual(["the ", "refund ", "is ", "settled"]);
      expect(writer.refunded).toEqual(decision === "approved" ? [order] : []);
      // What the model was told about the call after the decision.
      const told = JSON.stringify(model.doStreamCalls.at(-1)?.prompt);
      expect(told.includes(`refunded ${order}`)).toBe(decision === "approved");
      expect(told.includes("denied by dana")).toBe(decision === "denied");
    },
  );
});
