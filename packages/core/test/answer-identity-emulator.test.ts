// #29 items 1 and 6 over real HTTP through the emulator: an awaited answer resolves only on what
// the platform authenticated (a polled row's source) or on the exact inReplyTo of the call's own
// messageId; a sender's claims neither resolve a call nor use up another peer's turns; answers
// nobody awaits are rate-limited before the handler.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import type { InboundMessage, PeerCallResult, RemoteAgentOptions } from "../src/index.js";
import { Router } from "../src/agent/route/router.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

let emu: Emulator;

async function setup(compat?: "2026-05"): Promise<void> {
  emu = await startEmulator(compat ? { compat } : {});
  cleanups.push(() => emu.close());
}

async function workspace(
  name: string,
): Promise<{ id: string; token: string; client: PlatformClient }> {
  const w = await emu.admin.createWorkspace({ name });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
  cleanups.push(() => client.close());
  return { id: w.id, token, client };
}

/** A fresh emulator with workspaces a (the agent under test), x and y (two callers). */
async function callersOrg(compat?: "2026-05") {
  await setup(compat);
  return [await workspace("a"), await workspace("x"), await workspace("y")] as const;
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

/**
 * POSTs a message to `/workspaces/<to>/a2a`: as the canvas (the admin bearer, no X-Workspace-ID:
 * the platform records no sender), as workspace `as` with its token, or with no bearer at all
 * (`"nobody"`, which August refuses 401).
 */
async function post(
  to: string,
  message: Record<string, unknown>,
  as?: { id: string; token: string } | "nobody",
): Promise<number> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (as === undefined) headers.authorization = `Bearer ${emu.adminToken}`;
  else if (as !== "nobody") {
    headers.authorization = `Bearer ${as.token}`;
    headers["x-workspace-id"] = as.id;
  }
  const res = await fetch(`${emu.url}/workspaces/${to}/a2a`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: randomUUID(),
      method: "message/send",
      params: { message: { messageId: randomUUID(), ...message } },
    }),
  });
  await res.arrayBuffer();
  return res.status;
}

const text = (t: string) => [{ kind: "text", text: t }];

/** A poll-delivered callee whose answers wait until `release()`. */
async function slowCallee(name: string) {
  const w = await workspace(name);
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const agent = await startAgent(w.client, async (m) => {
    await released;
    return `real answer to ${m.text}`;
  });
  return { ...w, agent, release };
}

describe("an awaited answer rests on authenticated facts only", () => {
  it("canvas-route spoof: a role-agent message with no authenticated sender does not resolve A's call to B", async () => {
    await setup();
    const a = await workspace("a");
    const b = await slowCallee("b");
    const onA: InboundMessage[] = [];
    const agentA = await startAgent(a.client, (m) => void onA.push(m));
    expect(agentA.delivery).toBe("poll");
    let settled: PeerCallResult | undefined;
    const call = agentA.callPeer(b.id, "question").then((r) => (settled = r));
    await waitFor(() => emu.activity(b.id).some((r) => r["activity_type"] === "a2a_receive"));

    // Without a bearer the canvas route refuses the post (August: authenticateA2AHTTPCaller).
    expect(await post(a.id, { role: "agent", parts: text("spoof 0") }, "nobody")).toBe(401);
    // The spoofs: no metadata; a claim to be B; a guessed context. None names the call's messageId.
    expect(await post(a.id, { role: "agent", parts: text("spoof 1") })).toBe(200);
    expect(
      await post(a.id, {
        role: "agent",
        parts: text("spoof 2"),
        metadata: { molecule_source_workspace_id: b.id },
      }),
    ).toBe(200);
    await waitFor(() => onA.length === 2, { timeoutMs: 15_000 });
    expect(settled).toBeUndefined();
    expect(onA.map((m) => [m.text, m.isReply, m.sourceId])).toEqual([
      ["spoof 1", true, null],
      ["spoof 2", true, null],
    ]);

    b.release();
    const result = await call;
    expect(result).toMatchObject({ status: "completed", text: "real answer to question" });
    expect(onA).toHaveLength(2); // B's real answer went to the call, not the handler
  });

  it("through the event stream: an authenticated C naming the call's messageId does not resolve a poll agent's call to B", async () => {
    await setup();
    const a = await workspace("a");
    const b = await slowCallee("b");
    const c = await workspace("c");
    const onA: InboundMessage[] = [];
    // The answers the stream brings with their bodies (2026-08 events carry `request_body`).
    const took = vi.spyOn(Router.prototype, "takeAnnounced");
    const agentA = await startAgent(a.client, (m) => void onA.push(m));
    expect(agentA.delivery).toBe("poll");
    let settled: PeerCallResult | undefined;
    const call = agentA.callPeer(b.id, "question", { messageId: "q-1" }).then((r) => (settled = r));
    await waitFor(() => emu.activity(b.id).some((r) => r["activity_type"] === "a2a_receive"));

    const spoof = { molecule_in_reply_to: "q-1", molecule_source_workspace_id: b.id };
    expect(await post(a.id, { role: "agent", parts: text("from C"), metadata: spoof }, c)).toBe(
      200,
    );
    await waitFor(() => onA.length === 1, { timeoutMs: 15_000 });
    // Its sender is not the callee: the stream's body is not even looked at; the read handed it
    // on, unawaited.
    expect(took).not.toHaveBeenCalled();
    expect(onA.map((m) => [m.text, m.isReply, m.sourceId])).toEqual([["from C", true, c.id]]);
    expect(settled).toBeUndefined();

    b.release();
    expect(await call).toMatchObject({ status: "completed", text: "real answer to question" });
    expect(onA).toHaveLength(1);
    // B's answer came with its body through the stream, and went to the call.
    expect(took.mock.results).toEqual([{ type: "return", value: true }]);
    vi.restoreAllMocks();
  });

  it("sibling claim: an authenticated C claiming to be B does not resolve a push agent's call to B", async () => {
    await setup();
    const a = await workspace("a");
    const b = await slowCallee("b");
    const c = await workspace("c");
    const onA: InboundMessage[] = [];
    const agentA = await startAgent(a.client, (m) => void onA.push(m), {
      delivery: { mode: "push" },
    });
    let settled: PeerCallResult | undefined;
    const call = agentA.callPeer(b.id, "question").then((r) => (settled = r));
    await waitFor(() => emu.activity(b.id).some((r) => r["activity_type"] === "a2a_receive"));

    const claim = { molecule_source_workspace_id: b.id };
    expect(await post(a.id, { role: "agent", parts: text("from C"), metadata: claim }, c)).toBe(
      200,
    );
    expect(onA.map((m) => [m.text, m.claimedSourceId])).toEqual([["from C", b.id]]);
    expect(settled).toBeUndefined();

    b.release();
    expect(await call).toMatchObject({ status: "completed", text: "real answer to question" });
  });

  it("a Python-shaped answer (no ids) from the authenticated callee still resolves the call on poll", async () => {
    await setup();
    const a = await workspace("a");
    const py = await workspace("python-peer");
    await startAgent(py.client, () => undefined); // registered for poll delivery, never answers
    const agentA = await startAgent(a.client, () => undefined);
    const call = agentA.callPeer(py.id, "question", { timeoutMs: 15_000 });
    await waitFor(() => emu.activity(py.id).some((r) => r["activity_type"] === "a2a_receive"));
    expect(await post(a.id, { role: "agent", parts: text("python answer") }, py)).toBe(200);
    expect(await call).toMatchObject({ status: "completed", text: "python answer" });
  });

  it("a flood of answers nobody awaits is counted and rate-limited before the handler", async () => {
    await setup();
    const a = await workspace("a");
    let handled = 0;
    const agentA = await startAgent(a.client, () => void handled++, {
      delivery: { mode: "push" },
    });
    for (let i = 0; i < 200; i++) {
      expect(await post(a.id, { role: "agent", parts: text(`fake ${i}`) })).toBe(200);
    }
    expect(handled).toBe(30); // UNMATCHED_ANSWERS_PER_MINUTE for the unauthenticated senders
    expect(agentA.activeTasks).toBe(0);
  });
});

describe("the turn limit counts authenticated senders only", () => {
  it("ten spoofed canvas messages claiming B do not use up B's turns", async () => {
    await setup();
    const a = await workspace("a");
    const b = await workspace("b");
    const handled: string[] = [];
    const cuts: unknown[] = [];
    await startAgent(a.client, (m) => void handled.push(m.text), {
      delivery: { mode: "push" },
      conversationTurnLimit: { maxTurns: 3 },
      onDeadLetter: (_m, e) => void cuts.push(e),
    });
    const contextId = "ctx-b";
    const claim = { molecule_source_workspace_id: b.id };
    for (let i = 0; i < 10; i++) {
      const spoof = { role: "user", contextId, parts: text(`spoof ${i}`), metadata: claim };
      expect(await post(a.id, spoof)).toBe(200);
    }
    // B's real messages in its conversation, sent by B through the proxy (authenticated).
    for (const t of ["real 1", "real 2"]) await b.client.callPeer(a.id, t, { contextId });
    await waitFor(() => handled.includes("real 2"), { timeoutMs: 15_000 });
    expect(handled.filter((t) => t.startsWith("real"))).toEqual(["real 1", "real 2"]);
    expect(cuts).toEqual([]);
  });
});

describe("de-duplication keys a messageId by its authenticated sender", () => {
  // On the 2026-05 contract, which stores every sender's row: the August-2026 server keeps one row
  // per (workspace, message_id) whoever sent it (activity.go 1134-1160 at enteros-core aeec8e47,
  // ON CONFLICT ... DO UPDATE), so there a reused id never reaches the agent twice at all.
  it("poll: another sender reusing a messageId is handled and answered; the same sender's resend is not", async () => {
    const [a, x, y] = await callersOrg("2026-05");
    const handled: Array<[string | null, string]> = [];
    const agentA = await startAgent(a.client, (m) => {
      handled.push([m.sourceId, m.text]);
      return `answer to ${m.text}`;
    });
    expect(agentA.delivery).toBe("poll");
    const agentX = await startAgent(x.client, () => undefined);
    const agentY = await startAgent(y.client, () => undefined);
    const fromX = await agentX.callPeer(a.id, "from x", { messageId: "m-1" });
    expect(fromX).toMatchObject({ status: "completed", text: "answer to from x" });
    // Y (authenticated as Y) reuses X's id: its own message, with its own answer.
    const fromY = await agentY.callPeer(a.id, "from y", { messageId: "m-1" });
    expect(fromY).toMatchObject({ status: "completed", text: "answer to from y" });
    // The canvas (no authenticated sender) reusing it is its own message too.
    expect(await post(a.id, { role: "user", messageId: "m-1", parts: text("from canvas") })).toBe(
      200,
    );
    // X's resend of m-1 is settled without running; X's next message shows it was read.
    expect(await post(a.id, { role: "user", messageId: "m-1", parts: text("x again") }, x)).toBe(
      200,
    );
    await agentX.callPeer(a.id, "x next", { messageId: "m-2" });
    expect(handled).toEqual([
      [x.id, "from x"],
      [y.id, "from y"],
      [null, "from canvas"],
      [x.id, "x next"],
    ]);
  });
});

/**
 * Sends `message` to push agent `to` through the platform as `as`; resolves with the answer's text
 * (inside the platform's peer-output markers).
 */
async function ask(
  to: string,
  message: Record<string, unknown>,
  as: { id: string; token: string },
): Promise<string> {
  const res = await fetch(`${emu.url}/workspaces/${to}/a2a`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${as.token}`,
      "x-workspace-id": as.id,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: randomUUID(),
      method: "message/send",
      params: { message },
    }),
  });
  const body = (await res.json()) as { result?: { parts?: Array<{ text?: string }> } };
  return body.result?.parts?.[0]?.text ?? JSON.stringify(body);
}

/** A user message `t` under `messageId`. */
const msg = (messageId: string, t: string) => ({ role: "user", messageId, parts: text(t) });

describe("push de-duplication keys a messageId by its content (no sender is authenticated)", () => {
  it("another caller reusing a messageId gets its own answer, never the first caller's; a resend gets the remembered one", async () => {
    const [a, x, y] = await callersOrg();
    const handled: string[] = [];
    const agentA = await startAgent(
      a.client,
      (m) => {
        handled.push(m.text);
        return `answer to ${m.text}`;
      },
      { delivery: { mode: "push", host: "localhost" } },
    );
    expect(agentA.delivery).toBe("push");
    expect(await ask(a.id, msg("m-1", "from x"), x)).toContain("answer to from x");
    // Y reuses X's id with other content: its own message, answered by the handler.
    expect(await ask(a.id, msg("m-1", "from y"), y)).toContain("answer to from y");
    // Y sends m-2 first: X's own m-2 (other content) still reaches the handler.
    expect(await ask(a.id, msg("m-2", "y first"), y)).toContain("answer to y first");
    expect(await ask(a.id, msg("m-2", "x second"), x)).toContain("answer to x second");
    // X's resend of m-1 (the same message) is answered from memory without running again.
    expect(await ask(a.id, msg("m-1", "from x"), x)).toContain("answer to from x");
    expect(handled).toEqual(["from x", "from y", "y first", "x second"]);
  });
});
