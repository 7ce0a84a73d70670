// Approvals a person can trust through the AI SDK's own runner (generateText with a mock model,
// calls sent for approval by generateText's toolApproval, canvasApprovals), over HTTP against the
// emulator (#46, #47):
// a padded input is refused with one Error line instead of cut; a replayed call whose input
// differs is not approved by the earlier decision; after a timeout, asking again waits on the same
// request. (Issue 59's hidden characters and onApprovalEscalated, the same in every adapter:
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
import { textStep, toolCallStep, toolResultsInPrompt } from "./helpers.js";

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
  it("a 2,246-character input hiding `--no-preserve-root -rf /` after character 2,000 is refused, never shown cut", async () => {
    const ws = await platform.addWorkspace("blind");
    const client = ws.client();
    const tail = " --no-preserve-root -rf /";
    const command = `echo ${"a".repeat(2_246 - 14 - 5 - 4 - tail.length)}; rm${tail}`;
    expect(JSON.stringify({ command })).toHaveLength(2_246);
    const ran: string[] = [];
    const tools = shellTools(ran);
    const model = new MockLanguageModelV4({
      doGenerate: [toolCallStep("shell", { command }), textStep("ok")],
    });
    const messages: ModelMessage[] = [{ role: "user", content: "clean up" }];
    const first = await generateText({
      model,
      tools,
      toolApproval,
      messages,
      stopWhen: isStepCount(3),
    });
    const logged: string[] = [];
    const waiter = new ApprovalWaiter({ client, file: false });
    // Either the request is refused (answered at once) or it was opened: then the person must see
    // the whole input.
    const answer = await Promise.race([
      canvasApprovals(waiter, first.content, { logger: { warn: (m) => logged.push(m) } }),
      nextPending(client).then((row) => {
        expect(row.action).toContain("--no-preserve-root -rf /");
        throw new Error("asked a person about an input too long to review");
      }),
    ]);
    expect(await client.listApprovals()).toEqual([]);
    const part = answer.content[0] as { approved: boolean; reason: string };
    expect(part.approved).toBe(false);
    expect(part.reason).toMatch(/^Error: the input of tool shell is 2246 characters/);
    expect(part.reason).not.toContain("\n");
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain("not approved");
    messages.push(...first.responseMessages, answer);
    await generateText({ model, tools, toolApproval, messages, stopWhen: isStepCount(3) });
    expect(ran).toEqual([]);
    expect(JSON.stringify(toolResultsInPrompt(model, 1))).toContain(
      "Error: the input of tool shell is 2246 characters",
    );
  });

  it("the platform refusing the request is one Error line in the denied result, the tool not run", async () => {
    const ws = await platform.addWorkspace("refused");
    const client = ws.client();
    const ran: string[] = [];
    const tools = shellTools(ran);
    const model = new MockLanguageModelV4({
      doGenerate: [toolCallStep("shell", { command: "ls" }), textStep("ok")],
    });
    const messages: ModelMessage[] = [{ role: "user", content: "look" }];
    const first = await generateText({
      model,
      tools,
      toolApproval,
      messages,
      stopWhen: isStepCount(3),
    });
    const unfault = platform.emulator.injectFault({
      method: "POST",
      path: `/workspaces/${ws.id}/approvals`,
      status: 503,
      count: 100,
    });
    const logged: string[] = [];
    try {
      const answer = await canvasApprovals(
        new ApprovalWaiter({ client, file: false }),
        first.content,
        {
          logger: { warn: (m) => logged.push(m) },
        },
      );
      const part = answer.content[0] as { approved: boolean; reason: string };
      expect(part).toMatchObject({ approved: false });
      expect(part.reason).toMatch(/^Error: .*503/);
      expect(part.reason).not.toContain("\n");
      expect(logged).toHaveLength(1);
      messages.push(...first.responseMessages, answer);
    } finally {
      unfault();
    }
    await generateText({ model, tools, toolApproval, messages, stopWhen: isStepCount(3) });
    expect(ran).toEqual([]);
    expect(JSON.stringify(toolResultsInPrompt(model, 1))).toContain("Error: ");
  });

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
