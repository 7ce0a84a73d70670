// Crash safety: SIGKILL an agent process mid-batch, restart it with the same cursor file, and
// check that every message was handled exactly once, and that the handler was called again only
// for the messages in flight at the kill (counted before the handler's own de-duplication).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { PlatformClient } from "../src/index.js";
import { readInvocations, redeliveryFigures } from "./fixtures/invocations.js";

const CHILD = fileURLToPath(new URL("./fixtures/agent-kill-child.mjs", import.meta.url));

let emu: Emulator;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "agent-kill-"));
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

function startChild(env: Record<string, string>): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (b: Buffer) => {
      if (b.toString().includes("ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
  });
  return { child, ready };
}

async function lines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, "utf8")).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

describe("kill -9 mid-batch, restart with the file cursor", () => {
  it("handles every messageId exactly once", async () => {
    const a = await emu.admin.createWorkspace({ name: "crashy", deliveryMode: "poll" });
    const p = await emu.admin.createWorkspace({ name: "sender", deliveryMode: "poll" });
    const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
    const ids = Array.from({ length: 60 }, () => randomUUID());
    for (const id of ids) await peer.callPeer(a.id, `job ${id}`, { messageId: id });
    await peer.close();
    const env = {
      PLATFORM_URL: emu.url,
      WS_ID: a.id,
      WS_TOKEN: a.token!,
      CURSOR_FILE: join(dir, "cursor"),
      LOG_FILE: join(dir, "handled.log"),
      INVOKE_FILE: join(dir, "invoked.log"),
    };

    const first = startChild({ ...env, RUN: "0" });
    await first.ready;
    await waitFor(async () => (await lines(env.LOG_FILE)).length >= 15, {
      timeoutMs: 15_000,
      intervalMs: 2,
    });
    const exited = new Promise((r) => first.child.once("exit", r));
    first.child.kill("SIGKILL");
    await exited;
    const atKill = (await lines(env.LOG_FILE)).length;
    expect(atKill).toBeLessThan(ids.length); // killed mid-batch

    const second = startChild({ ...env, RUN: "1" });
    await second.ready;
    await waitFor(async () => new Set(await lines(env.LOG_FILE)).size === ids.length, {
      timeoutMs: 15_000,
    });
    const ended = new Promise((r) => second.child.once("exit", r));
    second.child.kill("SIGTERM");
    expect(await ended).toBe(0);

    const handled = await lines(env.LOG_FILE);
    const counts = new Map<string, number>();
    for (const id of handled) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...ids].sort());
    expect(Math.max(...counts.values())).toBe(1);
    expect(handled).toHaveLength(ids.length);
    // Handler calls, whatever the handler's own de-duplication then did with them.
    const calls = redeliveryFigures(await readInvocations(env.INVOKE_FILE));
    expect([...calls.calls.keys()].sort()).toEqual([...ids].sort());
    expect(calls.maxPerRun).toBe(1); // at most once per run
    expect(Math.max(...calls.unflagged.values())).toBe(1); // only a redelivery is called again
    expect(calls.flaggedPerRun.get(0) ?? 0).toBe(0); // a first run redelivers nothing
    // One kill: at most `concurrency` (4) messages were in flight, each called once more at most.
    expect(calls.flaggedPerRun.get(1) ?? 0).toBeLessThanOrEqual(4);
    expect(Math.max(...calls.calls.values())).toBeLessThanOrEqual(2);
    expect(calls.extra).toBeLessThanOrEqual(4);
    // Every message not in flight at the kill was called exactly once.
    const once = [...calls.calls.values()].filter((n) => n === 1).length;
    expect(once).toBeGreaterThanOrEqual(ids.length - 4);
    // the reference-compatible cursor file holds the last message's activity id (the log also
    // holds the checkpoint the second run left when it stopped)
    const rows = emu.activity(a.id).filter((r) => r["activity_type"] === "a2a_receive");
    expect(await readFile(env.CURSOR_FILE, "utf8")).toBe(rows.at(-1)?.["id"]);
  });
});
