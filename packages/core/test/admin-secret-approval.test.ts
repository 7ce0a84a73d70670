// A secret write the August-2026 platform holds for a person's approval (#77), against the emulator
// over HTTP. The approval stores nothing: it lets the same write (workspace and key) through once
// when it is sent again (`approval_gate.go` `requireApproval` at enteros-core aeec8e47), so each
// held entry's `complete()` sends it again and says what it found.
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { PlatformClient } from "../src/index.js";
import { AdminClient } from "../src/public/admin.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

const VALUE = "s3cr3t-value-0123456789";

async function setup() {
  const emu = await startEmulator({ compat: "latest" });
  const warnings: string[] = [];
  const admin = new AdminClient({
    platformUrl: emu.url,
    adminToken: emu.adminToken,
    logger: { warn: (m: string) => void warnings.push(m) },
  });
  const created = await admin.createExternalWorkspace({ name: "secretive" });
  const client = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: created.id,
    token: created.token!,
  });
  cleanups.push(
    () => emu.close(),
    () => admin.close(),
    () => client.close(),
  );
  return { emu, admin, client, id: created.id, warnings };
}

describe("a held secret write, completed after the approval", () => {
  it("held, nothing stored; approved, nothing stored until complete(), which stores it and uses the approval up", async () => {
    const { admin, client, id, warnings } = await setup();
    const result = await admin.setSecrets(id, { API_KEY: VALUE });
    expect(result.stored).toEqual([]);
    const [held] = result.awaitingApproval;
    expect(held).toMatchObject({ key: "API_KEY", approvalId: expect.any(String) });
    expect(warnings.join("\n")).toContain("an approval stores nothing by itself");
    // complete() holds the value: never shown, never serialised.
    expect(inspect(result, { depth: 10 })).not.toContain(VALUE);
    expect(JSON.stringify(result)).not.toContain(VALUE);

    // Not decided yet: the same approval, nothing stored.
    expect(await held!.complete()).toEqual({
      key: "API_KEY",
      status: "pending_approval",
      approvalId: held!.approvalId,
      renewed: false,
    });
    expect(await client.pullSecrets()).toEqual({});

    await admin.decideApproval(id, held!.approvalId, "approved");
    // The approval alone stored nothing.
    expect(await client.pullSecrets()).toEqual({});
    expect(await held!.complete()).toEqual({ key: "API_KEY", status: "stored" });
    expect(await client.pullSecrets()).toEqual({ API_KEY: VALUE });

    // The approval was used up: the next write is held again, under a new approval.
    const third = await held!.complete();
    expect(third).toMatchObject({ status: "pending_approval", renewed: true });
    expect(third.status === "pending_approval" && third.approvalId).not.toBe(held!.approvalId);
  });

  it("denied: complete() finds a new approval opened (renewed), and nothing is stored", async () => {
    const { admin, client, id, warnings } = await setup();
    const [held] = (await admin.setSecrets(id, { TOKEN_X: VALUE })).awaitingApproval;
    await admin.decideApproval(id, held!.approvalId, "denied");
    const after = await held!.complete();
    expect(after).toMatchObject({ key: "TOKEN_X", status: "pending_approval", renewed: true });
    expect(warnings.join("\n")).toContain(
      `approval ${held!.approvalId} was denied, expired or already used`,
    );
    expect(await client.pullSecrets()).toEqual({});
  });
});
