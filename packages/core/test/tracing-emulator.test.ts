// OpenTelemetry across agents, over real HTTP through the emulator: a coordinator calls a
// researcher that calls a reviewer; the W3C trace context travels in the A2A message metadata, so
// the spans of all three agents form one trace with the right parent/child links.
import { trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { testTracing } from "@internal/test-utils/tracing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import type { InboundHandler } from "../src/index.js";

// Spans end after the answer is returned: the tests wait for them with `ended`.
const { exporter, ended, register, shutdown } = testTracing();

beforeAll(register);
afterAll(shutdown);

const cleanups: Array<() => Promise<unknown> | unknown> = [];
beforeEach(() => exporter.reset());
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

type Delivery = "poll" | "push";

/** A coordinator and two specialists (researcher, reviewer) under it, each a running agent. */
async function org(delivery: Delivery) {
  const emu = await startEmulator();
  cleanups.push(() => emu.close());
  const coord = await emu.admin.createWorkspace({ name: "coordinator" });
  const researcher = await emu.admin.createWorkspace({ name: "researcher", parentId: coord.id });
  const reviewer = await emu.admin.createWorkspace({ name: "reviewer", parentId: coord.id });
  const tokens = [coord.token!, researcher.token!, reviewer.token!];
  const start = async (
    ws: { id: string; token?: string | undefined },
    handler: InboundHandler<PlatformClient>,
  ) => {
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token!,
    });
    const agent = new RemoteAgent({
      client,
      handler,
      delivery: delivery === "push" ? { mode: "push" } : "poll",
      logger: {},
    });
    cleanups.push(async () => {
      await agent.stop();
      await client.close();
    });
    await agent.start();
    return agent;
  };
  await start(reviewer, (msg) => `verdict on "${msg.text}": fine`);
  await start(researcher, async (msg, ctx) => {
    const review = await ctx.callPeer(reviewer.id, `check: ${msg.text}`, { timeoutMs: 20_000 });
    return `researched; reviewer said ${review.status === "completed" ? review.text : review.status}`;
  });
  const coordinator = await start(coord, () => {});
  return {
    emu,
    coordinator,
    ids: { coord: coord.id, researcher: researcher.id, reviewer: reviewer.id },
    tokens,
  };
}

const attr = (s: ReadableSpan, key: string): unknown => s.attributes[key];
const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;

/** The one finished span matching `pred` (fails with the list of span names otherwise). */
function one(
  spans: ReadableSpan[],
  what: string,
  pred: (s: ReadableSpan) => boolean,
): ReadableSpan {
  const found = spans.filter(pred);
  expect(found, `${what} among ${spans.map((s) => s.name).join(", ")}`).toHaveLength(1);
  return found[0]!;
}

describe.each(["push", "poll"] as const)(
  "one trace across three agents (%s delivery)",
  (delivery) => {
    it("coordinator -> researcher -> reviewer: each hop's handling is a child of the caller's span", async () => {
      const { coordinator, ids, tokens } = await org(delivery);
      const tracer = trace.getTracer("test");
      const answer = await tracer.startActiveSpan("user request", async (root) => {
        try {
          return await coordinator.callPeer(ids.researcher, "is poll delivery fast?", {
            timeoutMs: 20_000,
          });
        } finally {
          root.end();
        }
      });
      expect(answer.status).toBe("completed");
      expect(answer.status === "completed" ? answer.text : "").toContain(
        "researched; reviewer said",
      );
      const isHandle = (ws: string) => (s: ReadableSpan) =>
        s.name === "molecule.handle_message" && attr(s, "molecule.workspace.id") === ws;
      await ended(isHandle(ids.researcher));
      await ended(isHandle(ids.reviewer));

      const spans = exporter.getFinishedSpans();
      const root = one(spans, "the root", (s) => s.name === "user request");
      const traceId = root.spanContext().traceId;
      const call = (from: string, to: string) =>
        one(
          spans,
          `${from} -> ${to} peer call`,
          (s) =>
            s.name === "molecule.peer_call" &&
            attr(s, "molecule.workspace.id") === from &&
            attr(s, "molecule.peer.id") === to,
        );
      const coordCall = call(ids.coord, ids.researcher);
      const researcherHandle = one(spans, "researcher handling", isHandle(ids.researcher));
      const researcherCall = call(ids.researcher, ids.reviewer);
      const reviewerHandle = one(spans, "reviewer handling", isHandle(ids.reviewer));

      // One trace, every hop, parent/child links across the agents.
      for (const s of [coordCall, researcherHandle, researcherCall, reviewerHandle]) {
        expect(s.spanContext().traceId).toBe(traceId);
      }
      expect(parentOf(coordCall)).toBe(root.spanContext().spanId);
      expect(parentOf(researcherHandle)).toBe(coordCall.spanContext().spanId);
      expect(parentOf(researcherCall)).toBe(researcherHandle.spanContext().spanId);
      expect(parentOf(reviewerHandle)).toBe(researcherCall.spanContext().spanId);
      // The cross-agent links came from the message metadata (a remote parent), not from this
      // process's async context.
      expect(researcherHandle.parentSpanContext?.isRemote).toBe(true);
      expect(reviewerHandle.parentSpanContext?.isRemote).toBe(true);
      expect(researcherCall.parentSpanContext?.isRemote).toBeFalsy();

      // Kinds and attributes.
      expect(coordCall.kind).toBe(2); // CLIENT
      expect(researcherHandle.kind).toBe(delivery === "push" ? 1 : 4); // SERVER for push, CONSUMER for poll
      expect(attr(researcherHandle, "molecule.delivery")).toBe(delivery);
      expect(attr(researcherHandle, "molecule.handler.outcome")).toBe("handled");
      expect(attr(researcherHandle, "molecule.handler.attempts")).toBe(1);
      expect(attr(researcherHandle, "a2a.message.id")).toBe(attr(coordCall, "a2a.message.id"));
      expect(attr(coordCall, "molecule.peer_call.status")).toBe(
        delivery === "push" ? "completed" : "queued",
      );

      // Platform requests are client spans named by route, children of the call that made them.
      const post = one(
        spans,
        "the coordinator's proxied POST",
        (s) =>
          s.name === "POST /workspaces/{id}/a2a" && parentOf(s) === coordCall.spanContext().spanId,
      );
      expect(attr(post, "http.request.method")).toBe("POST");
      expect(attr(post, "http.response.status_code")).toBe(delivery === "push" ? 200 : 200);
      expect(spans.some((s) => s.name === "POST /registry/register")).toBe(true);

      // A polled answer is sent from the reviewer's outbox, in the context of the handling it
      // answers; a pushed one goes back in the HTTP response (no reply span).
      const replies = spans.filter(
        (s) => s.name === "molecule.reply" && attr(s, "molecule.workspace.id") === ids.reviewer,
      );
      expect(replies.map(parentOf)).toEqual(
        delivery === "poll" ? [reviewerHandle.spanContext().spanId] : [],
      );

      // No token in any span: names, attributes, events.
      const text = JSON.stringify(
        spans.map((s) => [s.name, s.attributes, s.events, s.status, s.links]),
      );
      for (const t of tokens) expect(text).not.toContain(t);
    }, 60_000);
  },
);

describe("handler failures in the span", () => {
  it("each failed attempt is an exception event; a dead letter marks the span failed", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const a = await emu.admin.createWorkspace({ name: "flaky" });
    const p = await emu.admin.createWorkspace({ name: "sender" });
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: a.id, token: a.token! });
    const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
    cleanups.push(() => Promise.all([client.close(), peer.close()]));
    const agent = new RemoteAgent({
      client,
      handler: () => {
        throw new Error("model unavailable");
      },
      maxAttempts: 2,
      retryBaseMs: 5,
      onDeadLetter: () => {},
      logger: {},
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    await peer.callPeer(a.id, "please");
    const isHandle = (s: ReadableSpan) =>
      s.name === "molecule.handle_message" && attr(s, "molecule.workspace.id") === a.id;
    await ended(isHandle);
    const span = one(exporter.getFinishedSpans(), "the handling", isHandle);
    expect(span.status.code).toBe(2); // ERROR
    expect(span.status.message).toBe("model unavailable");
    expect(attr(span, "molecule.handler.outcome")).toBe("dead-lettered");
    expect(attr(span, "molecule.handler.attempts")).toBe(2);
    const failures = span.events.filter((e) => e.name === "exception");
    expect(failures.map((e) => e.attributes?.["molecule.handler.attempt"])).toEqual([1, 2]);
    // The sender's peer call is this span's remote parent.
    const senderCall = one(
      exporter.getFinishedSpans(),
      "the sender's call",
      (s) => s.name === "molecule.peer_call" && attr(s, "molecule.workspace.id") === p.id,
    );
    expect(parentOf(span)).toBe(senderCall.spanContext().spanId);
  });
});
