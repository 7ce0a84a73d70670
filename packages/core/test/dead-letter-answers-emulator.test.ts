// A message that will never be answered is answered with its failure (#58 item 2): when a message
// someone awaits is dead-lettered, its caller fails at once with `peer_failed` (poll: an answer
// naming the failure; push: JSON-RPC -32603 with data.code), instead of waiting out its timeout
// and being told to raise it. Over real HTTP through the emulator.
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { MoleculePeerError, PlatformClient, RemoteAgent, memoryStore } from "../src/index.js";
import type { RemoteAgentOptions } from "../src/index.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

let emu: Emulator;

async function workspace(name: string): Promise<{ id: string; client: PlatformClient }> {
  // For poll, as external agents are created (August creates push, and a push workspace with no
  // URL takes calls and replies only through the platform's queue until its agent registers).
  const w = await emu.admin.createWorkspace({ name, deliveryMode: "poll" });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
  cleanups.push(() => client.close());
  return { id: w.id, client };
}

async function startAgent(
  client: PlatformClient,
  handler: RemoteAgentOptions<PlatformClient>["handler"],
  extra: Partial<RemoteAgentOptions<PlatformClient>> = {},
): Promise<RemoteAgent<PlatformClient>> {
  const agent = new RemoteAgent({
    client,
    handler,
    store: memoryStore(),
    logger: {},
    onDeadLetter: () => undefined,
    ...extra,
  });
  cleanups.push(() => agent.stop());
  await agent.start();
  return agent;
}

const failing = (): never => {
  throw new Error("the model is down");
};

describe.each(["poll", "push"] as const)("a failing handler on %s delivery", (delivery) => {
  it("fails the awaiting caller with peer_failed, not a reply timeout", async () => {
    emu = await startEmulator();
    cleanups.push(() => emu.close());
    const a = await workspace("caller");
    const b = await workspace("failing");
    const agentA = await startAgent(a.client, () => "unused");
    let attempts = 0;
    await startAgent(
      b.client,
      () => {
        attempts++;
        return failing();
      },
      { delivery: delivery === "push" ? { mode: "push" } : "poll", retryBaseMs: 10 },
    );
    // A deadline far beyond the receiver's retries: only a failure answer can end the call early.
    const err = await agentA.callPeer(b.id, "please", { timeoutMs: 60_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(MoleculePeerError);
    expect(err).toMatchObject({ code: "peer_failed", retryable: false, peerId: b.id });
    expect(err.message).toContain("handler_failed");
    expect(err.message).not.toContain("timeoutMs");
    // The handler's own error never reaches the caller.
    expect(err.message).not.toContain("the model is down");
    expect(attempts).toBe(3);
  });
});

describe("a failing handler and the canvas", () => {
  it("a canvas message whose handler fails is answered on the canvas with the failure", async () => {
    emu = await startEmulator();
    cleanups.push(() => emu.close());
    const b = await workspace("failing");
    await startAgent(b.client, failing, { retryBaseMs: 10 });
    // The canvas sends the admin bearer: the August-2026 platform refuses the route without it.
    const sent = await fetch(`${emu.url}/workspaces/${b.id}/a2a`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${emu.adminToken}` },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "message/send",
        params: {
          message: { role: "user", messageId: "m-1", parts: [{ kind: "text", text: "hi" }] },
        },
      }),
    });
    expect(sent.status).toBe(200); // queued for the poll agent
    const notified = (): Array<Record<string, unknown>> =>
      emu.activity(b.id).filter((r) => r["method"] === "notify");
    await waitFor(() => notified().length === 1, { timeoutMs: 15_000 });
    expect(JSON.stringify(notified()[0])).toContain("could not handle the message (handler_failed");
  });

  it("an answer is never answered, even with its failure", async () => {
    emu = await startEmulator();
    cleanups.push(() => emu.close());
    const a = await workspace("a");
    const b = await workspace("b");
    const deadLetters: unknown[] = [];
    const agentB = await startAgent(b.client, failing, {
      retryBaseMs: 10,
      onDeadLetter: (_m, e) => void deadLetters.push(e),
    });
    // A question from A: its failure goes back. Then an answer (role agent) nobody awaits: it
    // reaches B's handler, which fails too, and nothing goes back for it.
    await a.client.callPeer(b.id, "a question");
    await fetch(`${emu.url}/workspaces/${b.id}/a2a`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-workspace-id": a.id,
        authorization: `Bearer ${(await emu.admin.createToken(a.id)) as string}`,
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "message/send",
        params: {
          message: { role: "agent", messageId: "ans-1", parts: [{ kind: "text", text: "x" }] },
        },
      }),
    });
    await waitFor(() => deadLetters.length === 2, { timeoutMs: 15_000 });
    expect(await agentB.flushReplies(10_000)).toBe(true);
    const toA = emu.activity(a.id).filter((r) => r["activity_type"] === "a2a_receive");
    // Only the question got its failure answer.
    expect(toA).toHaveLength(1);
    expect(JSON.stringify(toA[0])).toContain('"molecule_failure":"handler_failed"');
  });
});
