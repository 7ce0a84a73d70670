// Conversations between agents over real HTTP through the strict emulator: answers are marked and
// never answered, awaited answers come back to callPeer, the turn limit cuts handler ping-pong.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import {
  MoleculeReplyTimeoutError,
  MoleculeTurnLimitError,
  peerClientOf,
  PlatformClient,
  RemoteAgent,
} from "../src/index.js";
import type { InboundMessage, RemoteAgentOptions } from "../src/index.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

let emu: Emulator;

async function workspace(
  name: string,
): Promise<{ id: string; token: string; client: PlatformClient }> {
  // For poll, as external agents are created (August creates push, and a push workspace with no
  // URL takes calls and replies only through the platform's queue until its agent registers).
  const w = await emu.admin.createWorkspace({ name, deliveryMode: "poll" });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
  cleanups.push(() => client.close());
  return { id: w.id, token, client };
}

async function startAgent(
  client: PlatformClient,
  handler: RemoteAgentOptions<PlatformClient>["handler"],
  extra: Partial<RemoteAgentOptions<PlatformClient>> = {},
): Promise<RemoteAgent<PlatformClient>> {
  const agent = new RemoteAgent({ client, handler, ...extra });
  cleanups.push(() => agent.stop());
  await agent.start();
  return agent;
}

/** Records every handler call of an agent, in order. */
function recorder(answer: (m: InboundMessage) => string | void) {
  const calls: InboundMessage[] = [];
  return {
    calls,
    handler: (m: InboundMessage) => {
      calls.push(m);
      return answer(m);
    },
  };
}

/** The a2a_receive rows the platform logged for a workspace. */
function received(id: string): Array<Record<string, unknown>> {
  return emu.activity(id).filter((r) => r["activity_type"] === "a2a_receive");
}

async function setup(): Promise<void> {
  emu = await startEmulator();
  cleanups.push(() => emu.close());
}

describe("two default agents that answer everything", () => {
  it("one question gives one handler call on B, one answer (isReply) on A, and no second round", async () => {
    await setup();
    const a = await workspace("a");
    const b = await workspace("b");
    const onA = recorder((m) => `A got ${m.text}`); // answers everything, answers included
    const onB = recorder((m) => `B got ${m.text}`);
    const agentA = await startAgent(a.client, onA.handler);
    const agentB = await startAgent(b.client, onB.handler);
    expect(agentA.delivery).toBe("poll");
    expect(agentB.delivery).toBe("poll");

    const question = await a.client.callPeer(b.id, "question", { contextId: "ctx-1" });
    expect(question.status).toBe("queued");
    await waitFor(() => onA.calls.length === 1, { timeoutMs: 15_000 });
    const answer = onA.calls[0]!;
    expect(answer.isReply).toBe(true);
    expect(answer.inReplyTo).toBe(question.messageId);
    expect(answer.contextId).toBe("ctx-1");
    expect(answer.text).toBe("B got question");
    // Both sides settled: nothing running, no answer left to send.
    await waitFor(() => agentA.activeTasks === 0 && agentB.activeTasks === 0);
    expect(await agentA.flushReplies(5_000)).toBe(true);
    expect(await agentB.flushReplies(5_000)).toBe(true);
    expect(agentA.pendingReplies).toBe(0);

    // A marker sent now queues behind anything A sent before: if A had answered the answer,
    // B would handle that before the marker.
    await a.client.callPeer(b.id, "marker");
    await waitFor(() => onB.calls.some((m) => m.text === "marker"), { timeoutMs: 15_000 });
    expect(onB.calls.map((m) => [m.text, m.isReply])).toEqual([
      ["question", false],
      ["marker", false],
    ]);
    await waitFor(() => onA.calls.length === 2, { timeoutMs: 15_000 });
    expect(onA.calls.map((m) => [m.text, m.isReply])).toEqual([
      ["B got question", true],
      ["B got marker", true],
    ]);
    // The platform saw exactly: 2 messages into B, 2 answers into A.
    expect(received(b.id)).toHaveLength(2);
    expect(received(a.id)).toHaveLength(2);
  });

  it("a Python-shaped answer (raw message/send, role agent, no contextId) is not answered", async () => {
    await setup();
    const a = await workspace("a");
    const py = await workspace("python-peer");
    const onA = recorder((m) => `A got ${m.text}`);
    const agentA = await startAgent(a.client, onA.handler);
    // The Python reference's reply(): role "agent", a fresh messageId, no contextId, no metadata.
    const res = await fetch(`${emu.url}/workspaces/${a.id}/a2a`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${py.token}`,
        "content-type": "application/json",
        "x-workspace-id": py.id,
        "x-source-workspace-id": py.id,
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: randomUUID(),
        method: "message/send",
        params: {
          message: {
            role: "agent",
            messageId: randomUUID(),
            parts: [{ kind: "text", text: "python answer" }],
          },
        },
      }),
    });
    expect(res.status).toBe(200);
    await waitFor(() => onA.calls.length === 1, { timeoutMs: 15_000 });
    expect(onA.calls[0]!.isReply).toBe(true);
    expect(onA.calls[0]!.sourceId).toBe(py.id);
    await waitFor(() => agentA.activeTasks === 0);
    expect(await agentA.flushReplies(5_000)).toBe(true);
    // Nothing went back: the Python peer's inbox is empty.
    expect(received(py.id)).toHaveLength(0);
    // ...and a question from it afterwards is answered normally (the marker).
    await py.client.callPeer(a.id, "marker");
    await waitFor(() => received(py.id).length === 1, { timeoutMs: 15_000 });
    expect(onA.calls.map((m) => m.text)).toEqual(["python answer", "marker"]);
  });
});

describe("RemoteAgent#callPeer awaits answers", () => {
  it("returns a poll peer's answer; the answer does not reach the caller's handler", async () => {
    await setup();
    const a = await workspace("a");
    const b = await workspace("b");
    const onA = recorder(() => "A answers");
    const onB = recorder((m) => `answer to ${m.text}`);
    const agentA = await startAgent(a.client, onA.handler);
    await startAgent(b.client, onB.handler);
    const result = await agentA.callPeer(b.id, "what is 2+2?");
    expect(result).toMatchObject({
      status: "completed",
      text: "answer to what is 2+2?",
      peerId: b.id,
    });
    expect(onB.calls).toHaveLength(1);
    // A second call in a row gets its own answer (correlated by messageId).
    const [r1, r2] = await Promise.all([
      agentA.callPeer(b.id, "one"),
      agentA.callPeer(b.id, "two"),
    ]);
    expect(r1.status === "completed" && r1.text).toBe("answer to one");
    expect(r2.status === "completed" && r2.text).toBe("answer to two");
    await waitFor(() => agentA.activeTasks === 0);
    expect(onA.calls).toHaveLength(0);
    // Code written against PlatformClient gets the same through peerClientOf(agent).
    const view = peerClientOf(agentA);
    expect((await view.listPeers({ fresh: true })).map((p) => p.id)).toContain(b.id);
    const viaView = await view.callPeer(b.id, "three");
    expect(viaView.status === "completed" && viaView.text).toBe("answer to three");
    expect(peerClientOf(a.client)).toBe(a.client);
  });

  it("answers reach handlers awaiting them even when every slot is busy and more messages queue", async () => {
    await setup();
    const a = await workspace("a");
    const b = await workspace("b");
    const sender = await workspace("sender");
    await startAgent(b.client, (m) => `B: ${m.text}`);
    // One slot: the handler awaits B's answer while the sender's next messages queue behind it.
    await startAgent(
      a.client,
      async (m, ctx) => {
        if (m.isReply) return;
        const r = await ctx.callPeer(b.id, m.text, { timeoutMs: 20_000 });
        return r.status === "completed" ? `A relays ${r.text}` : "no answer";
      },
      { concurrency: 1 },
    );
    const sent = [];
    for (const text of ["one", "two", "three"]) sent.push(await sender.client.callPeer(a.id, text));
    await waitFor(() => received(sender.id).length === 3, { timeoutMs: 15_000 });
    const texts = received(sender.id).map((r) => JSON.stringify(r["request_body"]));
    for (const t of ["one", "two", "three"])
      expect(texts.some((x) => x.includes(`A relays B: ${t}`))).toBe(true);
  });

  it("returns a push peer's answer, and reaches a push caller's inbox from a poll peer", async () => {
    await setup();
    const a = await workspace("a");
    const b = await workspace("b");
    const onB = recorder((m) => `push answer to ${m.text}`);
    const onA = recorder(() => "A answers");
    const pushB = await startAgent(b.client, onB.handler, { delivery: { mode: "push" } });
    expect(pushB.delivery).toBe("push");
    const pushA = await startAgent(a.client, onA.handler, { delivery: { mode: "push" } });
    const direct = await pushA.callPeer(b.id, "hi");
    expect(direct.status).toBe("completed");
    // The platform relays the peer's answer unchanged (no server wraps it in boundary markers).
    expect(direct).toMatchObject({ status: "completed", text: "push answer to hi" });

    // A push caller awaiting a poll peer: the answer is pushed to A's server and resolves the call.
    const c = await workspace("c");
    await startAgent(c.client, (m) => `poll answer to ${m.text}`);
    const viaInbox = await pushA.callPeer(c.id, "hello");
    expect(viaInbox).toMatchObject({ status: "completed", text: "poll answer to hello" });
    expect(onA.calls).toHaveLength(0);
  });

  it("times out with a typed error carrying the receipt; awaitReply:false returns the receipt", async () => {
    await setup();
    const a = await workspace("a");
    const silent = await workspace("silent");
    await silent.client.register({ agentCard: { name: "silent" }, deliveryMode: "poll" });
    const agentA = await startAgent(a.client, () => undefined);
    const err = await agentA.callPeer(silent.id, "anyone?", { timeoutMs: 300 }).catch((e) => e);
    expect(err).toBeInstanceOf(MoleculeReplyTimeoutError);
    expect(err).toMatchObject({ code: "reply_timeout", retryable: false, timeoutMs: 300 });
    expect(err.receipt).toMatchObject({
      status: "queued",
      deliveryMode: "poll",
      peerId: silent.id,
    });
    // A poll peer's receipt (200 {status: "queued"}) names no queue id (molecule-core #2353).
    expect(err.receipt.queueId).toBe("");
    expect(err.message).not.toContain("queue id");
    expect(err.message).toContain(silent.id);
    expect(err.message).not.toContain(a.token);
    const receipt = await agentA.callPeer(silent.id, "fire and forget", { awaitReply: false });
    expect(receipt).toMatchObject({ status: "queued", deliveryMode: "poll" });
    expect(received(silent.id)).toHaveLength(2);
    // An agent that cannot receive answers (not started) returns the receipt, or refuses when
    // awaiting is demanded, before sending anything.
    const idle = new RemoteAgent({ client: a.client, handler: () => undefined });
    expect(await idle.callPeer(silent.id, "no inbox")).toMatchObject({ status: "queued" });
    const refused = await idle
      .callPeer(silent.id, "must wait", { awaitReply: true })
      .catch((e) => e);
    expect(refused).toMatchObject({ code: "agent_not_receiving" });
    expect(received(silent.id)).toHaveLength(3);
  });
});

describe("turn limit", () => {
  it("two handlers that call each other stop at the limit with a typed error naming peer and conversation", async () => {
    await setup();
    const a = await workspace("a");
    const b = await workspace("b");
    const cuts: unknown[] = [];
    const limit = {
      conversationTurnLimit: { maxTurns: 3 },
      onDeadLetter: (_m: InboundMessage, e: unknown) => void cuts.push(e),
    };
    let handledA = 0;
    let handledB = 0;
    let markerSeen = false;
    const agentA = await startAgent(
      a.client,
      async (m, ctx) => {
        if (m.text === "marker") return;
        handledA++;
        await ctx.callPeer(b.id, `ping ${handledA}`, { awaitReply: false });
      },
      limit,
    );
    await startAgent(
      b.client,
      async (m, ctx) => {
        if (m.text === "marker") return void (markerSeen = true);
        handledB++;
        await ctx.callPeer(a.id, `pong ${handledB}`, { awaitReply: false });
      },
      limit,
    );
    await agentA.callPeer(b.id, "start", { contextId: "loop-1", awaitReply: false });
    await waitFor(() => cuts.length === 1, { timeoutMs: 20_000 });
    const cut = cuts[0] as MoleculeTurnLimitError;
    expect(cut).toBeInstanceOf(MoleculeTurnLimitError);
    expect(cut).toMatchObject({
      code: "conversation_turn_limit",
      contextId: "loop-1",
      peerId: a.id,
    });
    expect(cut.message).toContain(a.id);
    expect(cut.message).toContain("loop-1");
    // B handled 3 messages of A in loop-1 (start, ping 1, ping 2); the 4th was cut.
    expect(handledB).toBe(3);
    expect(handledA).toBe(3);
    // Nothing more: a marker from A to B (another conversation) arrives after everything A sent.
    await a.client.callPeer(b.id, "marker");
    await waitFor(() => markerSeen, { timeoutMs: 15_000 });
    expect(received(b.id)).toHaveLength(5);
    expect(handledB).toBe(3);
    expect(cuts).toHaveLength(1);
  });
});
