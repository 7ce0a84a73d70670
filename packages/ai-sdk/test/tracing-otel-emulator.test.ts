// One trace from the caller to the model and back (issue 94), over real HTTP through the emulator:
// with `@ai-sdk/otel` registered, the AI SDK's spans of a handler (a ToolLoopAgent on a
// MockLanguageModelV4) nest under the inbound message's `molecule.handle_message` span, and the
// peer tool's call (`molecule.peer_call`) under the AI SDK's `execute_tool` span of that model
// step; the peer's own handling continues the same trace. Both hostings: a RemoteAgent (push),
// and createPeerRequestHandler on a web server (message/send through the platform, and a
// message/stream whose answer is read as it is generated).
import { OpenTelemetry } from "@ai-sdk/otel";
import { generatePathSecret, PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { InboundHandler } from "@molecule-ai/agent-core";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { spanAncestors, spanTree, waitFor } from "@internal/test-utils";
import { testTracing } from "@internal/test-utils/tracing";
import { trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { isStepCount, registerTelemetry, simulateReadableStream, ToolLoopAgent } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPeerMessageHandler, createPeerRequestHandler, peerTool } from "../src/index.js";
import { textStep, toolCallStep, usage } from "./helpers.js";
import { serve, type Served } from "./serve.js";

const { exporter, register, shutdown } = testTracing();

let emu: Emulator;
let served: Served;
let secret: string;
const clients: PlatformClient[] = [];
const agents: RemoteAgent<PlatformClient>[] = [];
const ids = { caller: "", pushed: "", hosted: "", billing: "" };
const names: Record<string, string> = {};
let caller: PlatformClient;

/** A support agent: asks billing (its peer tool), then answers; streams a plain answer. */
function supportAgent(client: PlatformClient) {
  const model = new MockLanguageModelV4({
    doGenerate: [
      toolCallStep("ask_billing", { message: "Is invoice 42 paid?" }),
      textStep("Yes: invoice 42 is paid."),
    ],
    doStream: async () => ({
      stream: simulateReadableStream({
        chunks: [
          { type: "text-start", id: "t" },
          { type: "text-delta", id: "t", delta: "Invoice 42 " },
          { type: "text-delta", id: "t", delta: "is paid." },
          { type: "text-end", id: "t" },
          { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage },
        ],
      }),
    }),
  });
  return new ToolLoopAgent({
    model,
    instructions: "You answer customers; ask billing about invoices.",
    tools: { ask_billing: peerTool(client, { id: ids.billing, name: "billing" }) },
    stopWhen: isStepCount(3),
  });
}

/** Starts a push agent with `handler`. */
async function start(c: PlatformClient, handler: InboundHandler<PlatformClient>): Promise<void> {
  const agent = new RemoteAgent({ client: c, handler, delivery: { mode: "push" }, logger: {} });
  agents.push(agent);
  await agent.start();
}

beforeAll(async () => {
  register();
  registerTelemetry(new OpenTelemetry());
  emu = await startEmulator({ compat: "latest" });
  const client = async (name: string): Promise<PlatformClient> => {
    const ws = await emu.admin.createWorkspace({ name });
    const c = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! });
    names[ws.id] = name;
    clients.push(c);
    return c;
  };
  caller = await client("caller");
  const billing = await client("billing");
  const pushed = await client("support-pushed");
  const hosted = await client("support-hosted");
  Object.assign(ids, {
    caller: caller.workspaceId,
    billing: billing.workspaceId,
    pushed: pushed.workspaceId,
    hosted: hosted.workspaceId,
  });
  await start(billing, () => "Invoice 42 is paid.");
  await start(pushed, createPeerMessageHandler(supportAgent(pushed)));
  secret = generatePathSecret();
  const handler = createPeerMessageHandler(supportAgent(hosted));
  served = await serve(createPeerRequestHandler({ client: hosted, handler, pathSecret: secret }));
  await hosted.register({ url: `${served.origin}/${secret}`, agentCard: { name: "support" } });
});

afterAll(async () => {
  for (const a of agents) await a.stop();
  await served?.close();
  for (const c of clients) await c.close();
  await emu?.close();
  await shutdown();
});

beforeEach(() => exporter.reset());

const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
const handled = (ws: string) => (s: ReadableSpan) =>
  s.name === "molecule.handle_message" && s.attributes["molecule.workspace.id"] === ws;
const id = (s: ReadableSpan | undefined): string | undefined => s?.spanContext().spanId;
/** The workspace a span names, by name (for the dump). */
const label = (s: ReadableSpan): string => {
  const ws = s.attributes["molecule.workspace.id"];
  return typeof ws === "string" ? `(${names[ws] ?? ws})` : "";
};

/** When a span ended, in nanoseconds. */
const ended = (s: ReadableSpan): number => s.endTime[0] * 1e9 + s.endTime[1];

/** The agent's trace checked: model and tool spans under its message, the peer call under the tool. */
async function expectJoined(agentId: string): Promise<void> {
  const handle = await waitFor(() => spans().find(handled(agentId)));
  await waitFor(() => spans().find(handled(ids.billing)));
  const all = spans();
  const under = (s: ReadableSpan): string[] => spanAncestors(all, s).map((a) => a.name);
  // The AI SDK's agent run, its steps and model calls: descendants of the message's span.
  const run = all.find((s) => s.name.startsWith("invoke_agent "))!;
  expect(run.parentSpanContext?.spanId).toBe(id(handle));
  const chats = all.filter((s) => s.name.startsWith("chat "));
  expect(chats).toHaveLength(2);
  for (const chat of chats) expect(spanAncestors(all, chat)).toContain(handle);
  // The peer tool's run is the AI SDK's execute_tool of step 1; the peer call is its child.
  const tool = all.find((s) => s.name === "execute_tool ask_billing")!;
  expect(under(tool)[0]).toBe("step 1");
  const call = all.find(
    (s) => s.name === "molecule.peer_call" && s.attributes["molecule.peer.id"] === ids.billing,
  )!;
  expect(call.parentSpanContext?.spanId).toBe(id(tool));
  // The peer's handling continues the same trace, below that call.
  const billing = all.find(handled(ids.billing))!;
  expect(spanAncestors(all, billing)).toContain(call);
  expect(new Set(all.map((s) => s.spanContext().traceId)).size).toBe(1);
}

describe("the AI SDK's spans join the message's trace (@ai-sdk/otel registered)", () => {
  it("a RemoteAgent's handler: model and tool spans under handle_message, the peer call under execute_tool", async () => {
    const answer = await caller.callPeer(ids.pushed, "Is my invoice 42 paid?");
    expect(answer.status === "completed" && answer.text).toContain("invoice 42 is paid");
    await expectJoined(ids.pushed);
  });

  it("createPeerRequestHandler: the handler runs in the message's span, a child of the caller's", async () => {
    const answer = await caller.callPeer(ids.hosted, "Is my invoice 42 paid?");
    expect(answer.status === "completed" && answer.text).toContain("invoice 42 is paid");
    await expectJoined(ids.hosted);
    const all = spans();
    const first = all.find(
      (s) => s.name === "molecule.peer_call" && s.attributes["molecule.peer.id"] === ids.hosted,
    )!;
    expect(spanAncestors(all, all.find(handled(ids.hosted))!)).toContain(first);
    // The whole trace (the dump in the ai-sdk README): names, kinds, workspaces.
    expect(spanTree(all, label)).toBe(
      [
        "molecule.peer_call [client] (caller)",
        "  POST /workspaces/{id}/a2a [client]",
        "  molecule.handle_message [server] (support-hosted)",
        "    invoke_agent mock-model-id [internal]",
        "      step 1 [internal]",
        "        chat mock-model-id [client]",
        "        execute_tool ask_billing [internal]",
        "          molecule.peer_call [client] (support-hosted)",
        "            POST /workspaces/{id}/a2a [client]",
        "            molecule.handle_message [server] (billing)",
        "      step 2 [internal]",
        "        chat mock-model-id [client]",
      ].join("\n"),
    );
  });

  it("createPeerRequestHandler streaming: the model's stream spans stay in the message's span", async () => {
    const tracer = trace.getTracer("test");
    const root = tracer.startSpan("caller.request");
    const sc = root.spanContext();
    const res = await fetch(`${served.origin}/${secret}`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "message/stream",
        params: {
          message: {
            kind: "message",
            role: "user",
            messageId: crypto.randomUUID(),
            parts: [{ kind: "text", text: "Is invoice 42 paid?" }],
            metadata: { traceparent: `00-${sc.traceId}-${sc.spanId}-01` },
          },
        },
      }),
    });
    const body = await res.text();
    root.end();
    expect(body).toContain("is paid.");
    const handle = await waitFor(() => spans().find(handled(ids.hosted)));
    expect(handle.parentSpanContext?.spanId).toBe(sc.spanId);
    const all = spans();
    const run = all.find((s) => s.name.startsWith("invoke_agent "))!;
    expect(run.parentSpanContext?.spanId).toBe(id(handle));
    const chat = all.find((s) => s.name.startsWith("chat "))!;
    expect(spanAncestors(all, chat)).toContain(handle);
    // The message's span ends with the stream, not when the handler returned its iterable.
    expect(ended(handle)).toBeGreaterThanOrEqual(ended(run));
  });
});
