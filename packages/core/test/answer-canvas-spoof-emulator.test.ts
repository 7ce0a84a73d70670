// #46 item 9 over real HTTP through the emulator: a POST to the platform's canvas route (no
// X-Workspace-ID), role agent, naming A's outbound messageId in molecule_in_reply_to, resolves
// nothing: a polled row without an authenticated sender resolves no call. On August the route
// refuses a POST without a bearer (401); with the admin bearer (the canvas's) it is delivered, and
// still resolves nothing. The legitimate
// answers still do, in both compat modes: a poll peer answering with reply, a push peer answering
// through the proxy synchronously.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { PlatformClient, RemoteAgent, stripA2ABoundary } from "../src/index.js";
import type { InboundMessage, PeerCallResult, RemoteAgentOptions } from "../src/index.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

async function emulator(compat: "latest" | "2026-04" = "latest"): Promise<Emulator> {
  const emu = await startEmulator({ compat });
  cleanups.push(() => emu.close());
  return emu;
}

async function workspace(emu: Emulator, name: string) {
  const w = await emu.admin.createWorkspace({ name });
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

/**
 * The attack: an answer POSTed to A's canvas route with no workspace caller headers, with the
 * canvas's admin bearer (`bearer: false`: none at all).
 */
async function canvasPost(
  emu: Emulator,
  to: string,
  message: Record<string, unknown>,
  { bearer = true }: { bearer?: boolean } = {},
) {
  const res = await fetch(`${emu.url}/workspaces/${to}/a2a`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(bearer ? { authorization: `Bearer ${emu.adminToken}` } : {}),
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: randomUUID(),
      method: "message/send",
      params: { message: { messageId: randomUUID(), role: "agent", ...message } },
    }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** The messageId of the message A's call left in B's inbox (what the attacker learnt). */
function outboundMessageId(emu: Emulator, b: string): string {
  const row = emu.activity(b).find((r) => r["activity_type"] === "a2a_receive");
  const body = row?.["request_body"] as { params: { message: { messageId: string } } };
  return body.params.message.messageId;
}

describe("the canvas-route reply spoof resolves nothing (#46 item 9)", () => {
  it("poll: a canvas answer naming A's outbound messageId does not resolve A's call; B's reply does", async () => {
    const emu = await emulator();
    const a = await workspace(emu, "a");
    const b = await workspace(emu, "b");
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    await startAgent(b.client, async (m) => {
      await released;
      return `real answer to ${m.text}`;
    });
    const onA: InboundMessage[] = [];
    const agentA = await startAgent(a.client, (m) => void onA.push(m));
    expect(agentA.delivery).toBe("poll");
    let settled: PeerCallResult | undefined;
    const call = agentA.callPeer(b.id, "question", { timeoutMs: 60_000 }).then((r) => {
      settled = r;
      return r;
    });
    await waitFor(() => emu.activity(b.id).some((r) => r["activity_type"] === "a2a_receive"));
    const messageId = outboundMessageId(emu, b.id);

    // The spoofs name the exact outbound messageId; one also claims to be B.
    const inReplyTo = { molecule_in_reply_to: messageId };
    // August refuses the route without a bearer (a2a_proxy_helpers.go authenticateA2AHTTPCaller).
    const spoof = { parts: [{ kind: "text", text: "no bearer" }], metadata: inReplyTo };
    expect(await canvasPost(emu, a.id, spoof, { bearer: false })).toBe(401);
    expect(
      await canvasPost(emu, a.id, {
        parts: [{ kind: "text", text: "spoof" }],
        metadata: inReplyTo,
      }),
    ).toBe(200);
    expect(
      await canvasPost(emu, a.id, {
        parts: [{ kind: "text", text: "spoof claiming B" }],
        metadata: { ...inReplyTo, molecule_source_workspace_id: b.id },
      }),
    ).toBe(200);
    // Both reach A's handler as answers nobody awaits (from the canvas), not the call.
    await waitFor(() => onA.length === 2, { timeoutMs: 15_000 });
    expect(onA.map((m) => [m.text, m.isReply, m.sourceId, m.inReplyTo])).toEqual([
      ["spoof", true, null, messageId],
      ["spoof claiming B", true, null, messageId],
    ]);
    expect(settled).toBeUndefined();

    release();
    expect(await call).toMatchObject({ status: "completed", text: "real answer to question" });
    expect(onA).toHaveLength(2); // B's real answer went to the call, not the handler
  });

  it("push caller, poll peer (latest): B's answer pushed through the proxy still resolves the call", async () => {
    const emu = await emulator();
    const a = await workspace(emu, "a");
    const b = await workspace(emu, "b");
    await startAgent(b.client, (m) => `poll answer to ${m.text}`);
    const onA: InboundMessage[] = [];
    const agentA = await startAgent(a.client, (m) => void onA.push(m), {
      delivery: { mode: "push" },
    });
    const result = await agentA.callPeer(b.id, "hello", { timeoutMs: 60_000 });
    expect(result).toMatchObject({ status: "completed", text: "poll answer to hello" });
    expect(onA).toHaveLength(0);
  });

  for (const compat of ["latest", "2026-04"] as const) {
    it(`push peer answering through the proxy synchronously still answers the call (${compat})`, async () => {
      const emu = await emulator(compat);
      const a = await workspace(emu, "a");
      const b = await workspace(emu, "b");
      await startAgent(b.client, (m) => `push answer to ${m.text}`, {
        delivery: { mode: "push" },
      });
      const agentA = await startAgent(a.client, () => undefined, { delivery: { mode: "push" } });
      const result = await agentA.callPeer(b.id, "hi");
      expect(result.status).toBe("completed");
      expect(result.status === "completed" && stripA2ABoundary(result.text)).toBe(
        "push answer to hi",
      );
    });
  }
});
