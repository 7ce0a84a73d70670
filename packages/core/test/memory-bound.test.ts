// What a poll agent holds is bounded by what it holds, not by what arrives (issue 101): a default
// agent in a 64 MiB memory cgroup (v1, as a container's `limits.memory`) takes a burst of 300
// messages of 64 KiB (19 MB) and answers each once. Before pages were bounded by bytes (read row
// by row, cut at a few MiB) it was OOM-killed after a handful. Needs a writable cgroup v1 memory
// controller (root); skipped elsewhere.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { PlatformClient } from "../src/index.js";
import { parseActivityRow } from "../src/public/wire.js";

const CHILD = fileURLToPath(new URL("./fixtures/memory-burst-child.mjs", import.meta.url));
const MEMORY = "/sys/fs/cgroup/memory";
const MiB = 1024 * 1024;

/** Why the test cannot run here, or undefined when a memory cgroup can be made. */
function cgroupSkip(): string | undefined {
  const probe = join(MEMORY, `molecule-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
    return undefined;
  } catch (err) {
    return `no writable cgroup v1 memory controller at ${MEMORY} (${(err as Error).message}); run as root on a cgroup v1 host`;
  }
}
const skip = cgroupSkip();
if (skip) console.warn(`[memory-bound: skipped] ${skip}`);

let emu: Emulator;
let stateDir: string;
beforeAll(async () => {
  emu = await startEmulator();
  stateDir = await mkdtemp(join(tmpdir(), "memory-bound-"));
});
afterAll(async () => {
  await emu?.close();
  await rm(stateDir, { recursive: true, force: true });
});

/** A cgroup with `limitMiB` of memory; `close` removes it once its processes are gone. */
function memoryCgroup(limitMiB: number): { path: string; close: () => Promise<void> } {
  const path = join(MEMORY, `molecule-memory-bound-${process.pid}-${limitMiB}`);
  mkdirSync(path);
  writeFileSync(join(path, "memory.limit_in_bytes"), String(limitMiB * MiB));
  const close = async (): Promise<void> => {
    await waitFor(() => {
      try {
        rmdirSync(path);
        return true;
      } catch {
        return false; // its last process is still exiting
      }
    });
  };
  return { path, close };
}

/** The agent child, moved into `cgroup` before Node starts: its handled ids and its exit. */
function agentIn(
  cgroup: string,
  env: Record<string, string>,
): {
  child: ChildProcess;
  handled: Map<string, number>;
  ready: Promise<void>;
  exited: Promise<string>;
} {
  const child = spawn(
    "sh",
    ["-c", `echo $$ > ${join(cgroup, "cgroup.procs")} && exec "${process.execPath}" "${CHILD}"`],
    {
      env: { ...process.env, ...env, MOLECULE_STATE_DIR: stateDir },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const handled = new Map<string, number>();
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => resolve(`agent exited (${signal ?? code})`)),
  );
  const ready = new Promise<void>((resolve, reject) => {
    let rest = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        if (line === "ready") resolve();
        if (line.startsWith("handled ")) {
          const id = line.slice("handled ".length);
          handled.set(id, (handled.get(id) ?? 0) + 1);
        }
      }
    });
    void exited.then((why) => reject(new Error(why)));
  });
  return { child, handled, ready, exited };
}

describe.skipIf(skip !== undefined)("an agent in a 64 MiB memory cgroup (cgroup v1; root)", () => {
  it("answers a burst of 300 messages of 64 KiB once each, and is not OOM-killed", async () => {
    const a = await emu.admin.createWorkspace({ name: "small-container", deliveryMode: "poll" });
    const p = await emu.admin.createWorkspace({ name: "burst-sender", deliveryMode: "poll" });
    const cgroup = memoryCgroup(64);
    const agent = agentIn(cgroup.path, {
      PLATFORM_URL: emu.url,
      WS_ID: a.id,
      WS_TOKEN: a.token!,
      HANDLER_MS: "100",
    });
    const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
    try {
      await agent.ready;
      const text = "x".repeat(64 * 1024 - 16);
      const ids = Array.from({ length: 300 }, (_, i) => `burst-${i}`);
      let next = 0;
      const send = async (): Promise<void> => {
        for (let i = next++; i < ids.length; i = next++)
          await peer.callPeer(a.id, `${i} ${text}`, { messageId: ids[i] });
      };
      await Promise.all(Array.from({ length: 8 }, send));
      // Every answer reaches the sender (or the agent dies first: the test fails on its exit).
      const answered = (): Map<string, number> => {
        const seen = new Map<string, number>();
        for (const row of emu.activity(p.id)) {
          const to = parseActivityRow(row)?.inReplyTo;
          if (to !== undefined) seen.set(to, (seen.get(to) ?? 0) + 1);
        }
        return seen;
      };
      let died: string | undefined;
      void agent.exited.then((why) => (died = why));
      await waitFor(() => died !== undefined || answered().size >= ids.length, {
        timeoutMs: 120_000,
      });
      expect(died).toBeUndefined();
      expect([...answered().values()].every((n) => n === 1)).toBe(true);
      expect([...agent.handled.keys()].sort()).toEqual([...ids].sort());
      expect([...agent.handled.values()].every((n) => n === 1)).toBe(true);
      const failcnt = readFileSync(join(cgroup.path, "memory.failcnt"), "utf8").trim();
      console.info(
        `[memory-bound] peak ${Number(readFileSync(join(cgroup.path, "memory.max_usage_in_bytes"), "utf8")) / MiB} MiB of 64, limit hit ${failcnt} times`,
      );
    } finally {
      await peer.close();
      if (agent.child.exitCode === null && agent.child.signalCode === null) {
        agent.child.kill("SIGTERM");
        await agent.exited;
      }
      await cgroup.close();
    }
  }, 180_000);
});
