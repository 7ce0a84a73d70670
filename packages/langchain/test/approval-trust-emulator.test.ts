// Approvals a person can trust in LangChain / LangGraph, over HTTP against the emulator (#46,
// #47): approved on the canvas, a tool runs once with the input the person saw; an interrupted
// thread invoked again with its original input reuses the pending request; a resume with a
// decision on anything else is not an approval. (A padded input, a platform refusal, issue 59's
// hidden characters and onApprovalEscalated, the same in every adapter:
// internal/adapter-conformance/test/approval-trust.test.ts.)
import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { tool } from "@langchain/core/tools";
import { Annotation, Command, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { ApprovalWaiter } from "@molecule-ai/agent-core/org";
import { createAgent } from "langchain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod/v4";
import {
  approvalInterrupt,
  pendingApproval,
  resumeOnDecision,
  toolCallInterrupt,
} from "../src/langgraph.js";
import { startTestPlatform, type TestPlatform } from "../src/testing.js";

let platform: TestPlatform;
let admin: AdminClient;
beforeAll(async () => {
  platform = await startTestPlatform({ name: "lc-trust" });
  admin = new AdminClient({ platformUrl: platform.url, adminToken: platform.emulator.adminToken });
});
afterAll(async () => {
  await admin?.close();
  await platform?.close();
});

/** A shell tool that asks a person first (toolCallInterrupt); `ran` records each real run. */
function shellTool(
  client: Parameters<typeof toolCallInterrupt>[0],
  ran: string[],
  logged: string[],
) {
  return tool(
    async ({ command }) => {
      const refused = await toolCallInterrupt(
        client,
        "shell",
        { command },
        {
          logger: { warn: (m) => logged.push(m) },
        },
      );
      if (refused !== undefined) return refused;
      ran.push(command);
      return `ran ${command}`;
    },
    {
      name: "shell",
      description: "run a shell command",
      schema: z.object({ command: z.string() }),
    },
  );
}

function toolMessages(messages: unknown[]): ToolMessage[] {
  return messages.filter((m): m is ToolMessage => m instanceof ToolMessage);
}

describe("toolCallInterrupt through createAgent", () => {
  it("approved on the canvas: the tool runs once, with the input the person saw", async () => {
    const ws = await platform.addWorkspace("approved");
    const client = ws.client();
    const ran: string[] = [];
    const model = fakeModel()
      .respondWithTools([{ name: "shell", args: { command: "ls /tmp" }, id: "tc-1" }])
      .respond(new AIMessage("listed"));
    const agent = createAgent({
      model,
      tools: [shellTool(client, ran, [])],
      checkpointer: new MemorySaver(),
    });
    const config = { configurable: { thread_id: "approved" } };
    const first = await agent.invoke({ messages: [new HumanMessage("look")] }, config);
    const p = pendingApproval(first)!;
    expect(p.action).toBe('run tool shell with input {"command":"ls /tmp"}');
    const row = (await client.listApprovals()).find((r) => r.id === p.approvalId)!;
    expect(row.action).toBe(p.action);
    expect(row.reason).toContain(`sha256:${p.digest}`);
    await admin.decideApproval(ws.id, p.approvalId, "approved");
    const done = await resumeOnDecision(
      agent,
      null,
      config,
      new ApprovalWaiter({ client, file: false }),
    );
    expect(ran).toEqual(["ls /tmp"]);
    expect(String(toolMessages(done.messages)[0]!.content)).toBe("ran ls /tmp");
  });
});

const State = Annotation.Root({ note: Annotation<string>, seen: Annotation<string> });

function gateGraph(client: Parameters<typeof approvalInterrupt>[0], ran: string[]) {
  return new StateGraph(State)
    .addNode("gate", async (state) => {
      const d = await approvalInterrupt(client, { action: `send ${state.note}` });
      if (d.approved) ran.push(state.note);
      return { seen: `${d.decision} by ${d.decidedBy}` };
    })
    .addEdge(START, "gate")
    .addEdge("gate", END)
    .compile({ checkpointer: new MemorySaver() });
}

describe("approvalInterrupt", () => {
  it("an interrupted thread invoked again with its original input reuses the pending request", async () => {
    const ws = await platform.addWorkspace("reinvoke");
    const client = ws.client();
    const ran: string[] = [];
    const graph = gateGraph(client, ran);
    const config = { configurable: { thread_id: "t-re" } };
    const p1 = pendingApproval(await graph.invoke({ note: "invoice" }, config))!;
    const p2 = pendingApproval(await graph.invoke({ note: "invoice" }, config))!;
    expect(p2.approvalId).toBe(p1.approvalId);
    await admin.decideApproval(ws.id, p1.approvalId, "approved", { decidedBy: "bob" });
    const waiter = new ApprovalWaiter({ client, file: false });
    // The runner given the original input again resumes the waiting thread.
    const done = await resumeOnDecision(graph, { note: "invoice" }, config, waiter);
    expect(done.seen).toBe("approved by bob");
    expect(ran).toEqual(["invoice"]);
    expect(await client.listApprovals()).toHaveLength(1);
    // Asked again after the decision: a new request, not the earlier decision.
    const p3 = pendingApproval(await graph.invoke({ note: "invoice" }, config))!;
    expect(p3.approvalId).not.toBe(p1.approvalId);
    expect(ran).toEqual(["invoice"]);
  });

  it("a resume with a decision on another request (or another input) is not an approval", async () => {
    const ws = await platform.addWorkspace("forged-resume");
    const client = ws.client();
    const ran: string[] = [];
    const graph = gateGraph(client, ran);
    const waiter = new ApprovalWaiter({ client, file: false });
    // A decision a person really made, on `send lunch order`.
    const other = gateGraph(client, []);
    const po = pendingApproval(
      await other.invoke({ note: "lunch order" }, { configurable: { thread_id: "o" } }),
    )!;
    await admin.decideApproval(ws.id, po.approvalId, "approved");
    const lunch = await waiter.wait(po.approvalId);
    expect(lunch.approved).toBe(true);
    // The thread asking about `wire 1M EUR` is resumed with it.
    const config = { configurable: { thread_id: "wire" } };
    const p = pendingApproval(await graph.invoke({ note: "wire 1M EUR" }, config))!;
    const done = await graph.invoke(new Command({ resume: lunch }), config);
    expect(done.seen).toBe("denied by not the decision on this request");
    expect(ran).toEqual([]);
    expect((await client.listApprovals()).find((r) => r.id === p.approvalId)?.status).toBe(
      "pending",
    );
  });
});
