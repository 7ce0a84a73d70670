// W3C trace context across the MCP door (issue 94; the 2026-07-28 revision's `_meta.traceparent`),
// in process against the emulator over real HTTP, with the official MCP client: a host's tool call
// that carries its span in `_meta.traceparent` is a `tools/call <name>` server span, a child of it,
// and the platform requests it causes are that span's children (one trace from the host to the
// peer); a message that reaches the workspace is announced to the host with the span of its
// handling in the notification's `_meta.traceparent`.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { RemoteAgent } from "@molecule-ai/agent-core";
import type { PlatformClient } from "@molecule-ai/agent-core";
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import { spanAncestors, spanTree, waitFor } from "@internal/test-utils";
import { testTracing } from "@internal/test-utils/tracing";
import { trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MoleculeMcp, readMcpConfig, startMcpHttp } from "../src/index.js";
import { attachNotifications, isChannel, tempDir, textOf } from "./helpers.js";
import type { Notifications } from "./helpers.js";

const { exporter, register, shutdown } = testTracing();

const cleanups: (() => Promise<unknown> | unknown)[] = [];
let host: Client;
let notes: Notifications;
let echoId: string;
let mcpId: string;
let sender: PlatformClient;
let molecule: MoleculeMcp;
const names: Record<string, string> = {};

beforeAll(async () => {
  register();
  const platform = await startTestPlatform({ name: "host" });
  cleanups.push(() => platform.close());
  mcpId = platform.workspace.id;
  const echo = await platform.addWorkspace("echo");
  echoId = echo.id;
  const agent = new RemoteAgent({
    client: echo.client(),
    handler: (m) => `You said: ${m.text}`,
    logger: {},
  });
  await agent.start();
  cleanups.push(() => agent.stop());
  const peer = await platform.addWorkspace("asker");
  const client = peer.client();
  cleanups.push(() => client.close());
  sender = client;
  Object.assign(names, { [mcpId]: "mcp", [echoId]: "echo", [peer.id]: "asker" });

  const state = tempDir();
  cleanups.push(state.remove);
  molecule = new MoleculeMcp(
    readMcpConfig({}, { ...platform.env, MOLECULE_MCP_STATE_DIR: state.dir }),
    { logger: {} },
  );
  await molecule.start();
  cleanups.push(() => molecule.stop());
  const [hostSide, serverSide] = InMemoryTransport.createLinkedPair();
  await molecule.createServer().connect(serverSide);
  host = new Client({ name: "test-host", version: "1.0.0" });
  notes = attachNotifications(host);
  await host.connect(hostSide);
  cleanups.push(() => host.close());
});

afterAll(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
  await shutdown();
});

beforeEach(() => exporter.reset());

const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
const named = (name: string) => (s: ReadableSpan) => s.name === name;
const label = (s: ReadableSpan): string => {
  const ws = s.attributes["molecule.workspace.id"];
  return typeof ws === "string" ? `(${names[ws] ?? ws})` : "";
};

/** A span of the host's, the `_meta` of a request it makes in it. */
function hostSpan(name: string) {
  const span = trace.getTracer("test-host").startSpan(name);
  const { traceId, spanId } = span.spanContext();
  return { span, traceId, spanId, meta: { traceparent: `00-${traceId}-${spanId}-01` } };
}

describe("trace context in HTTP headers", () => {
  it("a tool call over Streamable HTTP with only a traceparent header (no _meta) is a child of the header's span", async () => {
    const http = await startMcpHttp(molecule, {
      port: 0,
      host: "127.0.0.1",
      token: "trace-bearer-0123456789",
      allowedOrigins: [],
    });
    cleanups.push(() => http.close());
    const caller = hostSpan("gateway.hop");
    caller.span.end();
    const viaHttp = new Client({ name: "header-host", version: "1.0.0" });
    await viaHttp.connect(
      new StreamableHTTPClientTransport(new URL(http.url), {
        requestInit: {
          headers: {
            authorization: "Bearer trace-bearer-0123456789",
            traceparent: caller.meta.traceparent,
          },
        },
      }),
    );
    cleanups.push(() => viaHttp.close());
    const result = await viaHttp.callTool({ name: "list_peers", arguments: {} });
    expect(result.isError).not.toBe(true);
    const tool = await waitFor(() => spans().find(named("tools/call list_peers")));
    expect(tool.spanContext().traceId).toBe(caller.traceId);
    expect(tool.parentSpanContext?.spanId).toBe(caller.spanId);
  });
});

describe("trace context through _meta", () => {
  it("a tool call's _meta.traceparent is the parent of its span and of the platform calls it causes", async () => {
    const caller = hostSpan("host.agent_step");
    const result = await host.callTool({
      name: "call_peer",
      arguments: { peerId: echoId, message: "hello", timeoutSeconds: 60 },
      _meta: caller.meta,
    });
    caller.span.end();
    expect(textOf(result)).toContain("You said: hello");
    const tool = await waitFor(() => spans().find(named("tools/call call_peer")));
    expect(tool.kind).toBe(1); // SERVER
    expect(tool.parentSpanContext?.spanId).toBe(caller.spanId);
    expect(tool.spanContext().traceId).toBe(caller.traceId);
    expect(tool.attributes).toMatchObject({
      "mcp.method.name": "tools/call",
      "gen_ai.tool.name": "call_peer",
    });
    const handled = await waitFor(() =>
      spans().find(
        (s) =>
          s.name === "molecule.handle_message" && s.attributes["molecule.workspace.id"] === echoId,
      ),
    );
    const all = spans();
    // Every platform request of the call (its A2A send among them) is below the tool's span.
    const requests = all.filter(
      (s) => s.kind === 2 && /^(GET|POST) /.test(s.name) && spanAncestors(all, s).includes(tool),
    );
    expect(requests.map((s) => s.name)).toContain("POST /workspaces/{id}/a2a");
    // The peer's handling continues the host's trace.
    expect(spanAncestors(all, handled)).toContain(tool);
    expect(handled.spanContext().traceId).toBe(caller.traceId);
    // The whole trace (the dump in the mcp README).
    expect(
      spanTree(
        all.filter((s) => s.spanContext().traceId === caller.traceId),
        label,
      ),
    ).toBe(
      [
        "host.agent_step [internal]",
        "  tools/call call_peer [server]",
        "    molecule.peer_call [client] (mcp)",
        "      POST /workspaces/{id}/a2a [client]",
        "      molecule.handle_message [consumer] (echo)",
        "        molecule.reply [client] (echo)",
        "          POST /workspaces/{id}/a2a [client]",
      ].join("\n"),
    );
  });

  it("a message's channel notification carries the span of its handling in _meta.traceparent", async () => {
    // A poll workspace: the platform queues the message, the server's agent picks it up.
    expect((await sender.callPeer(mcpId, "are you there?")).status).toBe("queued");
    const note = await notes.next(
      (n) => isChannel(n) && String(n.params["content"]).includes("are you there?"),
    );
    const meta = note.params["_meta"] as Record<string, unknown> | undefined;
    expect(typeof meta?.["traceparent"]).toBe("string");
    const [, traceId, spanId] = String(meta!["traceparent"]).split("-");
    // Answered (settles the held message).
    const messageId = (note.params["meta"] as Record<string, string>)["message_id"]!;
    const replied = await host.callTool({ name: "reply", arguments: { messageId, text: "yes" } });
    expect(replied.isError).toBeFalsy();
    const handled = await waitFor(() =>
      spans().find(
        (s) =>
          s.name === "molecule.handle_message" && s.attributes["molecule.workspace.id"] === mcpId,
      ),
    );
    expect(handled.spanContext().traceId).toBe(traceId);
    expect(handled.spanContext().spanId).toBe(spanId);
  });
});
