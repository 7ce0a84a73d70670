// A kill loses nothing, without saved state: an agent started each time on an EMPTY state folder
// (a container without a volume) and killed with SIGKILL at many moments while a peer keeps
// asking. Its checkpoint lags (written at most every 10 s), so each start handles again what was
// answered since; the answers carry the same messageId every time, which the August platform
// collapses (`ON CONFLICT (workspace_id, message_id)`): the asker's log holds each answer once,
// and none is missing.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { PlatformClient } from "../src/index.js";

const CHILD = fileURLToPath(new URL("./fixtures/stateless-kill-child.mjs", import.meta.url));

let emu: Emulator;
let dir: string;
const children = new Set<ChildProcess>();
beforeAll(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "stateless-kill-"));
});
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

function startChild(env: Record<string, string>): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "ignore"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (b: Buffer) => {
      if (b.toString().includes("ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
  });
  return { child, ready };
}

/** The answers in `askerId`'s log, counted by the question (`molecule_in_reply_to`) they answer. */
function answersByQuestion(askerId: string, replierId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of emu.activity(askerId)) {
    if (r["activity_type"] !== "a2a_receive" || r["source_id"] !== replierId) continue;
    const body = r["request_body"] as
      | { params?: { message?: { metadata?: Record<string, unknown> } } }
      | undefined;
    const to = body?.params?.message?.metadata?.["molecule_in_reply_to"];
    if (typeof to === "string") counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}

describe("SIGKILL at any moment, restarted on an empty state folder", () => {
  it("answers every question once: none twice, none lost", { timeout: 120_000 }, async () => {
    const a = await emu.admin.createWorkspace({ name: "stateless", deliveryMode: "poll" });
    const p = await emu.admin.createWorkspace({ name: "asker", deliveryMode: "poll" });
    const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
    const ids = Array.from({ length: 40 }, () => randomUUID());
    const answered = (): number => answersByQuestion(p.id, a.id).size;

    // The peer asks while the agent is killed and restarted.
    const asking = (async () => {
      for (const [i, id] of ids.entries()) {
        await peer.callPeer(a.id, `question ${i}`, { messageId: id });
        // Each question after an answer to an earlier one, or at once past the first few.
        if (i >= 3) await waitFor(() => answered() >= i - 3, { timeoutMs: 60_000 });
      }
    })();

    let run = 0;
    const env = (): Record<string, string> => ({
      PLATFORM_URL: emu.url,
      WS_ID: a.id,
      WS_TOKEN: a.token!,
      MOLECULE_STATE_DIR: join(dir, `run-${run++}`), // empty every start
    });
    for (let kill = 0; kill < 8; kill++) {
      const c = startChild(env());
      await c.ready;
      // Killed after one to three more answers: between an answer and the next, mid-handler,
      // mid-send, before a checkpoint (they come at most every 10 s).
      const target = answered() + 1 + (kill % 3);
      await waitFor(() => answered() >= Math.min(target, ids.length), { timeoutMs: 60_000 });
      const exited = new Promise((r) => c.child.once("exit", r));
      c.child.kill("SIGKILL");
      await exited;
    }
    const last = startChild(env());
    await last.ready;
    await asking;
    await waitFor(() => answered() === ids.length, { timeoutMs: 60_000 });
    const ended = new Promise((r) => last.child.once("exit", r));
    last.child.kill("SIGTERM");
    expect(await ended).toBe(0);
    await peer.close();

    const counts = answersByQuestion(p.id, a.id);
    expect([...counts.keys()].sort()).toEqual([...ids].sort()); // none lost
    const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    expect(twice).toEqual([]); // none answered twice
  });
});
