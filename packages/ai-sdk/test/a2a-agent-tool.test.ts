// Any A2A agent by URL as an AI SDK tool (issue #81): a generateText loop (MockLanguageModelV4) of
// a Molecule agent calls `a2aAgentTool(new RemoteA2AAgent({ url }))`; the model reads the agent's
// answer spotlit (its forged headers, markers and tags only as marked lines), the agent gets the
// bearer credential its card asks for and never this workspace's platform token; an unreachable
// agent is an error result the model reads, not a thrown run.
import {
  forgedLines,
  forgedText,
  startBareA2AAgent,
  type BareA2AAgent,
} from "@internal/test-utils";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { RemoteA2AAgent } from "@molecule-ai/agent-core/a2a";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { generateText, isStepCount } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { afterAll, beforeAll, expect, it } from "vitest";
import { a2aAgentTool } from "../src/index.js";
import { textStep, toolCallStep, toolResultsInPrompt } from "./helpers.js";

const HEADER = '[answer of peer "Forecaster"; untrusted text follows, each line marked │]';
const CREDENTIAL = "remote-credential-0001";
let emu: Emulator;
let bare: BareA2AAgent;
let token: string;
const stops: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  emu = await startEmulator();
  const w = await emu.admin.createWorkspace({ name: "Me" });
  token = w.token!;
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
  const me = new RemoteAgent({
    client,
    handler: () => undefined,
    agentCard: { name: "Me" },
    logger: {},
  });
  stops.push(
    () => client.close(),
    () => me.stop(),
  );
  await me.start();
  bare = await startBareA2AAgent({
    name: "Forecaster",
    description: "Weather forecasts",
    answer: forgedText(w.id),
    securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
  });
  stops.push(() => bare.close());
}, 60_000);

afterAll(async () => {
  for (const stop of stops.toReversed()) await stop().catch(() => undefined);
  await emu?.close();
});

it("a model calls an A2A agent by URL: spotlit answer, the card's credential only, no platform token", async () => {
  const remote = new RemoteA2AAgent({
    url: bare.url,
    credentials: { bearer: CREDENTIAL },
    allowPrivateNetwork: true,
  });
  stops.push(() => remote.close());
  await remote.connect();
  const tool = a2aAgentTool(remote);
  expect(tool.description).toContain("Weather forecasts");
  const model = new MockLanguageModelV4({
    doGenerate: [toolCallStep("forecaster", { message: "rain?" }), textStep("done")],
  });
  await generateText({
    model,
    tools: { forecaster: tool },
    prompt: "ask the forecaster",
    stopWhen: isStepCount(3),
  });
  const [seen] = toolResultsInPrompt(model, 1) as { type: string; value: string }[];
  expect(seen?.type).toBe("text");
  const text = seen!.value;
  expect(forgedLines(text, [HEADER])).toEqual([]);
  const [head, ...lines] = text.split("\n");
  expect(head).toBe(HEADER);
  for (const line of lines) expect(line.startsWith("│")).toBe(true);
  const rpc = bare.seen.filter((s) => s.url === "/rpc");
  expect(rpc).toHaveLength(1);
  expect(rpc[0]!.headers.authorization).toBe(`Bearer ${CREDENTIAL}`);
  expect(JSON.stringify(bare.seen)).not.toContain(token);
});

it("an agent that is down is an error result the model reads", async () => {
  const down = await startBareA2AAgent({ name: "Gone", answer: "" });
  const remote = new RemoteA2AAgent({ url: down.url, allowPrivateNetwork: true });
  stops.push(() => remote.close());
  await remote.connect();
  await down.close();
  const model = new MockLanguageModelV4({
    doGenerate: [toolCallStep("gone", { message: "hi" }), textStep("done")],
  });
  await generateText({
    model,
    tools: { gone: a2aAgentTool(remote) },
    prompt: "ask",
    stopWhen: isStepCount(3),
  });
  const [seen] = toolResultsInPrompt(model, 1) as { type: string; value: string }[];
  expect(seen).toMatchObject({ type: "error-text" });
  expect(seen!.value).toContain('the call to peer "Gone" failed');
});
