// A dead letter is reported to the platform over real HTTP (the emulator): an `error` row in the
// receiving workspace's own activity log naming the message (its activity id and messageId), the
// sender the platform authenticated as its target, the error bounded; the canvas marks the call
// with it (packages/platform-emulator's canvas tests). A failed report is logged, never thrown.
import { afterEach, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import type { InboundMessage } from "../src/index.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

/**
 * An emulator with a sender and a receiver whose agent's handler always fails (one attempt): its
 * dead letters and warnings are collected.
 */
async function setup(error: string) {
  const emu = await startEmulator();
  cleanups.push(() => emu.close());
  const clients: PlatformClient[] = [];
  for (const name of ["sender", "receiver"]) {
    const w = await emu.admin.createWorkspace({ name });
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token! });
    cleanups.push(() => client.close());
    clients.push(client);
  }
  const [sender, receiver] = clients as [PlatformClient, PlatformClient];
  const dead: InboundMessage[] = [];
  const warnings: unknown[][] = [];
  const agent = new RemoteAgent({
    client: receiver,
    maxAttempts: 1,
    logger: { warn: (...a: unknown[]) => void warnings.push(a) },
    handler: () => {
      throw new Error(error);
    },
    onDeadLetter: (m) => void dead.push(m),
  });
  cleanups.push(() => agent.stop());
  await agent.start();
  return { emu, sender, receiver, dead, warnings };
}

it("reports each dead letter as an error row of its own activity naming the message", async () => {
  const { emu, sender, receiver, dead, warnings } = await setup(`down ${"x".repeat(5_000)}`);
  const receipt = await sender.callPeer(receiver.workspaceId, "give up on me");
  expect(receipt.status).toBe("queued");
  await waitFor(() => dead.length === 1, { timeoutMs: 15_000 });
  const msg = dead[0]!;
  // The report goes in the background (a rate-limited platform must not hold a handler slot).
  const errorRow = () =>
    (emu.activity(receiver.workspaceId) as Record<string, unknown>[]).find(
      (r) => r["activity_type"] === "error",
    );
  await waitFor(() => errorRow() !== undefined, { timeoutMs: 15_000 });
  const report = errorRow();
  expect(report).toMatchObject({
    workspace_id: receiver.workspaceId,
    source_id: null,
    target_id: sender.workspaceId,
    method: "message/send",
    status: "error",
    summary: `dead letter (handler_failed): message ${msg.messageId}`,
    request_body: {
      dead_letter: {
        reason: "handler_failed",
        activity_id: msg.activityId,
        message_id: msg.messageId,
        context_id: msg.contextId ?? null,
      },
    },
  });
  expect(String(report!["error_detail"])).toMatch(/^Error: down x+$/);
  expect(String(report!["error_detail"]).length).toBe(1_000);
  expect(warnings.map((a) => a[0])).not.toContain("could not report a dead letter to the platform");
});

it("logs a report the platform refuses, and the message stays settled", async () => {
  const { emu, sender, receiver, dead, warnings } = await setup("down");
  emu.injectFault({
    method: "POST",
    path: "/workspaces/:id/activity",
    status: 400,
    body: { error: "invalid request body" },
  });
  await sender.callPeer(receiver.workspaceId, "give up on me");
  await waitFor(() => dead.length === 1, { timeoutMs: 15_000 });
  await waitFor(() =>
    warnings.map((a) => a[0]).includes("could not report a dead letter to the platform"),
  );
  expect(
    (emu.activity(receiver.workspaceId) as Record<string, unknown>[]).some(
      (r) => r["activity_type"] === "error",
    ),
  ).toBe(false);
});
