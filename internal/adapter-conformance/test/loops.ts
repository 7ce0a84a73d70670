// The suite's per-adapter loop drivers: each builds its adapter's tools (peer tools, an A2A agent
// tool) or message handler and runs its framework's own real loop with a scripted model (the AI
// SDK's generateText + MockLanguageModelV4, LangChain's createAgent + fakeModel, the OpenAI Agents
// SDK's run + ScriptedModel), returning what the model was shown after each tool call.
import { AIMessage } from "@langchain/core/messages";
import type { BaseMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { HumanMessage, ToolMessage } from "@langchain/core/messages";
import { tool as lcTool } from "@langchain/core/tools";
import { MemorySaver } from "@langchain/langgraph";
import type {
  AgentEventMap,
  InboundHandler,
  PlatformClient,
  RemoteAgent,
} from "@molecule-ai/agent-core";
import { ApprovalWaiter } from "@molecule-ai/agent-core/org";
import type { RemoteA2AAgent } from "@molecule-ai/agent-core/a2a";
import * as aiSdk from "@molecule-ai/ai-sdk";
import * as lc from "@molecule-ai/langchain";
import {
  pendingApproval,
  resumeOnDecision,
  toolCallInterrupt,
} from "@molecule-ai/langchain/langgraph";
import * as oa from "@molecule-ai/openai-agents";
import { Agent, run as runAgent, setTracingDisabled, tool as oaTool } from "@openai/agents";
import { assistantMessage, functionCall, ScriptedModel } from "@openai/agents/testing";
import { generateText, isStepCount, tool as aiTool, ToolLoopAgent } from "ai";
import type { ModelMessage, ToolSet } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { createAgent } from "langchain";
import { z } from "zod";
import { call, serve } from "./endpoint.js";

/** A request a person is asked on the canvas, as the workspace lists it. */
export type ApprovalRow = Awaited<ReturnType<PlatformClient["listApprovals"]>>[number];
/** What a parent hears of a child's request (`onApprovalEscalated`). */
export type Escalation = AgentEventMap["approvalEscalated"];

setTracingDisabled(true);

/** What the model was shown of one tool call. */
export interface ToolResult {
  text: string;
  /**
   * Whether the framework marks the result as an error (AI SDK: an `error-text` model output or an
   * output with `ok: false`; LangChain: a ToolMessage with `status: "error"`); undefined where it
   * hands the model text only (OpenAI Agents SDK).
   */
  error?: boolean;
  /** The AI SDK's model-output type (`text`, `error-text`). */
  type?: string;
  /** LangChain's ToolMessage artifact (the raw result beside the text). */
  artifact?: Record<string, unknown>;
}

/** One tool call the scripted model makes. */
export interface Call {
  name: string;
  args: Record<string, unknown>;
}

/** The scripted model: given the results shown so far, its next call, or undefined to answer. */
export type Script = (shown: ToolResult[]) => Call | undefined;

/** The tools of one adapter, opaque to the tests but for their names and descriptions. */
export interface Kit {
  names: string[];
  description(name: string): string;
  tools: unknown;
}

export interface Loop {
  name: "ai-sdk" | "langchain" | "openai-agents";
  /** What the framework shows beside a tool result's text: a model-output type, an error flag, an artifact. */
  shows: { type: boolean; error: boolean; artifact: boolean };
  /** The adapter's `a2aAgentTool(remote)`. */
  a2aAgentTool(remote: RemoteA2AAgent): Kit;
  /** The adapter's peer tools for an agent or a client. */
  peerTools(
    source: PlatformClient | RemoteAgent<PlatformClient>,
    options: { include?: string[]; delegations?: boolean; listPeers?: false; delegate?: false },
  ): Promise<Kit>;
  /**
   * Runs the framework's loop on `kit`: the model calls what `script` says, then answers `final`.
   * Resolves the final text and every tool result the model was shown, in order.
   */
  run(kit: Kit, script: Script, final: string): Promise<{ text: string; shown: ToolResult[] }>;
  /**
   * The adapter's createPeerMessageHandler on an agent whose model counts its runs (with its
   * `onApprovalEscalated` option when given).
   */
  messageHandler(onApprovalEscalated?: (e: Escalation) => void): {
    handler: InboundHandler;
    modelRuns(): number;
    /** The conversation store's entry for `key`, where the adapter takes a store (AI SDK). */
    history?(key: string): Promise<unknown> | unknown;
  };
  /**
   * Where the adapter asks a person about its framework's tool calls: runs the loop on one call of
   * a `shell` tool with `input`, the adapter's approvals asking on the canvas (AI SDK:
   * `toolApproval` + `canvasApprovals`; LangChain: `toolCallInterrupt` in createAgent + a
   * checkpointer, `resumeOnDecision`; OpenAI Agents: a `needsApproval` tool in the message
   * handler's run, its `approvals`, the handler served behind createMessageEndpoint), lets `decide`
   * see and decide the request, and resolves the inputs the tool ran with.
   */
  askedShell?(
    client: PlatformClient,
    input: Record<string, string>,
    decide: (row: ApprovalRow) => Promise<void>,
  ): Promise<unknown[]>;
  /**
   * The same loop on one `shell` call of `{ command }` where no person is asked (the input is too
   * long to review, or the platform refuses the request; `untilAsked`, raced against the asking,
   * fails the run if a person is asked after all): what the model read of the call, the commands
   * the tool ran, and the warnings the adapter logged.
   */
  refusedShell?(
    client: PlatformClient,
    command: string,
    untilAsked?: Promise<never>,
  ): Promise<{ read: string; ran: string[]; logged: string[] }>;
}

/** The next pending request of `client`'s workspace. */
async function nextPending(client: PlatformClient): Promise<ApprovalRow> {
  for (;;) {
    const row = (await client.listApprovals()).find((r) => r.status === "pending");
    if (row) return row;
    await new Promise((r) => setImmediate(r));
  }
}

const aiUsage = {
  inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 10, text: 10, reasoning: undefined },
};
type Prompt = Parameters<MockLanguageModelV4["doGenerate"]>[0]["prompt"];
type AiStep = Awaited<ReturnType<MockLanguageModelV4["doGenerate"]>>;

/** A MockLanguageModelV4 step calling one tool. */
const aiToolStep = (toolName: string, input: unknown, toolCallId: string): AiStep => ({
  content: [{ type: "tool-call", toolCallId, toolName, input: JSON.stringify(input) }],
  finishReason: { unified: "tool-calls", raw: undefined },
  usage: aiUsage,
  warnings: [],
});

/** A MockLanguageModelV4 step answering `text`. */
const aiTextStep = (text: string): AiStep => ({
  content: [{ type: "text", text }],
  finishReason: { unified: "stop", raw: "stop" },
  usage: aiUsage,
  warnings: [],
});

/** The tool results of a MockLanguageModelV4 prompt, as the model sees them (toModelOutput). */
function aiShown(prompt: Prompt): { id: string; type: string; value: unknown }[] {
  return prompt.flatMap((m) =>
    m.role === "tool"
      ? m.content
          .filter((p) => p.type === "tool-result")
          .map((p) => {
            const { toolCallId, output } = p as unknown as {
              toolCallId: string;
              output: { type: string; value: unknown };
            };
            return { id: toolCallId, ...output };
          })
      : [],
  );
}

const aiSdkLoop: Loop = {
  name: "ai-sdk",
  shows: { type: true, error: true, artifact: false },
  a2aAgentTool(remote) {
    const t = aiSdk.a2aAgentTool(remote);
    const name = `call_${remote.name.toLowerCase()}`;
    return { names: [name], description: () => String(t.description), tools: { [name]: t } };
  },
  async peerTools(source, options) {
    const tools = await aiSdk.peerTools(source, options);
    return {
      names: Object.keys(tools),
      description: (n) => String(tools[n]?.description),
      tools,
    };
  },
  async run(kit, script, final) {
    let calls = 0;
    const model = new MockLanguageModelV4({
      doGenerate: async ({ prompt }) => {
        const shown = aiShown(prompt).map((o) => ({
          text: String(o.value ?? ""),
          type: o.type,
          error: o.type === "error-text",
        }));
        const next = script(shown);
        if (!next) return aiTextStep(final);
        return aiToolStep(next.name, next.args, `c${++calls}`);
      },
    });
    const result = await generateText({
      model,
      tools: kit.tools as ToolSet,
      prompt: "go",
      stopWhen: isStepCount(20),
    });
    const last = model.doGenerateCalls.at(-1)!.prompt;
    // A result the model reads as text may still be an `ok: false` output (a refused follow-up).
    const outputs = new Map(
      result.steps.flatMap((s) => s.toolResults.map((r) => [r.toolCallId, r.output] as const)),
    );
    const shown = aiShown(last).map((o) => ({
      text: String(o.value ?? ""),
      type: o.type,
      error:
        o.type === "error-text" ||
        (outputs.get(o.id) as { ok?: boolean } | undefined)?.ok === false,
    }));
    return { text: result.text, shown };
  },
  messageHandler(onApprovalEscalated) {
    const model = new MockLanguageModelV4({
      doGenerate: [aiTextStep("should not run")],
    });
    const store = new aiSdk.MemoryConversationStore();
    const handler = aiSdk.createPeerMessageHandler(new ToolLoopAgent({ model }), {
      store,
      ...(onApprovalEscalated ? { onApprovalEscalated } : {}),
    });
    return {
      handler,
      modelRuns: () => model.doGenerateCalls.length,
      history: (key) => store.get(key),
    };
  },
  async askedShell(client, input, decide) {
    const ran: unknown[] = [];
    const toolApproval = { shell: "user-approval" } as const;
    const tools = {
      shell: aiTool({
        description: "run a shell command",
        inputSchema: z.record(z.string(), z.string()),
        execute: async (args) => {
          ran.push(args);
          return "done";
        },
      }),
    };
    const model = new MockLanguageModelV4({
      doGenerate: [aiToolStep("shell", input, "c1"), aiTextStep("ok")],
    });
    const messages: ModelMessage[] = [{ role: "user", content: "clean up" }];
    const first = await generateText({
      model,
      tools,
      toolApproval,
      messages,
      stopWhen: isStepCount(3),
    });
    const waiter = new ApprovalWaiter({ client, file: false });
    const asked = aiSdk.canvasApprovals(waiter, first.content, { pollIntervalMs: 20 });
    await decide(await nextPending(client));
    messages.push(...first.responseMessages, await asked);
    await generateText({ model, tools, toolApproval, messages, stopWhen: isStepCount(3) });
    return ran;
  },
  async refusedShell(client, command, untilAsked) {
    const ran: string[] = [];
    const logged: string[] = [];
    const toolApproval = { shell: "user-approval" } as const;
    const tools = {
      shell: aiTool({
        description: "run a shell command",
        inputSchema: z.object({ command: z.string() }),
        execute: async ({ command }) => {
          ran.push(command);
          return "done";
        },
      }),
    };
    const model = new MockLanguageModelV4({
      doGenerate: [aiToolStep("shell", { command }, "c1"), aiTextStep("ok")],
    });
    const messages: ModelMessage[] = [{ role: "user", content: "clean up" }];
    const first = await generateText({
      model,
      tools,
      toolApproval,
      messages,
      stopWhen: isStepCount(3),
    });
    const waiter = new ApprovalWaiter({ client, file: false });
    const asking = aiSdk.canvasApprovals(waiter, first.content, {
      logger: { warn: (m) => logged.push(m) },
    });
    const answer = await (untilAsked ? Promise.race([asking, untilAsked]) : asking);
    messages.push(...first.responseMessages, answer);
    await generateText({ model, tools, toolApproval, messages, stopWhen: isStepCount(3) });
    // The denied result's one line: the part approving nothing, and what the next call's prompt
    // shows the model of the call (the AI SDK's execution-denied output carries it).
    const part = answer.content[0] as { approved: boolean; reason: string };
    const [shown] = aiShown(model.doGenerateCalls[1]!.prompt) as {
      type: string;
      reason?: string;
    }[];
    const read = part.approved === false && shown?.type === "execution-denied" && shown.reason;
    return { read: read || `not shown: ${JSON.stringify(shown)}`, ran, logged };
  },
};

const toolMessages = (messages: BaseMessage[]): ToolMessage[] =>
  messages.filter((m) => ToolMessage.isInstance(m)) as ToolMessage[];
const lcShown = (messages: BaseMessage[]): ToolResult[] =>
  toolMessages(messages).map((m) => ({
    text: String(m.content),
    error: m.status === "error",
    artifact: m.artifact as Record<string, unknown>,
  }));

const langchainLoop: Loop = {
  name: "langchain",
  shows: { type: false, error: true, artifact: true },
  a2aAgentTool(remote) {
    const t = lc.a2aAgentTool(remote);
    return { names: [t.name], description: () => t.description, tools: [t] };
  },
  async peerTools(source, options) {
    const tools = (await lc.PeerToolkit.fromClient(source, options)).getTools();
    return {
      names: tools.map((t) => t.name),
      description: (n) => tools.find((t) => t.name === n)!.description,
      tools,
    };
  },
  async run(kit, script, final) {
    let calls = 0;
    let model = fakeModel();
    // One scripted response a step: a tool call while the script has one, then the answer.
    let done = false;
    const step = (m: BaseMessage[]) => {
      const next = done ? undefined : script(lcShown(m));
      if (!next) {
        done = true;
        return new AIMessage(final);
      }
      return new AIMessage({
        content: "",
        tool_calls: [{ name: next.name, args: next.args, id: `tc-${++calls}`, type: "tool_call" }],
      });
    };
    for (let i = 0; i < 20; i++) model = model.respond(step);
    const out = await createAgent({ model, tools: kit.tools as never }).invoke({
      messages: [new HumanMessage("go")],
    });
    return { text: String(out.messages.at(-1)!.content), shown: lcShown(out.messages) };
  },
  messageHandler(onApprovalEscalated) {
    let runs = 0;
    const model = fakeModel().respond(() => {
      runs++;
      return new AIMessage("should not run");
    });
    const handler = lc.createPeerMessageHandler(
      createAgent({ model, tools: [] }),
      onApprovalEscalated ? { onApprovalEscalated } : {},
    );
    return { handler, modelRuns: () => runs };
  },
  async askedShell(client, input, decide) {
    const ran: unknown[] = [];
    const shell = lcTool(
      async (args: Record<string, string>) => {
        const refused = await toolCallInterrupt(client, "shell", args);
        if (refused !== undefined) return refused;
        ran.push(args);
        return "done";
      },
      {
        name: "shell",
        description: "run a shell command",
        schema: z.record(z.string(), z.string()),
      },
    );
    const model = fakeModel()
      .respondWithTools([{ name: "shell", args: input, id: "tc-hidden" }])
      .respond(new AIMessage("done"));
    const agent = createAgent({ model, tools: [shell], checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "hidden" } };
    const first = await agent.invoke({ messages: [new HumanMessage("clean up")] }, config);
    const p = pendingApproval(first)!;
    await decide((await client.listApprovals()).find((r) => r.id === p.approvalId)!);
    await resumeOnDecision(agent, null, config, new ApprovalWaiter({ client, file: false }));
    return ran;
  },
  async refusedShell(client, command, untilAsked) {
    const ran: string[] = [];
    const logged: string[] = [];
    const shell = lcTool(
      async ({ command }: { command: string }) => {
        const refused = await toolCallInterrupt(
          client,
          "shell",
          { command },
          { logger: { warn: (m) => logged.push(m) } },
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
    const model = fakeModel()
      .respondWithTools([{ name: "shell", args: { command }, id: "tc-1" }])
      .respond(new AIMessage("ok"));
    const agent = createAgent({ model, tools: [shell], checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "refused" } };
    const invoked = agent.invoke({ messages: [new HumanMessage("clean up")] }, config);
    const result = await (untilAsked ? Promise.race([invoked, untilAsked]) : invoked);
    // Nothing interrupted the thread for a person.
    if (pendingApproval(result) !== undefined) throw new Error("a person was asked");
    const [tm] = toolMessages(result.messages);
    return { read: String(tm?.content), ran, logged };
  },
};

/** The function-call outputs in an OpenAI Agents model request, in order. */
function oaShown(input: unknown): ToolResult[] {
  if (!Array.isArray(input)) return [];
  return (input as { type?: string; output?: unknown }[])
    .filter((i) => i.type === "function_call_result")
    .map((i) => {
      const o = i.output as string | { type?: string; text?: string };
      return { text: typeof o === "string" ? o : String(o?.text ?? "") };
    });
}

const openAIAgentsLoop: Loop = {
  name: "openai-agents",
  shows: { type: false, error: false, artifact: false },
  a2aAgentTool(remote) {
    const t = oa.a2aAgentTool(remote);
    return { names: [t.name], description: () => t.description, tools: [t] };
  },
  async peerTools(source, options) {
    const tools = await oa.peerTools(source, options);
    return {
      names: tools.map((t) => t.name),
      description: (n) => tools.find((t) => t.name === n)!.description,
      tools,
    };
  },
  async run(kit, script, final) {
    let calls = 0;
    let last: ToolResult[] = [];
    const respond = (call: { request: { input: unknown } }) => {
      last = oaShown(call.request.input);
      const next = script(last);
      if (!next) return [assistantMessage(final)];
      return [functionCall(next.name, next.args, { callId: `c${++calls}` })];
    };
    const model = new ScriptedModel(
      Array.from({ length: 20 }, () => ({ type: "responder" as const, respond })),
    );
    const agent = new Agent({
      name: "Writer",
      instructions: "You write.",
      model,
      tools: kit.tools as never,
    });
    const result = await runAgent(agent, "go", { maxTurns: 20 });
    return { text: String(result.finalOutput), shown: last };
  },
  messageHandler(onApprovalEscalated) {
    let runs = 0;
    const model = new ScriptedModel([
      {
        type: "responder",
        respond: () => {
          runs++;
          return [assistantMessage("should not run")];
        },
      },
    ]);
    const handler = oa.createPeerMessageHandler(
      new Agent({ name: "Caller", instructions: "You answer.", model }),
      onApprovalEscalated ? { onApprovalEscalated } : {},
    );
    return { handler, modelRuns: () => runs };
  },
  async askedShell(client, input, decide) {
    const ran: unknown[] = [];
    const shell = oaTool({
      name: "shell",
      description: "run a shell command",
      parameters: z.object(Object.fromEntries(Object.keys(input).map((k) => [k, z.string()]))),
      needsApproval: true,
      execute: async (args) => (ran.push(args), "done"),
    });
    const model = new ScriptedModel([
      [functionCall("shell", input, { callId: "call-hidden" })],
      { type: "responder", respond: () => [assistantMessage("done")] },
    ]);
    // The handler asks while it answers a message: served behind createMessageEndpoint.
    const handler = oa.createPeerMessageHandler(
      new Agent({ name: "writer", model, tools: [shell] }),
      {
        approvals: { asker: new ApprovalWaiter({ client, file: false }), pollIntervalMs: 50 },
      },
    );
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const url = await serve(handler, cleanups);
      await Promise.all([call(url, "clean up", "hidden", false), nextPending(client).then(decide)]);
    } finally {
      for (const c of cleanups.toReversed()) await c();
    }
    return ran;
  },
  async refusedShell(client, command, untilAsked) {
    const ran: string[] = [];
    const logged: string[] = [];
    const shell = oaTool({
      name: "shell",
      description: "run a shell command",
      parameters: z.object({ command: z.string() }),
      needsApproval: true,
      execute: async ({ command: c }) => (ran.push(c), "done"),
    });
    let read = "";
    const model = new ScriptedModel([
      [functionCall("shell", { command }, { callId: "call-refused" })],
      {
        type: "responder",
        respond: (c) => (
          (read = oaShown(c.request.input).at(-1)?.text ?? ""),
          [assistantMessage("ok")]
        ),
      },
    ]);
    const handler = oa.createPeerMessageHandler(
      new Agent({ name: "writer", model, tools: [shell] }),
      {
        approvals: {
          asker: new ApprovalWaiter({ client, file: false }),
          logger: { warn: (m: string) => logged.push(m) },
        },
      },
    );
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      const url = await serve(handler, cleanups);
      const answered = call(url, "clean up", "refused", false);
      await (untilAsked ? Promise.race([answered, untilAsked]) : answered);
    } finally {
      for (const c of cleanups.toReversed()) await c();
    }
    return { read, ran, logged };
  },
};

/** Every adapter with a framework loop. */
export const loops: Loop[] = [aiSdkLoop, langchainLoop, openAIAgentsLoop];
