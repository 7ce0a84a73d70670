// W3C trace context as HTTP headers (issue 102): the SDK's requests carry `traceparent` (the
// platform's, a peer's), the requests it serves are read for it, and a trace crosses a plain HTTP
// hop that forwards the headers but drops the message metadata. Where the header and the metadata
// disagree, one rule (observability/trace-context.ts `parentOf`) picks the parent.
import { once } from "node:events";
import { createServer, request as httpRequest } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { context, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { rpcRequest, waitFor } from "@internal/test-utils";
import { testTracing } from "@internal/test-utils/tracing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import { createA2AHandler, RemoteA2AAgent } from "../src/public/a2a.js";
import type { A2AGrpcCall } from "../src/public/a2a.js";
import { createMessageEndpoint } from "../src/adapters/index.js";

// Spans end after the answer is returned: the tests wait for them with `ended`.
const { exporter, ended, register, shutdown } = testTracing();
beforeAll(register);
afterAll(shutdown);

const cleanups: Array<() => Promise<unknown> | unknown> = [];
beforeEach(() => exporter.reset());
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

const HANDLE = "molecule.handle_message";

async function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  cleanups.push(() => server.closeAllConnections());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A message endpoint (the adapters' A2A server) answering every message, on node:http. */
async function endpoint(): Promise<string> {
  const a2a = createMessageEndpoint({
    handler: (m) => `echo: ${m.text}`,
    agentCard: { name: "echo" },
    pathSecret: false,
  });
  cleanups.push(() => a2a.close());
  return listen(createServer((req, res) => void a2a.handleNode(req, res)));
}

/**
 * A plain HTTP forwarder to `target` (no OpenTelemetry of its own): passes every header on and
 * drops the message metadata (`params.message.metadata`) from JSON-RPC bodies; records the
 * headers of each request it forwards.
 */
async function forwarder(target: string): Promise<{ url: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push(req.headers);
      let body = Buffer.concat(chunks);
      if (body.length > 0) {
        const rpc = JSON.parse(body.toString("utf8")) as { params?: { message?: object } };
        if (rpc.params?.message) delete (rpc.params.message as { metadata?: unknown }).metadata;
        body = Buffer.from(JSON.stringify(rpc));
      }
      const { host: _host, "content-length": _length, ...headers } = req.headers;
      const out = httpRequest(
        `${target}${req.url ?? "/"}`,
        { method: req.method, headers: { ...headers, "content-length": body.length } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on("error", () => res.destroy());
      out.end(body);
    });
  });
  return { url: await listen(server), seen };
}

const tracer = () => trace.getTracer("test");

/** Posts a message/send with `headers` and `metadata`; resolves with the served span. */
async function served(
  url: string,
  headers: Record<string, string>,
  metadata: Record<string, string>,
): Promise<ReadableSpan> {
  const messageId = `m-${Math.random().toString(36).slice(2)}`;
  const request = rpcRequest(url, "message/send", {
    message: {
      kind: "message",
      role: "user",
      messageId,
      parts: [{ kind: "text", text: "hi" }],
      metadata,
    },
  });
  for (const [name, value] of Object.entries(headers)) request.headers.set(name, value);
  const res = await fetch(request);
  expect(res.status).toBe(200);
  await res.text();
  return ended((s) => s.name === HANDLE && s.attributes["a2a.message.id"] === messageId);
}

const T1 = "0af7651916cd43dd8448eb211c80319c";
const T2 = "4bf92f3577b34da6a3ce929d0e0e4736";
const parent = (traceId: string, spanId: string) => `00-${traceId}-${spanId}-01`;

describe("trace context in HTTP headers", () => {
  it("crosses a plain HTTP forwarder that drops the message metadata: the served message's span is a child of the caller's span, by the traceparent header alone", async () => {
    const hop = await forwarder(await endpoint());
    const agent = new RemoteA2AAgent({ url: `${hop.url}/`, allowPrivateNetwork: true });
    const { callerTrace, answer } = await tracer().startActiveSpan("caller", async (span) => {
      try {
        const result = await agent.send({ text: "hi" }, { timeoutMs: 20_000 });
        return { callerTrace: span.spanContext(), answer: result.text };
      } finally {
        span.end();
      }
    });
    expect(answer).toBe("echo: hi");
    const posted = hop.seen.find((h) => h["content-type"] === "application/json");
    const header = String(posted?.["traceparent"] ?? "");
    expect(header).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(header.split("-")[1]).toBe(callerTrace.traceId);
    const handled = await ended((s) => s.name === HANDLE);
    expect(handled.spanContext().traceId).toBe(callerTrace.traceId);
    expect(handled.parentSpanContext?.spanId).toBe(header.split("-")[2]);
  });

  it("one parent rule: the header's span when header and metadata name the same trace (the nearer hop), the metadata's when they name different traces", async () => {
    const url = await endpoint();
    const same = await served(
      url,
      { traceparent: parent(T1, "00f067aa0ba902b7") },
      { traceparent: parent(T1, "b7ad6b7169203331") },
    );
    expect(same.spanContext().traceId).toBe(T1);
    expect(same.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");

    const other = await served(
      url,
      { traceparent: parent(T2, "00f067aa0ba902b7") },
      { traceparent: parent(T1, "b7ad6b7169203331") },
    );
    expect(other.spanContext().traceId).toBe(T1);
    expect(other.parentSpanContext?.spanId).toBe("b7ad6b7169203331");

    const malformed = await served(url, { traceparent: "00-zz-yy-01" }, {});
    expect(malformed.parentSpanContext).toBeUndefined(); // a new trace, never an error
  });

  it("a platform request carries the traceparent of its own client span (and the bearer, to the platform only)", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const platformUrl = await listen(
      createServer((req, res) => {
        seen.push(req.headers);
        req.resume();
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      }),
    );
    const client = new PlatformClient({
      platformUrl,
      workspaceId: "3f2b8c1e-1111-4222-8333-944445555666",
      token: "tok-0123456789abcdef",
    });
    cleanups.push(() => client.close());
    const callerTrace = await tracer().startActiveSpan("caller", async (span) => {
      try {
        await client.heartbeat().catch(() => undefined);
        return span.spanContext();
      } finally {
        span.end();
      }
    });
    const header = String(seen[0]?.["traceparent"] ?? "");
    expect(header.split("-")[1]).toBe(callerTrace.traceId);
    const httpSpan = await ended((s) => s.name.startsWith("POST "));
    expect(header.split("-")[2]).toBe(httpSpan.spanContext().spanId);
    expect(seen[0]?.["authorization"]).toBe("Bearer tok-0123456789abcdef");
  });

  it("a RemoteAgent's push server: a message pushed with only a traceparent header is handled in a child of the header's span", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const me = await emu.admin.createWorkspace({ name: "pushed" });
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: me.id,
      token: me.token!,
    });
    const agent = new RemoteAgent({
      client,
      handler: (m) => `echo:${m.text}`,
      delivery: { mode: "push" },
      logger: {},
    });
    cleanups.push(() => client.close());
    cleanups.push(() => agent.stop());
    await agent.start();
    const request = rpcRequest(
      agent.pushUrl!,
      "message/send",
      {
        message: {
          kind: "message",
          role: "user",
          messageId: "pushed-1",
          parts: [{ kind: "text", text: "hi" }],
        },
      },
      { bearer: client.files.inboundSecret },
    );
    request.headers.set("traceparent", parent(T2, "00f067aa0ba902b7"));
    const res = await fetch(request);
    expect(res.status).toBe(200);
    await res.text();
    const handled = await ended(
      (s) => s.name === HANDLE && s.attributes["a2a.message.id"] === "pushed-1",
    );
    expect(handled.spanContext().traceId).toBe(T2);
    expect(handled.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
  });

  it("a push notification to a webhook carries the traceparent of the span active where the task runs", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const webhook = await listen(
      createServer((req, res) => {
        seen.push(req.headers);
        req.resume();
        res.end();
      }),
    );
    const a2a = createA2AHandler({
      agentCard: { name: "notifier" },
      pathSecret: false,
      pushNotifications: { allowAddresses: "private" },
      onMessage: () => "done",
    });
    cleanups.push(() => a2a.close());
    // As OpenTelemetry's HTTP server instrumentation does: each request served in a span of its
    // own, the request's events bound to it.
    let serverTrace = "";
    const url = await listen(
      createServer((req, res) =>
        tracer().startActiveSpan("http.server", (span) => {
          serverTrace = span.spanContext().traceId;
          context.bind(context.active(), req);
          void a2a.handleNode(req, res).finally(() => span.end());
        }),
      ),
    );
    const res = await fetch(
      rpcRequest(url, "message/send", {
        message: {
          kind: "message",
          role: "user",
          messageId: "notified-1",
          parts: [{ kind: "text", text: "go" }],
        },
        configuration: { blocking: false, pushNotificationConfig: { url: `${webhook}/hook` } },
      }),
    );
    await res.text();
    await waitFor(() => seen.length > 0);
    expect(String(seen[0]!["traceparent"]).split("-")[1]).toBe(serverTrace);
  });

  it("a gRPC peer call (RemoteA2AAgent with a gRPC client) carries the traceparent in its metadata", async () => {
    const card = {
      name: "grpc-only",
      description: "over gRPC only",
      version: "1.0.0",
      supportedInterfaces: [
        { url: "http://127.0.0.1:9", protocolBinding: "GRPC", protocolVersion: "1.0" },
      ],
      capabilities: {},
      defaultInputModes: ["text/plain"],
      defaultOutputModes: ["text/plain"],
      skills: [],
    };
    const origin = await listen(
      createServer((_req, res) =>
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(card)),
      ),
    );
    const calls: A2AGrpcCall[] = [];
    const grpc = {
      call: async (c: A2AGrpcCall) => {
        calls.push(c);
        const message = { messageId: "m-1", role: "ROLE_AGENT", parts: [{ text: "ok" }] };
        return { ok: true as const, body: { message } };
      },
      close: async () => {},
    };
    const agent = new RemoteA2AAgent({ url: origin, grpc, allowPrivateNetwork: true });
    const callerTrace = await tracer().startActiveSpan("caller", async (span) => {
      try {
        expect((await agent.send("hi")).text).toBe("ok");
        return span.spanContext();
      } finally {
        span.end();
      }
    });
    expect(calls[0]!.metadata["traceparent"]).toBe(
      `00-${callerTrace.traceId}-${callerTrace.spanId}-01`,
    );
  });
});
