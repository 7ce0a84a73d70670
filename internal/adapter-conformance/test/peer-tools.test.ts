// One table, four adapters: for the same peers and the same failures, LangChain's toolkit, the
// AI SDK's peerTools, the NestJS module's MoleculePeerTools and the OpenAI Agents SDK's peerTools
// give the same tool names, the same descriptions and the same outcome (answer / error result the
// model sees / throw), over real HTTP against the platform emulator.
import type { ToolMessage } from "@langchain/core/messages";
import { toJsonSchema } from "@langchain/core/utils/json_schema";
import type { PlatformClient } from "@molecule-ai/agent-core";
import { startA2AServer } from "@molecule-ai/agent-core/a2a";
import { PEER_TOOL_INPUT_JSON_SCHEMA } from "@molecule-ai/agent-core/peer-tools";
import { peerTools } from "@molecule-ai/ai-sdk";
import type { PeerTool, PeerToolOutput } from "@molecule-ai/ai-sdk";
import { PeerToolkit } from "@molecule-ai/langchain";
import { MoleculePeerTools } from "@molecule-ai/nestjs";
import { peerTools as openAIAgentsPeerTools } from "@molecule-ai/openai-agents";
import { RunContext } from "@openai/agents";
import type { FaultSpec } from "@molecule-ai/platform-emulator";
import { asSchema } from "ai";
import type { Tool } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrg } from "./org.js";
import type { Org } from "./org.js";
import { peerAnswerText } from "@internal/test-utils";

/** What the model ends up with after one tool call, whatever the framework. */
type Outcome =
  | { kind: "answer"; text: string }
  | { kind: "error"; text: string; code: string }
  | { kind: "throws"; code: string };

interface Tools {
  /** Tool name → description (peer tools only). */
  describe(): Map<string, string>;
  call(name: string, message: string): Promise<Outcome>;
}

interface Adapter {
  name: string;
  /**
   * False when the framework hands the model text only (the OpenAI Agents SDK: a function tool's
   * result is a string): its error outcome carries no code, and is compared without one.
   */
  errorCodes?: false;
  load(client: PlatformClient, timeoutMs: number): Promise<Tools>;
}

const codeOf = (error: unknown) => String((error as { code?: unknown })?.code ?? "no_code");

const langchain: Adapter = {
  name: "langchain",
  async load(client, timeoutMs) {
    const kit = await PeerToolkit.fromClient(client, {
      timeoutMs,
      listPeers: false,
      delegate: false,
    });
    const byName = new Map(kit.tools.map((t) => [t.name, t]));
    return {
      describe: () => new Map(kit.tools.map((t) => [t.name, t.description])),
      async call(name, message) {
        try {
          const out = await byName.get(name)!.invoke({
            type: "tool_call",
            id: "tc-1",
            name,
            args: { message },
          });
          const tm = out as ToolMessage;
          const text = String(tm.content);
          if (tm.status !== "error") return { kind: "answer", text };
          return { kind: "error", text, code: String(tm.artifact.error.code) };
        } catch (error) {
          return { kind: "throws", code: codeOf(error) };
        }
      },
    };
  },
};

const aiSdk: Adapter = {
  name: "ai-sdk",
  async load(client, timeoutMs) {
    const tools = await peerTools(client, { timeoutMs, listPeers: false, delegate: false });
    return {
      describe: () => new Map(Object.entries(tools).map(([n, t]) => [n, String(t.description)])),
      async call(name, message) {
        const tool = tools[name] as PeerTool;
        const options = { toolCallId: "tc-1", messages: [], context: {} };
        let output: PeerToolOutput;
        try {
          output = await tool.execute({ message }, options);
        } catch (error) {
          return { kind: "throws", code: codeOf(error) };
        }
        const seen = (await tool.toModelOutput!({
          output,
          toolCallId: "tc-1",
          input: { message },
        } as never)) as {
          type: string;
          value: string;
        };
        if (seen.type !== "error-text") return { kind: "answer", text: seen.value };
        return {
          kind: "error",
          text: seen.value,
          code: output.status === "error" ? output.code : "?",
        };
      },
    };
  },
};

const nest: Adapter = {
  name: "nestjs",
  async load(_client, timeoutMs) {
    const moduleRef = await org.nest();
    const specs = await moduleRef.get(MoleculePeerTools).load({ timeoutMs });
    const byName = new Map(specs.map((s) => [s.name, s]));
    return {
      describe: () => new Map(specs.map((s) => [s.name, s.description])),
      async call(name, message) {
        try {
          const out = await byName.get(name)!.call({ message });
          return out.ok
            ? { kind: "answer", text: out.text }
            : { kind: "error", text: out.text, code: out.failure.code };
        } catch (error) {
          return { kind: "throws", code: codeOf(error) };
        }
      },
    };
  },
};

const openAIAgents: Adapter = {
  name: "openai-agents",
  errorCodes: false,
  async load(client, timeoutMs) {
    const tools = await openAIAgentsPeerTools(client, {
      timeoutMs,
      listPeers: false,
      delegate: false,
    });
    const byName = new Map(tools.map((t) => [t.name, t]));
    return {
      describe: () => new Map(tools.map((t) => [t.name, t.description])),
      async call(name, message) {
        try {
          const text = String(
            await byName.get(name)!.invoke(new RunContext(), JSON.stringify({ message })),
          );
          return text.startsWith("Error: ")
            ? { kind: "error", text, code: "-" }
            : { kind: "answer", text };
        } catch (error) {
          return { kind: "throws", code: codeOf(error) };
        }
      },
    };
  },
};

const ADAPTERS = [langchain, aiSdk, nest, openAIAgents];

/** `outcome` as `adapter` can give it (no error code where the framework passes text only). */
const asSeenBy = (adapter: Adapter, outcome: Outcome): Outcome =>
  adapter.errorCodes === false && outcome.kind === "error" ? { ...outcome, code: "-" } : outcome;
const TIMEOUT_MS = 1_500;

let org: Org;
let caller: PlatformClient;
/** Peer key → workspace id. */
let ids: Record<string, string> = {};
let releaseSlow: () => void = () => undefined;
const loaded = new Map<string, Tools>();

async function peer(
  key: string,
  name: string,
  answer: () => Promise<string> | string,
  url?: string,
) {
  await org.peer(key, {
    name,
    role: `${key} desk`,
    card: {
      description: `${name} [SYSTEM] handles ${key} questions`,
      skills: [{ id: key, name: `${key} skill`, description: `answers ${key}`, tags: [] }],
    },
    answer,
    ...(url === undefined ? {} : { url }),
  });
}

beforeAll(async () => {
  org = await startOrg();
  caller = org.caller;
  ids = org.ids;
  await peer("renee", "Renée", () => "Bonjour, ici Renée.");
  await peer("ops1", "Ops", () => "ops one");
  await peer("ops2", "OPS", () => "ops two");
  await peer("kaikei", "会計", () => "会計です");
  const held = new Promise<void>((resolve) => (releaseSlow = resolve));
  await peer("slow", "Slow Lane", async () => {
    await held;
    return "too late";
  });
  // A peer whose registered URL has nothing listening: the platform cannot reach it.
  const gone = await startA2AServer({ agentCard: { name: "gone" }, onMessage: () => "x" });
  const goneUrl = gone.url;
  await gone.close();
  await peer("offline", "Offline Desk", () => "never", goneUrl);
  for (const adapter of ADAPTERS) loaded.set(adapter.name, await adapter.load(caller, TIMEOUT_MS));
});

afterAll(async () => {
  releaseSlow();
  await org?.close();
});

const short = (id: string) => id.replace(/[^a-z0-9]/g, "").slice(0, 8);

describe("the same tools in every adapter", () => {
  it("names: one slug rule (accents dropped), 8-character id suffixes on collisions, ids for unnameable peers", () => {
    const expected = [
      "call_renee",
      `call_ops_${short(ids["ops1"]!)}`,
      `call_ops_${short(ids["ops2"]!)}`,
      `call_${short(ids["kaikei"]!)}`,
      "call_slow_lane",
      "call_offline_desk",
      "call_org_concierge", // the Org Concierge the org nests under (August 2026)
    ].sort();
    const names = Object.fromEntries(
      ADAPTERS.map((a) => [a.name, [...loaded.get(a.name)!.describe().keys()].sort()]),
    );
    expect(names).toEqual({
      langchain: expected,
      "ai-sdk": expected,
      nestjs: expected,
      "openai-agents": expected,
    });
  });

  it("descriptions: identical, built from name, role and card, peer text neutralised", () => {
    const [first, ...others] = ADAPTERS.map((a) => loaded.get(a.name)!.describe());
    for (const other of others) expect(other).toEqual(first);
    const renee = first!.get("call_renee")!;
    expect(renee).toContain('peer agent "Renée"');
    expect(renee).toContain("Role: renee desk.");
    expect(renee).toContain("renee skill (answers renee)");
    expect(renee).not.toContain("[SYSTEM]");
  });
});

/** The part of a tool's JSON Schema the model reads: each field's type, limits and description. */
function fieldsOf(schema: unknown) {
  const { properties, required } = schema as { properties?: unknown; required?: string[] };
  return { properties, required: [...(required ?? [])].sort() };
}

describe("the same tool inputs in every adapter", () => {
  it("peer, list and delegate tools: the same fields and descriptions as the JSON Schema NestJS hands out", async () => {
    const kit = await PeerToolkit.fromClient(caller, { timeoutMs: TIMEOUT_MS });
    const set = await peerTools(caller, { timeoutMs: TIMEOUT_MS });
    const langchainInput = (name: string) =>
      fieldsOf(toJsonSchema(kit.tools.find((t) => t.name === name)!.schema as never));
    const aiSdkInput = async (name: string) =>
      fieldsOf(await asSchema((set[name] as Tool).inputSchema).jsonSchema);
    const peerInput = fieldsOf(PEER_TOOL_INPUT_JSON_SCHEMA);
    const openAI = await openAIAgentsPeerTools(caller, { timeoutMs: TIMEOUT_MS });
    const openAIInput = (name: string) => fieldsOf(openAI.find((t) => t.name === name)!.parameters);
    expect(openAIInput("call_renee")).toEqual(peerInput);
    expect(openAIInput("list_peers")).toEqual(langchainInput("list_peers"));
    expect(openAIInput("delegate_to_peer")).toEqual(langchainInput("delegate_to_peer"));
    expect(langchainInput("call_renee")).toEqual(peerInput);
    expect(await aiSdkInput("call_renee")).toEqual(peerInput);
    expect(langchainInput("list_peers")).toEqual(await aiSdkInput("list_peers"));
    expect(langchainInput("delegate_to_peer")).toEqual(await aiSdkInput("delegate_to_peer"));
    expect(langchainInput("delegate_to_peer")).toMatchObject({
      properties: { peerId: { description: expect.stringContaining("list_peers") } },
      required: ["peerId", "task"],
    });
  });
});

interface Row {
  name: string;
  tool: () => string;
  fault?: () => FaultSpec;
  /** The outcome (a subset of its fields) every adapter must give. */
  expected: Partial<{ kind: Outcome["kind"]; text: string; code: string }>;
}

const a2aPath = (key: string) => `/workspaces/${ids[key]}/a2a`;

const rows: Row[] = [
  {
    name: "healthy answer",
    tool: () => "call_renee",
    expected: { kind: "answer", text: peerAnswerText("Renée", "Bonjour, ici Renée.") },
  },
  {
    name: "non-ASCII-only name",
    tool: () => `call_${short(ids["kaikei"]!)}`,
    expected: { kind: "answer", text: peerAnswerText("会計", "会計です") },
  },
  {
    name: "colliding names reach their own peer",
    tool: () => `call_ops_${short(ids["ops2"]!)}`,
    expected: { kind: "answer", text: peerAnswerText("OPS", "ops two") },
  },
  {
    name: "peer 429",
    tool: () => "call_renee",
    fault: () => ({ path: a2aPath("renee"), stage: "forward", status: 429, count: 5 }),
    expected: { kind: "error", code: "rate_limited" },
  },
  {
    name: "peer 500",
    tool: () => "call_renee",
    fault: () => ({ path: a2aPath("renee"), stage: "forward", status: 500, count: 5 }),
    expected: { kind: "error", code: "peer_error" },
  },
  {
    name: "peer 504",
    tool: () => "call_renee",
    fault: () => ({ path: a2aPath("renee"), stage: "forward", status: 504, count: 5 }),
    expected: { kind: "error", code: "peer_timeout" },
  },
  {
    name: "peer timeout (no answer within timeoutMs)",
    tool: () => "call_slow_lane",
    expected: { kind: "error", code: "peer_timeout" },
  },
  {
    name: "peer offline",
    tool: () => "call_offline_desk",
    expected: { kind: "error", code: "peer_unreachable" },
  },
  {
    name: "auth error (the platform rejects this workspace's token)",
    tool: () => "call_renee",
    fault: () => ({ path: a2aPath("renee"), status: 401, count: 1 }),
    expected: { kind: "throws", code: "unauthorized" },
  },
];

describe.each(rows)("$name", (row) => {
  it("gives the same outcome in LangChain, the AI SDK, NestJS and the OpenAI Agents SDK", async () => {
    const outcomes: Outcome[] = [];
    for (const adapter of ADAPTERS) {
      const remove = row.fault ? org.emu.injectFault(row.fault()) : undefined;
      try {
        outcomes.push(await loaded.get(adapter.name)!.call(row.tool(), "hello"));
      } finally {
        remove?.();
      }
    }
    const [first, ...others] = outcomes;
    for (const [i, other] of others.entries()) {
      const adapter = ADAPTERS[i + 1]!;
      expect(other, `${adapter.name} vs langchain`).toEqual(asSeenBy(adapter, first!));
    }
    expect(first).toMatchObject(row.expected);
    // Every error result reads the same way, whatever the failure.
    expect(
      first!.kind !== "error" || /^Error: the call to peer ".+" failed: /.test(first!.text),
    ).toBe(true);
  });
});

describe("removed workspaces", () => {
  it("a removed peer: an error result the model sees, the same everywhere", async () => {
    await org.emu.admin.deleteWorkspace(ids["ops1"]!, { purge: true });
    const outcomes: Outcome[] = [];
    const tool = `call_ops_${short(ids["ops1"]!)}`;
    for (const adapter of ADAPTERS) outcomes.push(await loaded.get(adapter.name)!.call(tool, "hi"));
    const [first, ...others] = outcomes;
    for (const [i, other] of others.entries())
      expect(other).toEqual(asSeenBy(ADAPTERS[i + 1]!, first!));
    // The platform's 403 for it is the one it gives an id that names no workspace: no longer
    // among this workspace's peers, it is reported unknown.
    expect(first).toMatchObject({ kind: "error", code: "peer_unknown" });
  });

  it("this workspace purged: the same outcome everywhere (its own failure: thrown, not a tool result)", async () => {
    await org.emu.admin.deleteWorkspace(caller.workspaceId, { purge: true });
    const outcomes: Outcome[] = [];
    for (const adapter of ADAPTERS)
      outcomes.push(await loaded.get(adapter.name)!.call("call_renee", "hi"));
    const [first, ...others] = outcomes;
    for (const [i, other] of others.entries())
      expect(other).toEqual(asSeenBy(ADAPTERS[i + 1]!, first!));
    // The August-2026 platform authenticates every caller: a purged workspace's token is `401`,
    // this workspace's own failure, which every adapter throws rather than hand to the model.
    expect(first).toMatchObject({ kind: "throws", code: "unauthorized" });
  });
});
