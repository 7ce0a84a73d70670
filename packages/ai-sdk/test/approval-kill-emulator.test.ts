// Issue 88: the kill-safe approvals hold the AI SDK 7 way. An AI SDK app (a child process: a
// ToolLoopAgent whose `toolApproval` sends every `refund` to a person, `canvasApprovals` with a
// RemoteAgent on a file store, its messages saved as an app saves them) is killed (SIGKILL) while
// the request is pending; restarted, it waits on the same request, and the person's decision, made
// after the restart, runs the tool. Killed again right after the tool ran (before the answer), the
// third process finds the call taken and does not run it again: the tool ran exactly once.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { waitFor } from "@internal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../src/testing.js";

const CHILD = fileURLToPath(new URL("./fixtures/approval-kill-child.mjs", import.meta.url));

let platform: TestPlatform;
let admin: AdminClient;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  platform = await startTestPlatform({ name: "refunds" });
  admin = new AdminClient({ platformUrl: platform.url, adminToken: platform.emulator.adminToken });
  dir = await mkdtemp(join(tmpdir(), "ai-approval-kill-"));
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await admin?.close();
  await platform?.close();
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

describe("kill -9 while a toolApproval call waits for a person", () => {
  it("resumes the same request after the restart, and the approved call runs exactly once", async () => {
    const ws = platform.workspace;
    const env = {
      PLATFORM_URL: platform.url,
      WS_ID: ws.id,
      WS_TOKEN: ws.token,
      STORE: join(dir, "store"),
      RAN_FILE: join(dir, "ran.log"),
      SAVED: join(dir, "messages.json"),
      MOLECULE_STATE_DIR: join(dir, "state"),
    };

    // 1. Asked, then killed while the request is pending.
    const first = startChild(env);
    const asked = await waitFor(
      async () => (await admin.listPendingApprovals()).find((a) => a.workspaceId === ws.id),
      { timeoutMs: 20_000 },
    );
    expect(asked.action).toBe('run tool refund with input {"order":"R-1"}');
    await kill9(first);

    // 2. Restarted: it waits on the same request. Decided after the restart, the tool runs; the
    // process is killed again before it answers.
    const second = startChild({ ...env, HANG_AFTER_RUN: "1" });
    await waitFor(() => second.out.includes("asking"), { timeoutMs: 20_000 });
    await admin.decideApproval(ws.id, asked.id, "approved", { decidedBy: "dana" });
    await waitFor(async () => (await ranLines(env.RAN_FILE)).length > 0, { timeoutMs: 20_000 });
    await kill9(second);

    // 3. Restarted again with the same saved messages: the call is found taken, not run again.
    const third = startChild(env);
    const answer = await waitFor(() => third.out.find((l) => l.startsWith("answer ")), {
      timeoutMs: 20_000,
    });
    expect(JSON.parse(answer.slice("answer ".length))).toBe("tool said: it is not run again");
    await third.exited;

    expect(await ranLines(env.RAN_FILE)).toEqual(["R-1"]); // exactly once
    const rows = await ws.client().listApprovals(); // one request in all
    expect(rows.map((r) => [r.id, r.status])).toEqual([[asked.id, "approved"]]);
  }, 90_000);
});
