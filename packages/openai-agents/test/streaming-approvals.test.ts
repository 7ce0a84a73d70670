// Streaming and human approvals of an OpenAI Agents SDK agent (the SDK's own ScriptedModel,
// offline) over real HTTP: an A2A message/stream caller gets the text as the model writes it
// (`run(..., { stream: true })`), and a tool declared with `needsApproval` waits for a person's
// decision on the platform emulator's approvals before the run resumes from its interruption.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { generatePathSecret, PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { ApprovalWaiter } from "@molecule-ai/agent-core/org";
import { inboundFromA2AMessage } from "@molecule-ai/agent-core/a2a";
import { createMessageEndpoint } from "@molecule-ai/agent-core/adapters";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { Agent, setTracingDisabled, tool } from "@openai/agents";
import {
  assistantMessage,
  functionCall,
  modelResponder,
  modelStream,
  ScriptedModel,
} from "@openai/agents/testing";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createPeerMessageHandler } from "../src/index.js";

beforeAll(() => setTracingDisabled(true));

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

async function org() {
  const emu: Emulator = await startEmulator();
  cleanups.push(() => emu.close());
  const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  cleanups.push(() => admin.close());
  const mk = async (name: string) => {
    const ws = await emu.admin.createWorkspace({ name });
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token,
    });
    cleanups.push(() => client.close());
    return client;
  };
  /** Decides the first pending request whose action names `needle`, as a person on the canvas. */
  const decideWhenAsked = async (needle: string, decision: "approved" | "denied") => {
    for (;;) {
      const p = (await admin.listPendingApprovals()).find((a) => a.action.includes(needle));
      if (p) {
        await admin.decideApproval(p.workspaceId, p.id, decision, { decidedBy: "carol" });
        return p;
      }
      await new Promise((r) => setImmediate(r));
    }
  };
  return { emu, admin, mk, decideWhenAsked };
}

/** A refund tool a person approves first; `ran` records each real run. */
function refundTool(ran: string[]) {
  return tool({
    name: "refund",
    description: "refund an order",
    parameters: z.object({ order: z.string() }),
    needsApproval: true,
    execute: async ({ order }) => {
      ran.push(order);
      return `refunded ${order}`;
    },
  });
}

/** The model: calls refund, then says what the tool result told it. */
function refundModel(order: string) {
  return new ScriptedModel([
    [functionCall("refund", { order }, { callId: `call-${order}` })],
    modelResponder((call) => {
      const input = JSON.stringify(call.request.input);
      const m = /refunded [\w-]+|denied by carol|no person can be asked/.exec(input);
      return [assistantMessage(`tool said: ${m?.[0] ?? "nothing"}`)];
    }),
  ]);
}

/**
 * A peer's message as a polled row carries it: its sender authenticated by the platform, so its
 * conversation (sender and contextId) keeps a history (a pushed one names no sender: none).
 */
function inbound(text: string, contextId = "ctx"): InboundMessage {
  return {
    ...inboundFromA2AMessage({
      kind: "message",
      role: "user",
      messageId: crypto.randomUUID(),
      parts: [{ kind: "text", text }],
    }),
    source: "peer_agent",
    sourceId: "11111111-2222-4333-8444-555555555555",
    contextId,
  };
}

/** The answer's chunks, as a streaming A2A caller reads them (SSE `artifact-update` texts). */
async function* streamFrom(
  url: string,
  text: string,
): AsyncGenerator<{ kind: string; text?: string; state?: string }> {
  const res = await fetch(url, {
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
          parts: [{ kind: "text", text }],
        },
      },
    }),
  });
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const decoder = new TextDecoder();
  let buf = "";
  for await (const bytes of res.body as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(bytes, { stream: true });
    for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
      const frame = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = frame
        .split("\n")
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trim())
        .join("\n");
      if (!data) continue;
      const r = (JSON.parse(data) as { result: Record<string, unknown> }).result;
      const parts = (r["artifact"] as { parts?: { text?: string }[] } | undefined)?.parts;
      const status = r["status"] as { state?: string } | undefined;
      yield { kind: String(r["kind"]), text: parts?.[0]?.text, state: status?.state };
    }
  }
}

/** Serves `handler` as an A2A endpoint on 127.0.0.1; resolves its URL. */
async function serve(handler: ReturnType<typeof createPeerMessageHandler>): Promise<string> {
  const pathSecret = generatePathSecret();
  const a2a = createMessageEndpoint({ handler, agentCard: { name: "writer" }, pathSecret });
  const server = http.createServer((req, res) => void a2a.handleNode(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    await a2a.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/${pathSecret}`;
}

describe("streaming (run with stream: true)", () => {
  it("a message/stream caller gets each piece as the model writes it, before the run ends", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const model = new ScriptedModel([
      modelStream(
        (async function* () {
          yield { type: "response_started" as const };
          yield { type: "output_text_delta" as const, delta: "Remote agents " };
          await gate; // the rest is written only once the caller has read the first piece
          yield { type: "output_text_delta" as const, delta: "join as workspaces." };
          yield {
            type: "response_done" as const,
            response: {
              id: "r1",
              usage: { requests: 1, inputTokens: 1, outputTokens: 2, totalTokens: 3 },
              output: [assistantMessage("Remote agents join as workspaces.")],
            },
          };
        })(),
      ),
    ]);
    const handler = createPeerMessageHandler(new Agent({ name: "Writer", model }));
    const url = await serve(handler);
    const chunks: string[] = [];
    const states: string[] = [];
    for await (const e of streamFrom(url, "how do agents join?")) {
      if (e.kind === "artifact-update" && e.text) {
        chunks.push(e.text);
        release();
      }
      if (e.state) states.push(e.state);
    }
    expect(chunks).toEqual(["Remote agents ", "join as workspaces."]);
    expect(states.at(-1)).toBe("completed");
    expect(model.calls[0]?.streamed).toBe(true);
    model.assertComplete();
  });

  it("the streamed turn joins the history (the next turn's model input has it)", async () => {
    const model = new ScriptedModel([
      [assistantMessage("first answer")],
      modelResponder((call) => [
        assistantMessage(
          JSON.stringify(call.request.input).includes("first answer") ? "remembered" : "forgot",
        ),
      ]),
    ]);
    const handler = createPeerMessageHandler(new Agent({ name: "Writer", model }));
    const first: string[] = [];
    for await (const c of handler.stream(inbound("one"))) first.push(c);
    expect(first.join("")).toBe("first answer");
    expect(await handler(inbound("two"))).toBe("remembered");
  });
});

describe("needsApproval decided on the canvas", () => {
  it.each(["approved", "denied"] as const)(
    "%s: the tool runs only after an approval; the run resumes from its interruption",
    async (decision) => {
      const { mk, decideWhenAsked } = await org();
      const writer = await mk("Writer");
      const user = await mk("User");
      const ran: string[] = [];
      const order = `A-${decision}`;
      const model = refundModel(order);
      const agent = new Agent({ name: "Writer", model, tools: [refundTool(ran)] });
      const remote: RemoteAgent = new RemoteAgent({
        client: writer,
        delivery: "push",
        handler: (m, c) => handler(m, c),
      });
      const handler = createPeerMessageHandler(agent, {
        approvals: { asker: remote, reason: "customer asked", pollIntervalMs: 50 },
      });
      cleanups.push(() => remote.stop());
      await remote.start();
      const [answer, asked] = await Promise.all([
        user.callPeer(writer.workspaceId, "refund my order"),
        decideWhenAsked(order, decision),
      ]);
      // The person saw the tool and its complete input, and the reason.
      expect(asked.action).toBe(`run tool refund with input {"order":"${order}"}`);
      expect(asked.reason).toContain("customer asked");
      expect((answer as { text: string }).text).toContain(
        decision === "approved" ? `tool said: refunded ${order}` : "tool said: denied by carol",
      );
      expect(ran).toEqual(decision === "approved" ? [order] : []);
      expect(model.calls).toHaveLength(2); // one run interrupted, resumed once: no second tool call
      model.assertComplete();
    },
  );

  it("streams the answer written after the decision, and keeps the tool call in the history", async () => {
    const { mk, decideWhenAsked } = await org();
    const writer = await mk("Writer");
    const ran: string[] = [];
    const model = refundModel("B-7");
    model.enqueue(
      modelResponder((call) => [
        assistantMessage(
          JSON.stringify(call.request.input).includes("refunded B-7") ? "it was B-7" : "?",
        ),
      ]),
    );
    const handler = createPeerMessageHandler(
      new Agent({ name: "Writer", model, tools: [refundTool(ran)] }),
      {
        approvals: {
          asker: { request: (i, o) => waiterOf(writer).request(i, o) },
          pollIntervalMs: 50,
        },
      },
    );
    const chunks: string[] = [];
    await Promise.all([
      (async () => {
        for await (const c of handler.stream(inbound("refund B-7"))) chunks.push(c);
      })(),
      decideWhenAsked("B-7", "approved"),
    ]);
    expect(chunks.join("")).toBe("tool said: refunded B-7");
    expect(ran).toEqual(["B-7"]);
    expect(model.calls.every((c) => c.streamed)).toBe(true);
    expect(await handler(inbound("which order?"))).toBe("it was B-7");
  });

  it("without `approvals`, the call is rejected with a line the model reads, never run", async () => {
    const ran: string[] = [];
    const model = refundModel("C-1");
    const handler = createPeerMessageHandler(
      new Agent({ name: "Writer", model, tools: [refundTool(ran)] }),
    );
    expect(await handler(inbound("refund C-1"))).toBe("tool said: no person can be asked");
    expect(ran).toEqual([]);
  });
});

const waiters = new Map<PlatformClient, ApprovalWaiter>();
function waiterOf(client: PlatformClient): ApprovalWaiter {
  let w = waiters.get(client);
  if (!w) waiters.set(client, (w = new ApprovalWaiter({ client, file: false })));
  return w;
}
