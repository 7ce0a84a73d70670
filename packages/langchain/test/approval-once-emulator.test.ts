// Issue #81 item 3 in LangGraph: a tool asking with toolCallInterrupt and the agent's
// `pendingToolCalls` runs once per approval. The thread is resumed with the person's decision,
// then resumed again over the checkpoints as they were while the request was pending (a restart
// after a crash that lost the checkpoint written after the tool ran; the decision delivered twice): the second time the tool
// is not run, the model reads why, and nobody is asked again. Without `pendingToolCalls` the same
// replay runs the tool twice (the control case).
import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { tool } from "@langchain/core/tools";
import { Command, MemorySaver } from "@langchain/langgraph";
import { RemoteAgent } from "@molecule-ai/agent-core";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { ALREADY_RUN, ApprovalWaiter, type PendingToolCalls } from "@molecule-ai/agent-core/org";
import { createAgent } from "langchain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod/v4";
import { pendingApproval, toolCallInterrupt } from "../src/langgraph.js";
import { startTestPlatform, type TestPlatform } from "../src/testing.js";

let platform: TestPlatform;
let admin: AdminClient;
beforeAll(async () => {
  platform = await startTestPlatform({ name: "lc-once" });
  admin = new AdminClient({ platformUrl: platform.url, adminToken: platform.emulator.adminToken });
});
afterAll(async () => {
  await admin?.close();
  await platform?.close();
});

describe("toolCallInterrupt with the agent's pendingToolCalls", () => {
  it.each([true, false])(
    "kept calls %s: resumed twice over the checkpoints of the pending request, one approval",
    async (kept) => {
      const ws = await platform.addWorkspace(`once-${kept}`);
      const client = ws.client();
      const agent = new RemoteAgent({ client, delivery: "none", handler: () => undefined });
      const calls: PendingToolCalls | undefined = kept ? agent.pendingToolCalls : undefined;
      const ran: string[] = [];
      const refund = tool(
        async ({ order }) => {
          const refused = await toolCallInterrupt(
            client,
            "refund",
            { order },
            {
              pendingToolCalls: calls,
            },
          );
          if (refused !== undefined) return refused;
          ran.push(order);
          return `refunded ${order}`;
        },
        { name: "refund", description: "refund an order", schema: z.object({ order: z.string() }) },
      );
      const model = fakeModel()
        .respondWithTools([{ name: "refund", args: { order: "R-5" }, id: "tc-1" }])
        .respond(new AIMessage("done"))
        .respond(new AIMessage("done"));
      const saver = new MemorySaver();
      const graph = createAgent({ model, tools: [refund], checkpointer: saver });
      const config = { configurable: { thread_id: "t-once" } };
      const asked = pendingApproval(
        await graph.invoke({ messages: [new HumanMessage("refund R-5")] }, config),
      )!;
      // The checkpoints as they were while the request was pending (what a restart after a crash
      // that lost the later writes finds).
      const before = {
        storage: structuredClone(saver.storage),
        writes: structuredClone(saver.writes),
      };
      await admin.decideApproval(ws.id, asked.approvalId, "approved", { decidedBy: "dana" });
      const decision = await new ApprovalWaiter({ client, file: false }).wait(asked.approvalId, {
        pollIntervalMs: 20,
      });
      const decided = { ...decision, digest: asked.digest };
      await graph.invoke(new Command({ resume: decided }), config);
      expect(ran).toEqual(["R-5"]);
      // Restarted over those checkpoints, resumed with the same decision.
      const restored = Object.assign(new MemorySaver(), structuredClone(before));
      const graph2 = createAgent({ model, tools: [refund], checkpointer: restored });
      const again = await graph2.invoke(new Command({ resume: decided }), config);
      const last = (again.messages as unknown[]).filter((m) => m instanceof ToolMessage).at(-1);
      // Once with the store; the control (no store) runs it twice.
      expect(ran).toEqual(kept ? ["R-5"] : ["R-5", "R-5"]);
      expect((last as ToolMessage).content === ALREADY_RUN).toBe(kept);
      expect(await client.listApprovals()).toHaveLength(1);
      await agent.stop();
    },
  );
});
