// A child workspace's agent asks for approval, is killed (SIGKILL) while it waits, and restarts:
// the restarted process resumes the same request (no second one) and continues with the decision
// a person makes on the canvas; on a fileStore, even when the restarted process has another
// approvals file (#81). Uses the built package (fixtures/approval-child.mjs).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { childRig, kill9, type ChildRig } from "@internal/test-utils";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AdminClient, PlatformClient } from "../src/platform/index.js";

const CHILD = fileURLToPath(new URL("./fixtures/approval-child.mjs", import.meta.url));
let emu: Emulator;
let admin: AdminClient;
let rig: ChildRig;
let dir: string;

beforeAll(async () => {
  emu = await startEmulator();
  admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  rig = await childRig("approval-restart-");
  dir = rig.dir;
});
afterAll(async () => {
  await rig?.close();
  await admin?.close();
  await emu?.close();
});

const run = (env: Record<string, string>) => rig.start(CHILD, env);

async function pendingFor(workspaceId: string): Promise<{ id: string }[]> {
  return (await admin.listPendingApprovals()).filter((a) => a.workspaceId === workspaceId);
}

it("the child continues with the decision across a kill -9 and restart", async () => {
  const parent = await emu.admin.createWorkspace({ name: "parent" });
  const child = await emu.admin.createWorkspace({ name: "child", parentId: parent.id });
  const env = {
    PLATFORM_URL: emu.url,
    WS_ID: child.id,
    WS_TOKEN: child.token as string,
    APPROVALS_FILE: join(dir, "approvals.json"),
  };
  const first = run(env);
  let pending: { id: string }[] = [];
  while ((pending = await pendingFor(child.id)).length === 0)
    await new Promise((r) => setImmediate(r));
  // Killed at once: perhaps before the request's id reached the file (the restart adopts it then).
  await kill9(first);
  expect(first.out.join("\n")).not.toContain("decision");
  // Restarted: it resumes the same request.
  const second = run(env);
  while (!second.out.includes("asking")) await new Promise((r) => setImmediate(r));
  await admin.decideApproval(child.id, pending[0]!.id, "approved", { decidedBy: "erin" });
  expect(await second.exited).toBe(0);
  const line = second.out.find((l) => l.startsWith("decision "))!;
  expect(JSON.parse(line.slice(9))).toMatchObject({
    approvalId: pending[0]!.id,
    approved: true,
    decidedBy: "erin",
  });
  expect(await pendingFor(child.id)).toEqual([]);
  const all = await admin.listPendingApprovals();
  expect(all.filter((a) => a.action === "migrate the billing db")).toEqual([]);
});

it("with no file given, the pending id is kept under MOLECULE_STATE_DIR (not in ~)", async () => {
  const parent = await emu.admin.createWorkspace({ name: "parent" });
  const child = await emu.admin.createWorkspace({ name: "child", parentId: parent.id });
  const stateDir = join(dir, "state");
  const { child: proc, exited } = run({
    PLATFORM_URL: emu.url,
    WS_ID: child.id,
    WS_TOKEN: child.token as string,
    MOLECULE_STATE_DIR: stateDir,
  });
  let pending: { id: string }[] = [];
  while ((pending = await pendingFor(child.id)).length === 0)
    await new Promise((r) => setImmediate(r));
  const file = join(stateDir, child.id, "approvals.json");
  let saved = "";
  while (!saved.includes(pending[0]!.id)) {
    saved = await readFile(file, "utf8").catch(() => "");
    if (!saved.includes(pending[0]!.id)) await new Promise((r) => setImmediate(r));
  }
  await admin.decideApproval(child.id, pending[0]!.id, "approved", { decidedBy: "erin" });
  expect(await exited).toBe(0);
  expect(proc.exitCode).toBe(0);
}, 60_000);

it("on a fileStore, a keyed request survives a kill -9 into a process with another approvals file (#81)", async () => {
  const parent = await emu.admin.createWorkspace({ name: "parent" });
  const child = await emu.admin.createWorkspace({ name: "child", parentId: parent.id });
  const env = (folder: string) => ({
    PLATFORM_URL: emu.url,
    WS_ID: child.id,
    WS_TOKEN: child.token as string,
    STORE_PATH: join(dir, "store", "cursor"),
    KEY: "call-1",
    // Each process's own state folder (a container without a shared volume).
    APPROVALS_FILE: join(dir, folder, "approvals.json"),
  });
  const first = run(env("first"));
  let pending: { id: string }[] = [];
  while ((pending = await pendingFor(child.id)).length === 0)
    await new Promise((r) => setImmediate(r));
  await kill9(first);
  const second = run(env("second"));
  while (!second.out.includes("asking")) await new Promise((r) => setImmediate(r));
  await admin.decideApproval(child.id, pending[0]!.id, "approved", { decidedBy: "erin" });
  expect(await second.exited).toBe(0);
  const lines = second.out.filter((l) => l.startsWith("decision "));
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0]!.slice(9))).toMatchObject({
    approvalId: pending[0]!.id,
    approved: true,
  });
  // One request on the canvas for this workspace, none left pending.
  expect(await pendingFor(child.id)).toEqual([]);
  const ws = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: child.id,
    token: child.token as string,
  });
  try {
    expect(await ws.listApprovals()).toHaveLength(1);
  } finally {
    await ws.close();
  }
});
