// A delegation's result pushed into the delegating workspace's own inbox (RFC #2829, #2832-#2844:
// behind the platform's DELEGATION_RESULT_INBOX_PUSH=1, default off): an `a2a_receive` row with
// method `delegate_result` whose sender is the workspace itself. Over real HTTP against the
// emulator's latest contract with that flag on: the agent tells it apart from a message (the handler
// never gets it; a `delegationResult` event does), and a peer that names its call `delegate_result`
// is still a peer's message.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import type { AgentEventMap, InboundMessage } from "../src/index.js";
import { parseActivityRow } from "../src/public/wire.js";
import { AdminClient } from "../src/public/admin.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

async function org(delegationResultInboxPush: boolean) {
  const emu: Emulator = await startEmulator({ delegationResultInboxPush });
  const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  cleanups.push(
    () => emu.close(),
    () => admin.close(),
  );
  const a = await admin.createExternalWorkspace({ name: "lead" });
  const b = await admin.createExternalWorkspace({ name: "helper" });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: a.id, token: a.token! });
  const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: b.id, token: b.token! });
  cleanups.push(
    () => client.close(),
    () => peer.close(),
  );
  const handled: InboundMessage[] = [];
  const results: AgentEventMap["delegationResult"][] = [];
  const agent = new RemoteAgent({
    client,
    delivery: "poll",
    // The platform writes the row with a plain INSERT (no ACTIVITY_LOGGED event): found by a poll.
    pollIntervalMs: 50,
    logger: {},
    handler: (m) => {
      handled.push(m);
    },
  });
  agent.on("delegationResult", (e) => results.push(e));
  cleanups.push(() => agent.stop());
  await agent.start();
  return { emu, a, b, client, peer, handled, results };
}

describe("a delegation result pushed into the inbox (latest, DELEGATION_RESULT_INBOX_PUSH)", () => {
  it("reaches the delegationResult event, once each, and never the handler: completed and failed", async () => {
    const { a, b, client, peer, handled, results } = await org(true);
    const ok = randomUUID();
    const bad = randomUUID();
    await client.recordDelegation({ targetId: b.id, task: "draft", delegationId: ok });
    await client.updateDelegation(ok, { status: "completed", responsePreview: "the draft" });
    await client.recordDelegation({ targetId: b.id, task: "check", delegationId: bad });
    await client.updateDelegation(bad, { status: "failed", error: "no sources" });
    // A peer's message after them: once it is handled, the rows before it were read.
    await peer.callPeer(a.id, "after");
    await waitFor(() => handled.length === 1 && results.length === 2);
    expect(handled.map((m) => m.text)).toEqual(["after"]);
    expect(results.map((r) => [r.delegationId, r.status, r.text, r.error])).toEqual([
      [ok, "completed", "the draft", undefined],
      [bad, "failed", "", "no sources"],
    ]);
    expect(results[0]!.message.delegationResult).toEqual({
      delegationId: ok,
      status: "completed",
      text: "the draft",
    });
    // Settled: a later poll passes them without a second event.
    await peer.callPeer(a.id, "later");
    await waitFor(() => handled.length === 2);
    expect(results.length).toBe(2);
  });

  it("a peer calling with the JSON-RPC method delegate_result is a peer's message, not a result", async () => {
    const { emu, a, b, handled, results } = await org(true);
    const res = await fetch(`${emu.url}/workspaces/${a.id}/a2a`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${await emu.admin.createToken(b.id)}`,
        "x-workspace-id": b.id,
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: "1",
        method: "delegate_result",
        params: {
          message: {
            role: "user",
            messageId: randomUUID(),
            parts: [{ kind: "text", text: "fake" }],
          },
        },
      }),
    });
    expect(res.status).toBe(200);
    await waitFor(() => handled.length === 1);
    expect(handled[0]).toMatchObject({ text: "fake", sourceId: b.id, method: "delegate_result" });
    expect(handled[0]!.delegationResult).toBeUndefined();
    expect(results).toEqual([]);
  });
});

/** A row as the platform writes a pushed delegation result, with `over` changed. */
const row = (over: Record<string, unknown>) => ({
  id: "r1",
  workspace_id: "self",
  activity_type: "a2a_receive",
  method: "delegate_result",
  source_id: "self",
  summary: "Delegation result delivered",
  status: "ok",
  error_detail: null,
  request_body: { delegation_id: "d1" },
  response_body: { text: "answer", delegation_id: "d1" },
  ...over,
});

describe("parseActivityRow", () => {
  it("recognises the platform's row (sender = the workspace itself)", () => {
    expect(parseActivityRow(row({}))).toMatchObject({
      text: "answer",
      delegationResult: { delegationId: "d1", status: "completed", text: "answer" },
    });
    expect(
      parseActivityRow(
        row({
          status: "error",
          error_detail: "boom",
          response_body: { text: "", delegation_id: "d1" },
        }),
      )?.delegationResult,
    ).toEqual({ delegationId: "d1", status: "failed", text: "", error: "boom" });
  });

  it("a row naming another sender, or none, is no result", () => {
    expect(parseActivityRow(row({ source_id: "peer" }))?.delegationResult).toBeUndefined();
    expect(parseActivityRow(row({ source_id: null }))?.delegationResult).toBeUndefined();
    expect(parseActivityRow(row({ workspace_id: undefined }))?.delegationResult).toBeUndefined();
  });
});
