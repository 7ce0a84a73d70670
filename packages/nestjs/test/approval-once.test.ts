// Issue #81 item 3 in a real Nest application against the emulator: MoleculeApprovals.toolCallOnce
// keeps the call in the agent's store and gives an approval once. Two deliveries of the same call
// (a redelivered message, a decision read twice) run it once; a restarted application over the
// same file store answers the call at once (handed to the tool before) and asks nobody again.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { INestApplication } from "@nestjs/common";
import { Test } from "@nestjs/testing";
import { ExpressAdapter } from "@nestjs/platform-express";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { fileStore, PlatformClient } from "@molecule-ai/agent-core";
import { ALREADY_RUN } from "@molecule-ai/agent-core/org";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MoleculeAgentModule, MoleculeApprovals } from "../src/index.js";

let emu: Emulator;
let admin: AdminClient;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator();
  admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  dir = await mkdtemp(join(tmpdir(), "nest-once-"));
});
afterAll(async () => {
  await admin?.close();
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});

async function app(ws: { id: string; token?: string | null }): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      MoleculeAgentModule.forRoot({
        platformUrl: emu.url,
        workspaceId: ws.id,
        token: ws.token!,
        agentCard: { name: "nest-once" },
        delivery: "off",
        store: fileStore(join(dir, "store")),
      }),
    ],
  }).compile();
  const a = moduleRef.createNestApplication(new ExpressAdapter(), { logger: false });
  await a.init();
  return a;
}

it("an approved call is taken once: twice at once, and again after a restart", async () => {
  const ws = await emu.admin.createWorkspace({ name: "nest-once" });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! });
  const first = await app(ws);
  const approvals = first.get(MoleculeApprovals);
  const ask = () =>
    approvals.toolCallOnce("msg-1:refund", "refund", { order: "N-1" }, { pollIntervalMs: 20 });
  const both = Promise.all([ask(), ask()]);
  // The one request both asks share, once it is open.
  const row = await waitFor(
    async () => (await client.listApprovals()).find((r) => r.status === "pending"),
    { timeoutMs: 30_000, intervalMs: 20 },
  );
  await admin.decideApproval(ws.id, row.id, "approved", { decidedBy: "dana" });
  const verdicts = await both;
  expect(verdicts.filter((v) => v === undefined)).toHaveLength(1); // run once
  expect(verdicts).toContain(ALREADY_RUN);
  await first.close();

  const second = await app(ws);
  expect(
    await second.get(MoleculeApprovals).toolCallOnce("msg-1:refund", "refund", { order: "N-1" }),
  ).toBe(ALREADY_RUN);
  await second.close();
  expect(await client.listApprovals()).toHaveLength(1); // one request in all
  await client.close();
});
