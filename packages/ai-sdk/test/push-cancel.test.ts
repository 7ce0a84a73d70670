// tasks/cancel reaches the model call of a ToolLoopAgent run by createPeerMessageHandler on a
// RemoteAgent with push delivery: the mock model's doGenerate waits on its abortSignal, the
// cancel (to the agent's own A2A endpoint) aborts it, the task answers `canceled`, and the
// canceled turn is not kept in the conversation's history.
import { randomUUID } from "node:crypto";
import { memoryStore, PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { rpc, waitFor } from "@internal/test-utils";
import { ToolLoopAgent } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { afterEach, expect, it } from "vitest";
import { createPeerMessageHandler } from "../src/index.js";
import { textStep } from "./helpers.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

const message = (text: string, contextId: string) => ({
  kind: "message",
  role: "user",
  messageId: randomUUID(),
  contextId,
  parts: [{ kind: "text", text }],
});

it("tasks/cancel aborts the model call of a ToolLoopAgent handler", async () => {
  const emu = await startEmulator();
  cleanups.push(() => emu.close());
  const ws = await emu.admin.createWorkspace({ name: "ai-cancel" });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! });
  cleanups.push(() => client.close());

  const modelSignals: AbortSignal[] = [];
  const model = new MockLanguageModelV4({
    doGenerate: async ({ prompt, abortSignal }) => {
      const users = prompt.filter((m) => m.role === "user").length;
      const text = JSON.stringify(prompt.at(-1));
      if (!text.includes("slow")) return textStep(`quick answer (${users} user turns)`);
      modelSignals.push(abortSignal!);
      // A model call that only ends when it is aborted.
      await new Promise((_, reject) =>
        abortSignal!.addEventListener("abort", () => reject(abortSignal!.reason), { once: true }),
      );
      return textStep("never");
    },
  });
  const deadLetters: unknown[] = [];
  const agent = new RemoteAgent({
    client,
    store: memoryStore(),
    delivery: "push",
    logger: {},
    retryBaseMs: 1,
    onDeadLetter: (msg) => void deadLetters.push(msg),
    handler: createPeerMessageHandler(new ToolLoopAgent({ model, instructions: "Be brief." })),
  });
  cleanups.push(() => agent.stop());
  await agent.start();
  const url = agent.pushUrl!;
  // The bearer the platform's proxy sends on every push (August 2026), which the agent wants.
  const auth = { bearer: client.files.inboundSecret };
  const contextId = randomUUID();

  const sent = await rpc(
    url,
    "message/send",
    {
      message: message("a slow question", contextId),
      configuration: { blocking: false },
    },
    auth,
  );
  const id = sent.result!.id!;
  await waitFor(() => modelSignals.length === 1);
  expect((await rpc(url, "tasks/cancel", { id }, auth)).result?.status?.state).toBe("canceled");
  await waitFor(() => modelSignals[0]!.aborted); // the model call itself was aborted
  await waitFor(() => agent.activeTasks === 0);
  expect((await rpc(url, "tasks/get", { id }, auth)).result?.status?.state).toBe("canceled");
  expect(modelSignals).toHaveLength(1); // not retried
  expect(deadLetters).toEqual([]);

  // Same conversation: the canceled turn is not in its history (one user turn in the prompt).
  const next = await rpc(url, "message/send", { message: message("and now?", contextId) }, auth);
  expect(JSON.stringify(next.result)).toContain("quick answer (1 user turns)");
});
