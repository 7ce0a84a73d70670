// Approvals a person can trust in a real Nest application against the emulator (#46, #47):
// MoleculeApprovals.requestToolCall shows the complete input or refuses it (never cut), a decision
// answers only its own request (a 503 on the create does not bring back an earlier yes).
// (An @OnApprovalEscalated() method hearing a child's request: the conformance suite,
// internal/adapter-conformance/test/approval-trust.test.ts.) Issue 59: the
// person sees every hidden character of the input as an escape, and a second identical call made
// while the first is pending gets its own request (one decision, one run).
import type { INestApplication } from "@nestjs/common";
import { Test } from "@nestjs/testing";
import { ExpressAdapter } from "@nestjs/platform-express";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { PlatformClient } from "@molecule-ai/agent-core";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { HIDDEN_CHARACTERS, HIDDEN_KEYS_SHOWN, hiddenToolInput } from "@internal/test-utils";
import { MoleculeAgentModule, MoleculeApprovals } from "../src/index.js";

let emu: Emulator;
let app: INestApplication;
let admin: AdminClient;
let parentId: string;
let parentClient: PlatformClient;
beforeAll(async () => {
  emu = await startEmulator();
  admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  const parent = await emu.admin.createWorkspace({ name: "nest-trust" });
  parentId = parent.id;
  parentClient = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: parent.id,
    token: parent.token as string,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [
      MoleculeAgentModule.forRoot({
        platformUrl: emu.url,
        workspaceId: parent.id,
        token: parent.token,
        agentCard: { name: "nest-trust" },
        delivery: "off",
      }),
    ],
  }).compile();
  app = moduleRef.createNestApplication(new ExpressAdapter(), { logger: false });
  await app.init();
});

afterAll(async () => {
  await app?.close();
  await parentClient?.close();
  await admin?.close();
  await emu?.close();
});

async function nextPending(seen: readonly string[] = []) {
  for (;;) {
    const row = (await parentClient.listApprovals()).find(
      (r) => r.status === "pending" && !seen.includes(r.id),
    );
    if (row) return row;
    await new Promise((r) => setImmediate(r));
  }
}

it("requestToolCall refuses a 2,246-character input hiding its argument after character 2,000", async () => {
  const approvals = app.get(MoleculeApprovals);
  const tail = " --no-preserve-root -rf /";
  const command = `echo ${"a".repeat(2_246 - 14 - 5 - 4 - tail.length)}; rm${tail}`;
  expect(JSON.stringify({ command })).toHaveLength(2_246);
  await expect(
    approvals.requestToolCall("shell", { command }, { file: false }),
  ).rejects.toMatchObject({ code: "approval_too_long" });
  expect(await parentClient.listApprovals()).toEqual([]);
});

it("requestToolCall: approved once; the create answered 503; asked again: only a new decision answers", async () => {
  const approvals = app.get(MoleculeApprovals);
  const input = { order: "A-1", amount: 10 };
  const first = approvals.requestToolCall("refund", input, { file: false, pollIntervalMs: 20 });
  const row1 = await nextPending();
  expect(row1.action).toBe('run tool refund with input {"amount":10,"order":"A-1"}');
  expect(row1.reason).toMatch(/\[approval [0-9a-f]{16} sha256:[0-9a-f]{64}\]$/);
  await admin.decideApproval(parentId, row1.id, "approved");
  await expect(first).resolves.toMatchObject({ approvalId: row1.id, approved: true });
  const unfault = emu.injectFault({
    method: "POST",
    path: `/workspaces/${parentId}/approvals`,
    status: 503,
    count: 100,
  });
  await expect(
    approvals.requestToolCall("refund", input, { file: false, pollIntervalMs: 20 }),
  ).rejects.toMatchObject({ status: 503 });
  unfault();
  let settled: unknown;
  const third = approvals
    .requestToolCall("refund", input, { file: false, pollIntervalMs: 20 })
    .then(
      (r) => (settled = r),
      (e: unknown) => (settled = e),
    );
  const row3 = await Promise.race([
    nextPending([row1.id]),
    third.then(() => {
      throw new Error(`answered without a new decision: ${JSON.stringify(settled)}`);
    }),
  ]);
  await admin.decideApproval(parentId, row3.id, "denied");
  await third;
  expect(settled).toMatchObject({ approvalId: row3.id, approved: false });
});

it("requestToolCall shows every hidden character of the input as an escape, and look-alike keys as such", async () => {
  const approvals = app.get(MoleculeApprovals);
  const input = hiddenToolInput();
  const asked = approvals.requestToolCall("shell", input, { file: false, pollIntervalMs: 20 });
  const row = await nextPending();
  for (const [raw, escape] of Object.entries(HIDDEN_CHARACTERS)) {
    expect(row.action).not.toContain(raw);
    expect(row.action).toContain(escape);
  }
  for (const key of HIDDEN_KEYS_SHOWN) expect(row.action).toContain(key);
  await admin.decideApproval(parentId, row.id, "denied");
  await expect(asked).resolves.toMatchObject({ approvalId: row.id, approved: false });
});

it("requestToolCall asked twice while the first is pending: two requests, one decision approves one call", async () => {
  const approvals = app.get(MoleculeApprovals);
  const input = { order: "B-2", amount: 20 };
  const first = approvals.requestToolCall("refund", input, { file: false, pollIntervalMs: 20 });
  const row1 = await nextPending();
  let secondResult: unknown;
  const second = approvals
    .requestToolCall("refund", input, { file: false, pollIntervalMs: 20 })
    .then((r) => (secondResult = r));
  const row2 = await nextPending([row1.id]);
  await admin.decideApproval(parentId, row1.id, "approved");
  await expect(first).resolves.toMatchObject({ approvalId: row1.id, approved: true });
  expect(secondResult).toBeUndefined();
  await admin.decideApproval(parentId, row2.id, "denied");
  await second;
  expect(secondResult).toMatchObject({ approvalId: row2.id, approved: false });
});
