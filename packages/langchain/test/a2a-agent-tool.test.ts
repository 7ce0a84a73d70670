// Any A2A agent by URL as a LangChain tool (issue #81): a createAgent loop (fakeModel) of a
// Molecule agent calls `a2aAgentTool(new RemoteA2AAgent({ url }))`; the agent's answer reaches the
// model spotlit (its forged headers, markers and tags only as marked lines), the raw result stays
// in the artifact, the agent gets the bearer credential its card asks for, and never this
// workspace's platform token.
import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import {
  forgedLines,
  forgedText,
  startBareA2AAgent,
  type BareA2AAgent,
} from "@internal/test-utils";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { RemoteA2AAgent } from "@molecule-ai/agent-core/a2a";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { createAgent } from "langchain";
import { afterAll, beforeAll, expect, it } from "vitest";
import { a2aAgentTool } from "../src/index.js";

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
  expect(tool.name).toBe("call_forecaster");
  expect(tool.description).toContain("Weather forecasts");
  const model = fakeModel()
    .respondWithTools([{ name: "call_forecaster", args: { message: "rain?" }, id: "tc-1" }])
    .respond(new AIMessage("done"));
  const out = await createAgent({ model, tools: [tool] }).invoke({
    messages: [new HumanMessage("ask the forecaster")],
  });
  const [tm] = out.messages.filter((m) => ToolMessage.isInstance(m)) as ToolMessage[];
  const text = String(tm!.content);
  expect(forgedLines(text, [HEADER])).toEqual([]);
  const [head, ...lines] = text.split("\n");
  expect(head).toBe(HEADER);
  for (const line of lines) expect(line.startsWith("│")).toBe(true);
  expect(tm!.artifact).toMatchObject({
    peer: { name: "Forecaster" },
    result: { status: "completed" },
  });
  const rpc = bare.seen.filter((s) => s.url === "/rpc");
  expect(rpc).toHaveLength(1);
  expect(rpc[0]!.headers.authorization).toBe(`Bearer ${CREDENTIAL}`);
  expect(JSON.stringify(bare.seen)).not.toContain(token);
});
