// Approvals a person can trust through the AI SDK's own runner (generateText with a mock model,
// calls sent for approval by generateText's toolApproval, canvasApprovals), over HTTP against the
// emulator (#46, #47): a replayed call whose input differs is not approved by the earlier
// decision; after a timeout, asking again waits on the same request. (A padded input, a platform
// refusal, issue 59's hidden characters and onApprovalEscalated, the same in every adapter:
// internal/adapter-conformance/test/approval-trust.test.ts.)
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { ApprovalTimeoutError, ApprovalWaiter } from "@molecule-ai/agent-core/org";
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
beforeAll(async () => {
  platform = await startTestPlatform({ name: "ai-trust" });
  admin = new AdminClient({ platformUrl: platform.url, adminToken: platform.emulator.adminToken });
});
afterAll(async () => {
  await admin?.close();
  await platform?.close();
});

/** AI SDK 7's approval: generateText sends every `shell` call to a person (the same on each call). */
const toolApproval = { shell: "user-approval" } as const;

/** A shell tool (a person approves it: `toolApproval`); `ran` records each real run. */
function shellTools(ran: string[]) {
  return {
    shell: tool({
      description: "run a shell command",
      inputSchema: z.object({ command: z.string() }),
      execute: async ({ command }) => {
        ran.push(command);
        return "done";
      },
    }),
  };
}

/** The next pending request of `client`'s workspace not in `seen`. */
async function nextPending(client: PlatformClient, seen: readonly string[] = []) {
  for (;;) {
    const row = (await client.listApprovals()).find(
      (r) => r.status === "pending" && !seen.includes(r.id),
    );
    if (row) return row;
    await new Promise((r) => setImmediate(r));
  }
}

describe("canvasApprovals through generateText", () => {
  it("a replayed call whose input differs is not approved by the decision on the first input", async () => {
    const ws = await platform.addWorkspace("differ");
    const client = ws.client();
    const ran: string[] = [];
    const tools = shellTools(ran);
    const model = new MockLanguageModelV4({
      doGenerate: [toolCallStep("shell", { command: "ls /tmp" }), textStep("ok")],
    });
    const messages: ModelMessage[] = [{ role: "user", content: "look around" }];
    const first = await generateText({
      model,
      tools,
      toolApproval,
      messages,
      stopWhen: isStepCount(3),
    });
    const waiter = new ApprovalWaiter({ client, file: false });
    // The agent asks, then is stopped while the request is pending; a person approves `ls /tmp`.
    const stop = new AbortController();
    const asked = canvasApprovals(waiter, first.content, { signal: stop.signal });
    const row1 = await nextPending(client);
    expect(row1.action).toBe('run tool shell with input {"command":"ls /tmp"}');
    expect(row1.reason).toMatch(/\[approval [0-9a-f]{16} sha256:[0-9a-f]{64}\]$/);
    stop.abort(new Error("restart"));
    await expect(asked).rejects.toThrow("restart");
    await admin.decideApproval(ws.id, row1.id, "approved");
    // Replayed with the same AI SDK approval id but another input.
    const replayed = first.content.map((p) =>
      p.type === "tool-approval-request"
        ? { ...p, toolCall: { ...p.toolCall, input: { command: "rm -rf /" } } }
        : p,
    );
    let settled: unknown;
    const second = canvasApprovals(waiter, replayed).then(
      (r) => (settled = r),
      (e: unknown) => (settled = e),
    );
    const row2 = await Promise.race([
      nextPending(client, [row1.id]),
      second.then(() => {
        throw new Error(`answered by the earlier decision: ${JSON.stringify(settled)}`);
      }),
    ]);
    expect(row2.action).toBe('run tool shell with input {"command":"rm -rf /"}');
    await admin.decideApproval(ws.id, row2.id, "denied");
    await second;
    const answer = settled as Awaited<ReturnType<typeof canvasApprovals>>;
    expect(answer.content[0]).toMatchObject({ approved: false });
    messages.push(...first.responseMessages, answer);
    await generateText({ model, tools, toolApproval, messages, stopWhen: isStepCount(3) });
    expect(ran).toEqual([]);
  });

  it("after a timeout, canvasApprovals again waits on the same request and runs the tool once approved", async () => {
    const ws = await platform.addWorkspace("timeout");
    const client = ws.client();
    const ran: string[] = [];
    const tools = shellTools(ran);
    const model = new MockLanguageModelV4({
      doGenerate: [toolCallStep("shell", { command: "make" }), textStep("built")],
    });
    const messages: ModelMessage[] = [{ role: "user", content: "build" }];
    const first = await generateText({
      model,
      tools,
      toolApproval,
      messages,
      stopWhen: isStepCount(3),
    });
    const waiter = new ApprovalWaiter({ client, file: false });
    const err = await canvasApprovals(waiter, first.content, {
      timeoutMs: 50,
      pollIntervalMs: 10,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApprovalTimeoutError);
    const again = canvasApprovals(waiter, first.content, { pollIntervalMs: 20 });
    await admin.decideApproval(ws.id, (err as ApprovalTimeoutError).approvalId, "approved");
    messages.push(...first.responseMessages, await again);
    const second = await generateText({
      model,
      tools,
      toolApproval,
      messages,
      stopWhen: isStepCount(3),
    });
    expect(second.text).toBe("built");
    expect(ran).toEqual(["make"]);
    expect(await client.listApprovals()).toHaveLength(1);
  });
});
