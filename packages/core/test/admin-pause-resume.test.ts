// AdminClient.pause/resume against the emulator over HTTP (#77), as `workspace_restart.go`
// answers them: the August-2026 server pauses and resumes descendants only with `?cascade=true`
// (the SDK sends it), older ones cascade always and ignore the query; `207` partial and `500`
// failed answers (injected: the emulator stops nothing, so it never fails one) are typed; a paused
// parent and a missing provisioner are errors that say what to do; an external workspace's resume
// says what the platform does to it. And #79: a wrong admin token is named as such.
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { isMoleculeError, MoleculeError } from "../src/index.js";
import { AdminClient } from "../src/public/admin.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

type Compat = "latest" | "2026-05" | "2026-04";

async function setup(compat: Compat, adminToken?: string) {
  const emu = await startEmulator({ compat });
  const warnings: string[] = [];
  const admin = new AdminClient({
    platformUrl: emu.url,
    adminToken: adminToken ?? emu.adminToken,
    logger: { warn: (m: string) => void warnings.push(m) },
  });
  cleanups.push(
    () => emu.close(),
    () => admin.close(),
  );
  return { emu, admin, warnings };
}

/** A root with a child and a grandchild (external, poll). */
async function tree(emu: Emulator, admin: AdminClient) {
  const root = await admin.createExternalWorkspace({ name: "root" });
  const child = await admin.createExternalWorkspace({ name: "child", parentId: root.id });
  const grandchild = await admin.createExternalWorkspace({
    name: "grandchild",
    parentId: child.id,
  });
  const statuses = async () =>
    Promise.all(
      [root, child, grandchild].map(async (w) => (await emu.admin.getWorkspace(w.id))["status"]),
    );
  return { root, child, grandchild, statuses };
}

async function capture(p: Promise<unknown>): Promise<MoleculeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof MoleculeError) return err;
    throw err;
  }
  throw new Error("expected a MoleculeError");
}

describe("pause and resume a subtree (latest: the August-2026 server)", () => {
  it("pause covers the descendants (cascade by default) and counts them", async () => {
    const { emu, admin } = await setup("latest");
    const { root, statuses } = await tree(emu, admin);
    expect(await admin.pause(root.id)).toEqual({
      workspaceId: root.id,
      status: "paused",
      pausedCount: 3,
      failures: [],
      raw: { status: "paused", paused_count: 3 },
    });
    expect(await statuses()).toEqual(["paused", "paused", "paused"]);
  });

  it("cascade: false on a workspace with children is refused, naming them; nothing is paused", async () => {
    const { emu, admin } = await setup("latest");
    const { root, child, grandchild, statuses } = await tree(emu, admin);
    const before = await statuses();
    expect(before).not.toContain("paused");
    const err = await capture(admin.pause(root.id, { cascade: false }));
    expect(err).toMatchObject({
      code: "has_descendants",
      status: 409,
      descendants: [
        { id: child.id, name: "child" },
        { id: grandchild.id, name: "grandchild" },
      ],
    });
    expect(err.message).toContain("child, grandchild");
    expect(err.message).toContain("{ cascade: true }");
    expect(await statuses()).toEqual(before);
    // A leaf needs no cascade.
    expect((await admin.pause(grandchild.id, { cascade: false })).pausedCount).toBe(1);
  });

  it("resume of a child under a paused parent says to resume the parent; the parent's resume covers the subtree and warns what provisioning does to an external workspace", async () => {
    const { emu, admin, warnings } = await setup("latest");
    const { root, child, statuses } = await tree(emu, admin);
    await admin.pause(root.id);
    const refused = await capture(admin.resume(child.id));
    expect(refused).toMatchObject({ code: "parent_paused", status: 409, retryable: false });
    expect(refused.message).toContain('parent workspace "root" is paused');
    expect(refused.message).toContain("resume the topmost paused ancestor first");
    const resumed = await admin.resume(root.id);
    expect(resumed).toMatchObject({
      workspaceId: root.id,
      status: "provisioning",
      resumedCount: 3,
      failures: [],
    });
    // The platform provisions an external workspace (a tenant then fails it, MISSING_MODEL).
    expect(await statuses()).toEqual(["provisioning", "provisioning", "provisioning"]);
    expect(resumed.warning).toMatch(/is external: the platform resumes it by provisioning it/);
    expect(resumed.warning).toContain("MISSING_MODEL");
    expect(resumed.warning).toContain('its status is now "provisioning"');
    expect(resumed.warning).toContain("registers again");
    expect(warnings.some((w) => w.includes(`resume(${root.id})`))).toBe(true);
    // Resuming what is not paused: the server's 404, said plainly.
    const again = await capture(admin.resume(root.id));
    expect(again).toMatchObject({ code: "not_found", status: 404 });
    expect(again.message).toContain("is not paused");
  });

  it("a 207 is a typed partial result naming what failed; a 500 is a MoleculeError naming the failures", async () => {
    const { emu, admin, warnings } = await setup("latest");
    const { root, child } = await tree(emu, admin);
    const failure = {
      workspace_id: child.id,
      name: "child",
      stage: "stop",
      error: "cp provisioner: stop: context deadline exceeded",
    };
    emu.injectFault({
      method: "POST",
      path: `/workspaces/${root.id}/pause`,
      status: 207,
      body: {
        status: "partially_paused",
        error:
          "2 of 3 workspace(s) paused; 1 step(s) failed — see failures[] for which workspace and which stage",
        paused_count: 2,
        failed_count: 1,
        failures: [failure],
      },
    });
    const partial = await admin.pause(root.id);
    expect(partial).toMatchObject({
      status: "partially_paused",
      pausedCount: 2,
      failures: [
        {
          workspaceId: child.id,
          name: "child",
          stage: "stop",
          error: failure.error,
        },
      ],
    });
    expect(warnings.join("\n")).toContain(`child (${child.id}) at "stop"`);

    emu.injectFault({
      method: "POST",
      path: `/workspaces/${root.id}/resume`,
      status: 500,
      body: {
        status: "resume_failed",
        error: "no workspace entered the provisioning state (1 step(s) failed) — see failures[]",
        resumed_count: 0,
        failed_count: 1,
        failures: [{ ...failure, stage: "mark_provisioning", error: "context canceled" }],
      },
    });
    const failed = await capture(admin.resume(root.id));
    expect(failed).toMatchObject({
      code: "resume_failed",
      status: 500,
      retryable: false,
      failures: [{ workspaceId: child.id, stage: "mark_provisioning", error: "context canceled" }],
    });
    expect(failed.message).toContain("500 resume_failed");
    expect(failed.message).toContain(`child (${child.id}) at "mark_provisioning"`);

    emu.injectFault({
      method: "POST",
      path: `/workspaces/${root.id}/pause`,
      status: 500,
      body: { status: "pause_failed", paused_count: 0, failed_count: 1, failures: [failure] },
    });
    const pauseFailed = await capture(admin.pause(root.id));
    expect(pauseFailed).toMatchObject({ code: "pause_failed", status: 500 });
    expect(pauseFailed.message).toContain('stage "stop" means the workload still runs');
  });

  it("a 207 of a resume is partially_resumed with its failures", async () => {
    const { emu, admin } = await setup("latest");
    const ws = await admin.createExternalWorkspace({ name: "solo" });
    await admin.pause(ws.id);
    emu.injectFault({
      method: "POST",
      path: `/workspaces/${ws.id}/resume`,
      status: 207,
      body: {
        status: "partially_resumed",
        resumed_count: 1,
        failed_count: 1,
        failures: [{ workspace_id: ws.id, name: "solo", stage: "broadcast", error: "insert" }],
      },
    });
    expect(await admin.resume(ws.id)).toMatchObject({
      status: "partially_resumed",
      resumedCount: 1,
      failures: [{ workspaceId: ws.id, stage: "broadcast" }],
    });
  });
});

describe("older servers ignore ?cascade=true and cascade always", () => {
  it.each(["2026-05", "2026-04"] as const)("%s: pause covers the subtree", async (compat) => {
    const { emu, admin } = await setup(compat);
    const { root, statuses } = await tree(emu, admin);
    expect(await admin.pause(root.id, { cascade: false })).toMatchObject({
      status: "paused",
      pausedCount: 3,
    });
    expect(await statuses()).toEqual(["paused", "paused", "paused"]);
  });

  it("2026-05: resume covers the subtree (provisioning) and warns about the external workspace", async () => {
    const { emu, admin } = await setup("2026-05");
    const { root, statuses } = await tree(emu, admin);
    await admin.pause(root.id);
    const r = await admin.resume(root.id);
    expect(r).toMatchObject({ status: "provisioning", resumedCount: 3 });
    expect(r.warning).toContain('its status is now "provisioning"');
    expect(await statuses()).toEqual(["provisioning", "provisioning", "provisioning"]);
  });

  it("2026-04: resume of an external workspace is refused with 503: an unavailable error saying the agent resumes it", async () => {
    const { emu, admin } = await setup("2026-04");
    const { root } = await tree(emu, admin);
    await admin.pause(root.id);
    const err = await capture(admin.resume(root.id));
    expect(err).toMatchObject({ code: "unavailable", status: 503, retryable: false });
    expect(err.message).toContain("no provisioner");
    expect(err.message).toContain("starting its agent again");
  });
});

describe("a wrong admin token (#79)", () => {
  it.each(["latest", "2026-04"] as const)(
    "%s: 401 names the admin token passed to AdminClient, not a workspace token",
    async (compat) => {
      const { emu } = await setup(compat);
      const ws = await emu.admin.createWorkspace({ name: "target" });
      const wrong = "wrong-admin-token-0123456789";
      const admin = new AdminClient({ platformUrl: emu.url, adminToken: wrong });
      cleanups.push(() => admin.close());
      for (const call of [
        () => admin.createExternalWorkspace({ name: "x" }),
        () => admin.listPendingApprovals(),
        () => admin.setSecrets(ws.id, { K: "v" }),
        () => admin.pause(ws.id),
      ]) {
        const err = await capture(call());
        expect(isMoleculeError(err, "unauthorized")).toBe(true);
        expect(err.message).toContain("the admin token is missing, wrong or revoked");
        expect(err.message).toContain("adminToken to AdminClient");
        expect(err.message).not.toContain("tokenStore");
        expect(err.message).not.toContain(wrong);
      }
    },
  );
});
