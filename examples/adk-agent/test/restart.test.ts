// Issue #81 item 3 with ADK: the example agent (poll delivery, file store) is killed (SIGKILL)
// while a refund waits for a person's confirmation. Its ADK session was in memory, so the
// restarted agent runs the message again and its model asks under a new call id; the call is kept
// under the message and its exact input, so it waits on the same request (one in all), and the
// decision made after the restart runs the refund once.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PlatformClient } from "@molecule-ai/agent-core";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { pendingApprovalsOf, readLines } from "@internal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHILD = fileURLToPath(new URL("./fixtures/restart-child.mjs", import.meta.url));

let emu: Emulator;
let admin: AdminClient;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  emu = await startEmulator();
  admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  dir = await mkdtemp(join(tmpdir(), "adk-restart-"));
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await admin?.close();
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});

function startChild(env: Record<string, string>) {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const { line } = readLines(child.stdout!);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { child, exited, line };
}

/** The pending requests of `workspaceId`, once there is one. */
const pendingOf = (workspaceId: string) =>
  pendingApprovalsOf(() => admin.listPendingApprovals(), workspaceId);

describe("kill -9 while a refund waits for a person", () => {
  it("the restarted agent waits on the same request, and the decision runs the refund once", async () => {
    const writer = await emu.admin.createWorkspace({ name: "writer", deliveryMode: "poll" });
    const user = await emu.admin.createWorkspace({ name: "user", deliveryMode: "poll" });
    const env = {
      PLATFORM_URL: emu.url,
      WS_ID: writer.id,
      WS_TOKEN: writer.token!,
      STORE: join(dir, "store"),
      MOLECULE_STATE_DIR: join(dir, "state"),
    };
    const sender = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: user.id,
      token: user.token!,
    });
    await sender.callPeer(writer.id, "please refund order K-1", { messageId: randomUUID() });
    await sender.close();

    const first = startChild(env);
    const [asked] = await pendingOf(writer.id);
    expect(asked!.action).toBe('run tool refund with input {"order":"K-1"}');
    first.child.kill("SIGKILL");
    await first.exited;

    const second = startChild(env);
    await second.line((l) => l === "ready");
    await admin.decideApproval(writer.id, asked!.id, "approved", { decidedBy: "dana" });
    expect(await second.line((l) => l.startsWith("refunded "))).toBe('refunded ["K-1"]');
    second.child.kill("SIGTERM");
    await second.exited;

    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: writer.id,
      token: writer.token!,
    });
    const rows = await client.listApprovals();
    await client.close();
    expect(rows.map((r) => [r.id, r.status])).toEqual([[asked!.id, "approved"]]); // one in all
  }, 60_000);
});
