// A holder frozen past its lease (issue 115), over real HTTP through the emulator: two agents with
// the README's defaults (fixtures/lease-pause-child.mjs) on one MOLECULE_STATE_DIR, each pid 1 of
// a PID namespace of its own, with its own mount namespace, host name and boot id (two nodes on one
// volume), on a disk whose fsync takes 200 ms (NFS-like), beside a busy CPU loop. The holder is
// SIGSTOPped while a handler runs and messages arrive; its successor takes the folder and runs them
// (and the one in flight, as after a crash); once it answered them all the holder is SIGCONTed: it
// runs none of them, sends no answer, writes nothing in the folder, and exits non-zero naming the
// holder that took it. Ten rounds, five at once. The lease check's logic with a controlled
// clock is lease-clock.test.ts; the kill, pid-1 and start-race cases are state-lock.test.ts.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import {
  type LineReader,
  ownMachine,
  pidNamespaces,
  pidOneOf,
  readLines,
  stopped,
  waitFor,
} from "@internal/test-utils";
import { PlatformClient } from "../src/index.js";
import { parseLock } from "../src/store/lease-record.js";

const CHILD = fileURLToPath(new URL("./fixtures/lease-pause-child.mjs", import.meta.url));
const BOUND_MS = 1_500;
const FSYNC_MS = 200;
const ROUNDS = 10;
/** Rounds run at once. */
const AT_ONCE = 5;
/** Messages sent while the holder is frozen. */
const FROZEN = 5;

let emu: Emulator;
let volume: string;
let busy: ChildProcess;
const nodes = new Set<Node>();
beforeAll(async () => {
  emu = await startEmulator();
  volume = await mkdtemp(join(tmpdir(), "lease-pause-"));
  busy = spawn(process.execPath, ["-e", "for (;;);"], { stdio: "ignore" }); // a busy CPU
});
afterEach(async () => {
  for (const node of nodes) await node.kill();
  nodes.clear();
});
afterAll(async () => {
  const gone = new Promise((r) => busy.once("exit", r));
  busy.kill("SIGKILL");
  await gone;
  await emu.close();
  await rm(volume, { recursive: true, force: true });
});

/** One node's agent: its stdout lines, its exit code, and signals to its process (pid 1 there). */
interface Node {
  out: LineReader;
  exited: Promise<number | null>;
  pid(): number;
  kill(): Promise<void>;
}

async function startNode(host: string, env: Record<string, string>): Promise<Node> {
  const boot = join(volume, `boot-${host}`);
  await writeFile(boot, `${crypto.randomUUID()}\n`);
  const argv = [...ownMachine(host, boot), process.execPath, CHILD];
  const child = spawn(argv[0]!, argv.slice(1), {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const node: Node = {
    out: readLines(child.stdout!),
    exited,
    pid: () => pidOneOf(child.pid!),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  nodes.add(node);
  return node;
}

/** A node's first line, or how it exited before one. */
const firstLine = (node: Node): Promise<string> =>
  Promise.race([
    node.out.line((l) => /^(started|refused) /.test(l)),
    node.exited.then((code) => `exited ${code}`),
  ]);

/**
 * One round: the holder frozen, its successor taking over, the holder thawed. Returns how many
 * handlers ran twice, but the one in flight at the freeze.
 */
async function round(n: number): Promise<number> {
  const w = await emu.admin.createWorkspace({ name: `paused ${n}`, deliveryMode: "poll" });
  const s = await emu.admin.createWorkspace({ name: `sender ${n}`, deliveryMode: "poll" });
  const sender = new PlatformClient({ platformUrl: emu.url, workspaceId: s.id, token: s.token! });
  const stateDir = join(volume, `round-${n}`);
  await mkdir(stateDir);
  const env = {
    PLATFORM_URL: emu.url,
    WS_ID: w.id,
    WS_TOKEN: w.token!,
    MOLECULE_STATE_DIR: stateDir,
    MOLECULE_STATE_LEASE_MS: String(BOUND_MS),
    FSYNC_MS: String(FSYNC_MS),
  };
  /** The texts the sender got answers to. */
  const answered = (): string[] =>
    emu
      .activity(s.id)
      .filter((r) => r["activity_type"] === "a2a_receive" && r["source_id"] === w.id)
      .map((r) => JSON.stringify(r["request_body"]).match(/You said: (\w+ [\d.]+)/)?.[1] ?? "?");
  try {
    const holder = await startNode(`holder-${n}`, env);
    expect(await firstLine(holder)).toMatch(/^started /);
    await sender.callPeer(w.id, `before ${n}`);
    await waitFor(() => answered().includes(`before ${n}`));

    // The holder freezes (a paused VM, `docker pause`) while a handler runs and messages arrive.
    await sender.callPeer(w.id, `slow ${n}`);
    await holder.out.line((l) => l === `ran slow ${n}`);
    const frozenPid = holder.pid();
    process.kill(frozenPid, "SIGSTOP");
    await stopped(frozenPid);
    const texts = Array.from({ length: FROZEN }, (_, i) => `frozen ${n}.${i}`);
    for (const text of texts) await sender.callPeer(w.id, text);

    // Its successor, another node, takes the folder once the lease lapsed and runs them.
    const successor = await startNode(`successor-${n}`, env);
    expect(await firstLine(successor)).toMatch(/^started /);
    // It runs the one in flight at the freeze again, as after a crash.
    const all = [`slow ${n}`, ...texts];
    await waitFor(() => all.every((t) => answered().includes(t)), { timeoutMs: 60_000 });
    const lock = join(stateDir, w.id, "inbound.lock");
    const taken = parseLock(await readFile(lock, "utf8"));
    if (taken.kind !== "lease") throw new Error(`the lock holds no lease: ${taken.kind}`);

    // The holder thaws: it runs nothing, writes nothing, and exits non-zero naming the successor.
    const seen = holder.out.lines.length;
    process.kill(frozenPid, "SIGCONT");
    const code = await holder.exited;
    const after = holder.out.lines.slice(seen);
    expect(after.filter((l) => l.startsWith("ran "))).toEqual([]);
    expect(after.filter((l) => l.startsWith("wrote "))).toEqual([]);
    const ended = after.find((l) => l.startsWith("ended ")) ?? after.join("\n");
    expect(ended).toMatch(/^ended error store_in_use this agent no longer holds its state folder /);
    expect(ended).toContain(`holder ${taken.lease.holder} on host "successor-${n}" (pid 1 there)`);
    expect(code).toBe(1);
    // Each message ran once: the frozen ones by the successor alone.
    const ran = (node: Node): string[] => node.out.lines.filter((l) => l.startsWith("ran "));
    expect(ran(successor).toSorted()).toEqual(all.map((t) => `ran ${t}`).toSorted());
    // Each asker got one answer: the thawed holder's handler in flight returned, its answer held.
    expect(answered().toSorted()).toEqual([`before ${n}`, ...all].toSorted());
    const now = parseLock(await readFile(lock, "utf8"));
    expect(now).toMatchObject({ kind: "lease", lease: { holder: taken.lease.holder } });
    await successor.kill();
    const runs = [...ran(holder), ...ran(successor)].filter((l) => l !== `ran slow ${n}`);
    return runs.length - new Set(runs).size;
  } finally {
    await sender.close();
  }
}

describe.skipIf(!pidNamespaces)(
  "a holder frozen past its lease on a shared volume (two nodes by unshare; needs root)",
  () => {
    it(`runs nothing its successor ran, writes nothing, and exits 1 naming it (${ROUNDS} rounds)`, async () => {
      // Five rounds at once (each its own workspaces, folder and hosts): the busy loop beside
      // them burns a core for half as long.
      const twice: number[] = [];
      for (let n = 0; n < ROUNDS; n += AT_ONCE) {
        const wave = Array.from({ length: Math.min(AT_ONCE, ROUNDS - n) }, (_, i) => n + i);
        twice.push(...(await Promise.all(wave.map((m) => round(m)))));
      }
      expect(twice).toEqual(Array(ROUNDS).fill(0));
    }, 600_000);
  },
);
