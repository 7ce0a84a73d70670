// A multi-turn exchange with an AI SDK handler on a RemoteAgent (push, then poll delivery): the generate
// function asks the caller back (`askForInput`) before calling the model, the caller's answer by
// taskId arrives as the next message of the same conversation (its history includes the
// question), and the model's answer completes the same task.
import { randomUUID } from "node:crypto";
import { askForInput } from "@molecule-ai/agent-core/adapters";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { RemoteAgentOptions } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { rpc } from "@internal/test-utils";
import { generateText } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { afterEach, expect, it } from "vitest";
import { createPeerMessageHandler } from "../src/index.js";
import { textStep } from "./helpers.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

it("asks back with askForInput (input-required) and answers in the same task", async () => {
  const emu = await startEmulator();
  cleanups.push(() => emu.close());
  const ws = await emu.admin.createWorkspace({ name: "ai-multi-turn" });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! });
  cleanups.push(() => client.close());
  const prompts: string[] = [];
  const model = new MockLanguageModelV4({
    doGenerate: async ({ prompt }) => {
      prompts.push(JSON.stringify(prompt));
      return textStep("Sunny in Paris");
    },
  });
  const agent = new RemoteAgent({
    client,
    delivery: "push",
    logger: {},
    handler: createPeerMessageHandler(({ messages, message, abortSignal }) =>
      messages.length === 1
        ? askForInput(message, "Which city?")
        : generateText({ model, messages, abortSignal }),
    ),
  });
  cleanups.push(() => agent.stop());
  await agent.start();
  const url = agent.pushUrl!;
  // Sent as the platform's proxy sends a push on August 2026: with its bearer.
  const send = (text: string, taskId?: string) =>
    rpc(
      url,
      "message/send",
      {
        message: {
          kind: "message",
          role: "user",
          messageId: randomUUID(),
          parts: [{ kind: "text", text }],
          ...(taskId ? { taskId } : {}),
        },
      },
      { bearer: client.files.inboundSecret },
    );

  const ask = (await send("What is the weather?")).result!;
  expect(ask.status?.state).toBe("input-required");
  const question = (ask["status"] as { message?: { parts: Array<{ text?: string }> } }).message;
  expect(question?.parts[0]?.text).toBe("Which city?");
  const done = (await send("Paris", ask.id)).result!;
  expect(done.id).toBe(ask.id);
  expect(done.status?.state).toBe("completed");
  expect(done.artifacts?.[0]?.parts[0]?.text).toBe("Sunny in Paris");
  // The model saw the whole conversation: the question and the answer.
  expect(prompts).toHaveLength(1);
  expect(prompts[0]).toContain("Which city?");
  expect(prompts[0]).toContain("Paris");
});

it("on poll delivery too: the caller's agent.callPeer gets input-required and answers by taskId", async () => {
  const emu = await startEmulator();
  cleanups.push(() => emu.close());
  const clientOf = async (name: string) => {
    const ws = await emu.admin.createWorkspace({ name });
    const c = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! });
    cleanups.push(() => c.close());
    return { id: ws.id, client: c };
  };
  const weather = await clientOf("ai-weather");
  const prompts: string[] = [];
  const model = new MockLanguageModelV4({
    doGenerate: async ({ prompt }) => {
      prompts.push(JSON.stringify(prompt));
      return textStep("Sunny in Rome");
    },
  });
  const start = async (client: PlatformClient, handler: RemoteAgentOptions["handler"]) => {
    const agent = new RemoteAgent({
      client,
      delivery: "poll",
      logger: {},
      pollIntervalMs: 50,
      handler,
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    return agent;
  };
  await start(
    weather.client,
    createPeerMessageHandler(({ messages, message, abortSignal }) =>
      messages.length === 1
        ? askForInput(message, "Which city?")
        : generateText({ model, messages, abortSignal }),
    ),
  );
  const caller = await start((await clientOf("ai-caller")).client, () => undefined);

  const ask = await caller.callPeer(weather.id, "What is the weather?", { timeoutMs: 20_000 });
  if (ask.status !== "input-required") throw new Error(`unexpected ${ask.status}`);
  expect(ask.text).toBe("Which city?");
  const done = await caller.callPeer(weather.id, "Rome", {
    taskId: ask.taskId!,
    contextId: ask.contextId!,
    timeoutMs: 20_000,
  });
  if (done.status !== "completed") throw new Error(`unexpected ${done.status}`);
  expect([done.text, done.taskId]).toEqual(["Sunny in Rome", ask.taskId]);
  expect(prompts).toHaveLength(1);
  expect(prompts[0]).toContain("Which city?");
});
