// Issue #81 item 3 through the AI SDK's own runner: with a `RemoteAgent` as the asker,
// canvasApprovals keeps each call in the agent's store before asking. An approved call is given
// once: the same messages replayed by a restarted agent (a new RemoteAgent over the same file
// store) get a denied result saying the call was handed to the tool before; nobody is asked again
// and the tool does not run twice. A refused call stays refused after the restart.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileStore, RemoteAgent } from "@molecule-ai/agent-core";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { ALREADY_RUN } from "@molecule-ai/agent-core/org";
import type { PlatformClient } from "@molecule-ai/agent-core";
import { generateText, isStepCount, type ModelMessage, tool } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { canvasApprovals } from "../src/index.js";
import { startTestPlatform, type TestPlatform } from "../src/testing.js";
import { textStep, toolCallStep } from "./helpers.js";

let platform: TestPlatform;
let admin: AdminClient;
let dir: string;
beforeAll(async () => {
  platform = await startTestPlatform({ name: "ai-restart" });
  admin = new AdminClient({ platformUrl: platform.url, adminToken: platform.emulator.adminToken });
  dir = await mkdtemp(join(tmpdir(), "ai-approval-restart-"));
});
afterAll(async () => {
  await admin?.close();
  await platform?.close();
  await rm(dir, { recursive: true, force: true });
});

/** AI SDK 7's approval: every `refund` call waits for a person (passed to each generateText). */
const toolApproval = { refund: "user-approval" } as const;

/** A refund tool (a person approves it first: `toolApproval`); `ran` records each real run. */
function refundTools(ran: string[]) {
  return {
    refund: tool({
      description: "refund an order",
      inputSchema: z.object({ order: z.string() }),
      execute: async ({ order }) => {
        ran.push(order);
        return `refunded ${order}`;
      },
    }),
  };
}

/** Decides the next pending request of `client`'s workspace as a person on the canvas. */
async function decideNext(client: PlatformClient, id: string, decision: "approved" | "denied") {
  for (;;) {
    const row = (await client.listApprovals()).find((r) => r.status === "pending");
    if (row) return await admin.decideApproval(id, row.id, decision, { decidedBy: "dana" });
    await new Promise((r) => setImmediate(r));
  }
}

describe("canvasApprovals with the agent's store", () => {
  it.each(["approved", "denied"] as const)(
    "%s, then replayed by a restarted agent: asked once, run at most once",
    async (decision) => {
      const ws = await platform.addWorkspace(`restart-${decision}`);
      const client = ws.client();
      const store = join(dir, decision);
      const agentOn = () =>
        new RemoteAgent({
          client,
          delivery: "none",
          store: fileStore(store),
          handler: () => undefined,
        });
      const ran: string[] = [];
      const tools = refundTools(ran);
      const model = new MockLanguageModelV4({
        doGenerate: [toolCallStep("refund", { order: "R-9" }), textStep("ok"), textStep("ok")],
      });
      const messages: ModelMessage[] = [{ role: "user", content: "refund R-9" }];
      const first = await generateText({
        model,
        tools,
        toolApproval,
        messages,
        stopWhen: isStepCount(3),
      });

      const before = agentOn();
      const [answer] = await Promise.all([
        canvasApprovals(before, first.content, { pollIntervalMs: 20 }),
        decideNext(client, ws.id, decision),
      ]);
      expect(answer.content[0]).toMatchObject({ approved: decision === "approved" });
      await generateText({
        model,
        tools,
        toolApproval,
        messages: [...messages, ...first.responseMessages, answer],
        stopWhen: isStepCount(3),
      });
      expect(ran).toEqual(decision === "approved" ? ["R-9"] : []);
      await before.stop();

      // Restarted: the same messages come back (the app saved them before the tool's result).
      const after = agentOn();
      const replay = await canvasApprovals(after, first.content, { pollIntervalMs: 20 });
      expect(replay.content[0]).toMatchObject({
        approved: false,
        reason:
          decision === "approved"
            ? ALREADY_RUN
            : "Error: this call was refused before; the call was not run",
      });
      await generateText({
        model,
        tools,
        toolApproval,
        messages: [...messages, ...first.responseMessages, replay],
        stopWhen: isStepCount(3),
      });
      expect(ran).toEqual(decision === "approved" ? ["R-9"] : []); // never twice
      expect(await client.listApprovals()).toHaveLength(1); // nobody asked again
      await after.stop();
    },
  );
});
