// AdminClient: redaction consistent with PlatformClient, and setSecrets never half-done silently.
import { inspect } from "node:util";
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import { MockAgent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminClient, type SetSecretsFailure } from "../src/public/admin.js";
import {
  isMoleculeError,
  MoleculeError,
  PlatformClient,
  WorkspaceRemovedError,
} from "../src/index.js";

const ORIGIN = "http://platform.test";
const ADMIN = "admin_token_abcdefghijklmnopqrstuvwxyz";

describe("AdminClient against the emulator", () => {
  let emu: Emulator;
  let admin: AdminClient;
  beforeAll(async () => {
    emu = await startEmulator();
    admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  });
  afterAll(async () => {
    await admin.close();
    await emu.close();
  });

  it("getWorkspace redacts the 410 body like PlatformClient does", async () => {
    const ws = await admin.createExternalWorkspace({ name: "gone" });
    emu.injectFault({
      method: "GET",
      path: `/workspaces/${ws.id}`,
      status: 410,
      body: {
        error: "workspace removed",
        auth_token: "leaky-token-value-1234567890",
        hint: `admin said ${emu.adminToken}`,
      },
    });
    const err = await admin.getWorkspace(ws.id, { includeRemoved: false }).catch((e) => e);
    expect(err).toBeInstanceOf(WorkspaceRemovedError);
    const seen = `${JSON.stringify(err.body)} ${inspect(err, { depth: 8 })}`;
    expect(seen).toContain("workspace removed");
    expect(seen).not.toContain("leaky-token-value");
    expect(seen).not.toContain(emu.adminToken);
  });

  it("setSecrets validates every entry before the first request", async () => {
    const ws = await admin.createExternalWorkspace({ name: "v" });
    const err = await admin.setSecrets(ws.id, { A: "1", B: "" }).catch((e) => e);
    expect(isMoleculeError(err, "invalid_argument")).toBe(true);
    expect(err.message).toMatch(/nothing was set/);
    const c = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token });
    expect(await c.pullSecrets()).toEqual({});
    // Nor did it ask for an approval (the August platform gates every admin secret write).
    expect((await admin.listPendingApprovals()).filter((a) => a.workspaceId === ws.id)).toEqual([]);
    const first = await admin.setSecrets(ws.id, { A: "1", B: "2" });
    expect(first.stored).toEqual([]);
    expect(first.awaitingApproval.map((p) => p.key)).toEqual(["A", "B"]);
    for (const p of first.awaitingApproval)
      await admin.decideApproval(ws.id, p.approvalId, "approved");
    expect(await admin.setSecrets(ws.id, { A: "1", B: "2" })).toEqual({
      stored: ["A", "B"],
      awaitingApproval: [],
    });
    expect(await c.pullSecrets()).toEqual({ A: "1", B: "2" });
    await c.close();
  });
});

const W1 = "00000000-0000-4000-8000-000000000001";

describe("AdminClient.setSecrets failing part-way", () => {
  it("reports the keys already set, the failed key and the pending ones", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const pool = agent.get(ORIGIN);
    const sent: string[] = [];
    const path = `/workspaces/${W1}/secrets`;
    const record = (opts: { body?: unknown }) =>
      sent.push((JSON.parse(String(opts.body)) as { key: string }).key);
    pool.intercept({ method: "POST", path }).reply((o) => (record(o), { statusCode: 200 }));
    pool.intercept({ method: "POST", path }).reply((o) => {
      record(o);
      return { statusCode: 500, data: { error: "db down", value: "s3cr3t-value-B" } };
    });
    const admin = new AdminClient({ platformUrl: ORIGIN, adminToken: ADMIN, dispatcher: agent });
    const err = await admin
      .setSecrets(W1, { A: "s3cr3t-value-A", B: "s3cr3t-value-B", C: "s3cr3t-value-C" })
      .catch((e: unknown) => e);
    expect(sent).toEqual(["A", "B"]);
    expect(err).toBeInstanceOf(MoleculeError);
    const failure = err as MoleculeError & SetSecretsFailure;
    expect(failure.status).toBe(500);
    expect(failure.setKeys).toEqual(["A"]);
    expect(failure.failedKey).toBe("B");
    expect(failure.pendingKeys).toEqual(["C"]);
    expect(failure.message).toMatch(/already set and still in place: A; not set: B, C/);
    expect(`${failure.message} ${JSON.stringify(failure.body)}`).not.toMatch(/s3cr3t/);
    await agent.close();
  });

  it("a failure on the first key says nothing was set", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get(ORIGIN)
      .intercept({ method: "POST", path: `/workspaces/${W1}/secrets` })
      .reply(403, { error: "forbidden" });
    const admin = new AdminClient({ platformUrl: ORIGIN, adminToken: ADMIN, dispatcher: agent });
    const err = (await admin.setSecrets(W1, { A: "x", B: "y" }).catch((e: unknown) => e)) as
      | (MoleculeError & SetSecretsFailure)
      | undefined;
    expect(isMoleculeError(err, "forbidden")).toBe(true);
    expect(err?.setKeys).toEqual([]);
    expect(err?.message).toMatch(/no secret was set/);
    await agent.close();
  });
});
