// Issue #81 item 3: an approval survives a restart. An OpenAI Agents SDK agent (poll delivery,
// file store) is asked to refund an order; its tool needs a person's approval. The process is
// killed (SIGKILL) while the request is pending; restarted, it resumes the same run and the same
// request (no second one is opened, though its model would now ask under another call id), and
// the person's decision, made after the restart, runs the tool. Killed again right after the tool
// ran (before the answer), the third process finds the call taken and does not run it again: the
// tool ran exactly once, on exactly the input the person was shown.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PlatformClient } from "@molecule-ai/agent-core";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHILD = fileURLToPath(new URL("./fixtures/approval-restart-child.mjs", import.meta.url));

let emu: Emulator;
let admin: AdminClient;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  emu = await startEmulator();
  admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  dir = await mkdtemp(join(tmpdir(), "approval-restart-"));
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await admin?.close();
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Starts the child; `out` collects its stdout lines. */
function startChild(env: Record<string, string>) {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const out: string[] = [];
  let rest = "";
  child.stdout!.on("data", (b: Buffer) => {
    const parts = (rest + b.toString()).split("\n");
    rest = parts.pop() ?? "";
    out.push(...parts);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { child, out, exited };
}

async function kill9(c: { child: ChildProcess; exited: Promise<void> }): Promise<void> {
  c.child.kill("SIGKILL");
  await c.exited;
}

async function ranLines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, "utf8")).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

describe("kill -9 while a tool call waits for a person", () => {
  it("resumes the same request after the restart, and the approved call runs exactly once", async () => {
    const writer = await emu.admin.createWorkspace({ name: "writer", deliveryMode: "poll" });
    const user = await emu.admin.createWorkspace({ name: "user", deliveryMode: "poll" });
    const env = {
      PLATFORM_URL: emu.url,
      WS_ID: writer.id,
      WS_TOKEN: writer.token!,
      STORE: join(dir, "store"),
      RAN_FILE: join(dir, "ran.log"),
      MOLECULE_STATE_DIR: join(dir, "state"),
    };
    const sender = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: user.id,
      token: user.token!,
    });
    await sender.callPeer(writer.id, "please refund R-1", { messageId: randomUUID() });
    await sender.close();

    // 1. Asked, then killed while the request is pending.
    const first = startChild({ ...env, CALL_ID: "call-first" });
    const asked = await waitFor(
      async () => (await admin.listPendingApprovals()).find((a) => a.workspaceId === writer.id),
      { timeoutMs: 20_000 },
    );
    expect(asked.action).toBe('run tool refund with input {"order":"R-1"}');
    await kill9(first);

    // 2. Restarted: it resumes the run and waits on the same request. Decided after the restart,
    // the tool runs; the process is killed again before it answers.
    const second = startChild({ ...env, CALL_ID: "call-second", HANG_AFTER_RUN: "1" });
    await waitFor(() => second.out.includes("ready"), { timeoutMs: 20_000 });
    await admin.decideApproval(writer.id, asked.id, "approved", { decidedBy: "dana" });
    await waitFor(async () => (await ranLines(env.RAN_FILE)).length > 0, { timeoutMs: 20_000 });
    await kill9(second);

    // 3. Restarted again: the message is delivered again, the call is found taken, not run again.
    const third = startChild({ ...env, CALL_ID: "call-third" });
    const answer = await waitFor(() => third.out.find((l) => l.startsWith("answer ")), {
      timeoutMs: 20_000,
    });
    expect(JSON.parse(answer.slice("answer ".length))).toBe("tool said: it is not run again");
    third.child.kill("SIGTERM");
    await third.exited;

    expect(await ranLines(env.RAN_FILE)).toEqual(["R-1"]); // exactly once
    // One request in all: neither restart opened another.
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: writer.id,
      token: writer.token!,
    });
    const rows = await client.listApprovals();
    await client.close();
    expect(rows.map((r) => [r.id, r.status])).toEqual([[asked.id, "approved"]]);
  }, 90_000);
});
