// An Google ADK `LlmAgent` (a deterministic `BaseLlm`, offline) as a Molecule workspace
// against the emulator over real HTTP: it answers a peer's message by calling another peer through
// its peer tool, and reads that peer's answer only as neutralised text.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { itAnswersThroughPeerTools, useEmulator } from "@example/shared/testing";
import { generatePathSecret } from "@molecule-ai/agent-core";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { inboundFromA2AMessage } from "@molecule-ai/agent-core/a2a";
import { createMessageEndpoint } from "@molecule-ai/agent-core/adapters";
import type { ConversationHandler } from "@molecule-ai/agent-core/adapters";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { describe, expect, it } from "vitest";
import { startAdkAgent } from "../src/agent.js";

const platform = useEmulator();

/** A pushed caller's message in conversation `contextId`. */
const inbound = (text: string, contextId: string): InboundMessage => ({
  ...inboundFromA2AMessage({
    kind: "message",
    role: "user",
    messageId: crypto.randomUUID(),
    parts: [{ kind: "text", text }],
  }),
  contextId,
});

describe("a Google ADK agent in a Molecule org", () => {
  itAnswersThroughPeerTools(platform, startAdkAgent);
});

describe("a confirmation tool decided on the canvas", () => {
  it("refund runs only after a person approves (ADK's adk_request_confirmation, resumed)", async () => {
    const { subjectWs, caller } = await platform.org({
      subject: "Writer confirm",
      peer: "Ledger",
      caller: "Caller confirm",
      answer: "ok",
    });
    const writer = await startAdkAgent({
      platformUrl: platform.emu.url,
      workspaceId: subjectWs.id,
      token: subjectWs.token!,
      delivery: "push",
      approvalPollMs: 50,
    });
    platform.defer(writer.stop);
    const admin = new AdminClient({
      platformUrl: platform.emu.url,
      adminToken: platform.emu.adminToken,
    });
    platform.defer(() => admin.close());
    const asked: string[] = [];
    const decide = async (order: string, decision: "approved" | "denied") => {
      for (;;) {
        const p = (await admin.listPendingApprovals()).find((a) => a.action.includes(order));
        if (p) {
          asked.push(p.action);
          await admin.decideApproval(p.workspaceId, p.id, decision, { decidedBy: "dana" });
          return;
        }
        await new Promise((r) => setImmediate(r));
      }
    };
    const [approved] = await Promise.all([
      caller.callPeer(subjectWs.id, "please refund order D-1", { contextId: "d1" }),
      decide("D-1", "approved"),
    ]);
    const [denied] = await Promise.all([
      caller.callPeer(subjectWs.id, "please refund order D-2", { contextId: "d2" }),
      decide("D-2", "denied"),
    ]);
    expect(asked).toEqual([
      'run tool refund with input {"order":"D-1"}',
      'run tool refund with input {"order":"D-2"}',
    ]);
    expect(writer.refunded).toEqual(["D-1"]);
    expect((approved as { text: string }).text).toContain("refunded D-1");
    // ADK's own rejection is what the model read for the denied call.
    expect((denied as { text: string }).text).toContain(
      'refund: {"error":"This tool call is rejected."}',
    );
  });
});

/** Serves `handler` with core's `createMessageEndpoint` on 127.0.0.1; resolves its URL. */
async function serve(handler: ConversationHandler): Promise<string> {
  const pathSecret = generatePathSecret();
  const a2a = createMessageEndpoint({ handler, agentCard: { name: "writer" }, pathSecret });
  const server = http.createServer((req, res) => void a2a.handleNode(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  platform.defer(async () => {
    await a2a.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/${pathSecret}`;
}

/** An A2A `message/stream` call: the answer's text pieces (SSE `artifact-update`s) and last state. */
async function streamFrom(url: string, text: string, contextId: string) {
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
          contextId,
          parts: [{ kind: "text", text }],
        },
      },
    }),
  });
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const chunks: string[] = [];
  let state: string | undefined;
  for (const frame of (await res.text()).split("\n\n")) {
    const data = frame
      .split("\n")
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5))
      .join("\n");
    if (!data) continue;
    const r = (JSON.parse(data) as { result: Record<string, unknown> }).result;
    const parts = (r["artifact"] as { parts?: { text?: string }[] } | undefined)?.parts;
    const piece = parts?.map((p) => p.text ?? "").join("") ?? "";
    // (The last update closes the artifact with no text.)
    if (r["kind"] === "artifact-update" && piece) chunks.push(piece);
    state = (r["status"] as { state?: string } | undefined)?.state ?? state;
  }
  return { chunks, state };
}

describe("streaming (ADK StreamingMode.SSE) behind core's createMessageEndpoint", () => {
  it("a message/stream caller gets the text as the model writes it, after a peer call and after a person's decision", async () => {
    const { subjectWs, received } = await platform.org({
      subject: "Writer stream",
      peer: "Proof Reader",
      caller: "Caller stream",
      answer: "Looks right to me.",
    });
    const writer = await startAdkAgent({
      platformUrl: platform.emu.url,
      workspaceId: subjectWs.id,
      token: subjectWs.token!,
      delivery: "push",
      approvalPollMs: 50,
    });
    platform.defer(writer.stop);
    const url = await serve(writer.handler);
    const peer = await streamFrom(url, "Ask the proof reader.", "s1");
    expect(received).toEqual(["Ask the proof reader."]);
    // Partial responses word by word (only with StreamingMode.SSE), the whole one not repeated.
    expect(peer.chunks.length).toBeGreaterThan(3);
    expect(peer.chunks[0]).toBe("According ");
    expect(peer.chunks.join("")).toMatch(/^According to the proof reader: .*Looks right to me\./s);
    expect(peer.state).toBe("completed");

    const admin = new AdminClient({
      platformUrl: platform.emu.url,
      adminToken: platform.emu.adminToken,
    });
    platform.defer(() => admin.close());
    const decide = async () => {
      for (;;) {
        const p = (await admin.listPendingApprovals()).find((a) => a.action.includes("S-1"));
        if (p) return admin.decideApproval(p.workspaceId, p.id, "approved", { decidedBy: "dana" });
        await new Promise((r) => setImmediate(r));
      }
    };
    const [refund] = await Promise.all([
      streamFrom(url, "please refund order S-1", "s2"),
      decide(),
    ]);
    expect(refund.chunks).toEqual(["refund: ", '{"result":"refunded ', 'S-1"}']);
    expect(writer.refunded).toEqual(["S-1"]);
    // The same agent answers a message/send caller whole (no partial responses).
    expect(await writer.handler(inbound("Ask the proof reader.", "s3"))).toMatch(
      /^According to the proof reader: /,
    );
  });
});
