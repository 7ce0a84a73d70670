// The agent's start checks its model's OpenAI key the way `run` will look for it (the SDK's default
// model provider): none anywhere fails start() in one line before any platform call; a key set
// with setDefaultOpenAIKey (which nothing can read back) or in OPENAI_API_KEY passes.
import { MoleculeError, PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { Agent, setDefaultOpenAIKey, setTracingDisabled } from "@openai/agents";
import { ScriptedModel } from "@openai/agents/testing";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { createPeerMessageHandler, peerTools } from "../src/index.js";

let emu: Emulator;
const savedKey = process.env["OPENAI_API_KEY"];
beforeAll(async () => {
  setTracingDisabled(true);
  delete process.env["OPENAI_API_KEY"];
  emu = await startEmulator();
});
afterAll(async () => {
  if (savedKey !== undefined) process.env["OPENAI_API_KEY"] = savedKey;
  await emu.close();
});

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

async function agentFor(agent: Agent, run?: Parameters<typeof createPeerMessageHandler>[1]) {
  const ws = await emu.admin.createWorkspace({ name: "writer" });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token });
  const remote = new RemoteAgent({ client, handler: createPeerMessageHandler(agent, run) });
  stops.push(async () => {
    await remote.stop();
    await client.close();
  });
  return { remote, id: ws.id };
}

it("no key anywhere: start() rejects with model_key_missing, before registering", async () => {
  const { remote, id } = await agentFor(new Agent({ name: "writer", model: "gpt-5-mini" }));
  const error = await remote.start().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(MoleculeError);
  expect(error).toMatchObject({ code: "model_key_missing", retryable: false });
  expect((error as Error).message).toContain("set OPENAI_API_KEY");
  expect((error as Error).message.split("\n")).toHaveLength(1);
  // Nothing reached the platform: the workspace still waits for its agent.
  expect((await emu.admin.getWorkspace(id))["status"]).toBe("awaiting_agent");
});

it("the default model (no model on the agent) is checked too", async () => {
  const { remote } = await agentFor(new Agent({ name: "writer" }));
  await expect(remote.start()).rejects.toMatchObject({ code: "model_key_missing" });
});

it("the quickstart's wrapped handler ((msg, ctx) => handler(msg, ctx)): start() still checks, through the peer tools", async () => {
  const ws = await emu.admin.createWorkspace({ name: "writer" });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token });
  // As the README's quickstart: the agent's tools need the RemoteAgent, so its handler is a
  // wrapper around the handler built after them, which hides the handler's own checkStart.
  const remote = new RemoteAgent({ client, handler: (msg, ctx) => handler(msg, ctx) });
  stops.push(async () => {
    await remote.stop();
    await client.close();
  });
  const agent = new Agent({ name: "writer", model: "gpt-5", tools: await peerTools(remote) });
  const handler = createPeerMessageHandler(agent);
  const error = await remote.start().catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "model_key_missing", retryable: false });
  expect((error as Error).message).toContain("set OPENAI_API_KEY");
  expect((await emu.admin.getWorkspace(ws.id))["status"]).toBe("awaiting_agent");
});

it("a model instance, or a run of the user's own, is not checked", async () => {
  const scripted = new ScriptedModel([]);
  const a = await agentFor(new Agent({ name: "writer", model: scripted }));
  await a.remote.start();
  const b = await agentFor(new Agent({ name: "writer", model: "gpt-5-mini" }), {
    run: () => Promise.reject(new Error("not run")),
  });
  await b.remote.start();
  expect([a.remote.delivery, b.remote.delivery]).toEqual(["poll", "poll"]);
});

it("a key set with setDefaultOpenAIKey, or in OPENAI_API_KEY, passes", async () => {
  process.env["OPENAI_API_KEY"] = "sk-from-env";
  const a = await agentFor(new Agent({ name: "writer", model: "gpt-5-mini" }));
  await a.remote.start();
  delete process.env["OPENAI_API_KEY"];
  setDefaultOpenAIKey("sk-set-in-code");
  const b = await agentFor(new Agent({ name: "writer", model: "gpt-5-mini" }));
  await b.remote.start();
  expect([a.remote.delivery, b.remote.delivery]).toEqual(["poll", "poll"]);
});
