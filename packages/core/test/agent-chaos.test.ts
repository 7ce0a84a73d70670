// Chaos: an agent child process with a file cursor is killed with SIGKILL again and again while
// the platform's /activity answers random 500s, connection resets, delays and 410s, and messages
// keep arriving. Nothing may be lost; a message handled twice must be flagged `redelivered`; each
// restart redelivers at most `concurrency` messages. Handler calls are counted as they start (a
// call killed before it finished counts too).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator, FaultSpec } from "@molecule-ai/platform-emulator";
import { PlatformClient } from "../src/index.js";
import { readInvocations, redeliveryFigures } from "./fixtures/invocations.js";

const CHILD = fileURLToPath(new URL("./fixtures/agent-chaos-child.mjs", import.meta.url));
const CONCURRENCY = 4;
const BACKLOG = 400; // queued before the first start
const LIVE = 150; // sent while the agent is being killed
const KILLS = 6;
/**
 * Longer than two of the agent's longest waits between failed reads (30 s each,
 * transport/backoff.ts): the faults can fail reads many times in a row (a busy CI run logged a
 * chain of seven, waits 0.1 s to 30 s), and the last two waits alone can pass 45 s. A first
 * start's backfill walks back over several pages; a page that fails with a 500 is asked again
 * (platform/activity.ts): without that, two walks in three failed here and a chain of eight
 * failed walks stalled the first child for 75 s (1 run in 12 under load).
 */
const STALL_MS = 75_000;

let emu: Emulator;
let dir: string;
const children = new Set<ChildProcess>();
beforeAll(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "agent-chaos-"));
});
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

interface Line {
  id: string;
  redelivered: boolean;
  run: number;
}

async function readLog(path: string): Promise<Line[]> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [id, flag, run] = l.split(" ");
      return { id: id!, redelivered: flag === "1", run: Number(run) };
    });
}

function spawnChild(env: Record<string, string>): {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  const exited = new Promise<number | null>((r) =>
    child.once("exit", (code) => {
      children.delete(child);
      r(code);
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (b: Buffer) => {
      if (b.toString().includes("ready")) resolve();
    });
    void exited.then((code) => reject(new Error(`child exited before ready (${code})`)));
  });
  return { child, ready, exited };
}

/**
 * A path matcher that matches a request with odds 1 in `odds`, and counts what it matched
 * (the emulator asks each GET once per request; a match answers with the fault).
 */
class Random extends RegExp {
  constructor(
    source: string,
    readonly odds: number,
    readonly onHit: () => void,
  ) {
    super(source);
  }
  override test(s: string): boolean {
    const hit = super.test(s) && Math.random() * this.odds < 1;
    if (hit) this.onHit();
    return hit;
  }
}

/**
 * Random faults on the agent's /activity until stopped. One fault waits at a time and meets a read
 * with odds 1 in 3, whenever the read comes (a read after a long backoff is no likelier to fail
 * than any other); once met, the next waits, its kind drawn from a shuffled bag of the four, so
 * every kind comes within any four faults.
 */
function chaos(workspaceId: string): { stop(): void; hits: Map<string, number>; kinds: number } {
  const hits = new Map<string, number>();
  const kinds: Array<[string, Omit<FaultSpec, "path">]> = [
    ["500", { status: 500, body: { error: "database connection lost" } }],
    ["reset", { reset: true }],
    ["delay", { delayMs: 150 }],
    // The August server answers 410 on /activity only to a read with a since_id it does not know
    // (activity.go at aeec8e47); a 410 elsewhere would say the workspace was removed.
    [
      "410",
      {
        status: 410,
        queryParam: "since_id",
        body: { error: "since_id cursor not found (unknown or pruned)" },
      },
    ],
  ];
  let bag: typeof kinds = [];
  let remove: (() => void) | undefined;
  let stopped = false;
  const next = (): void => {
    if (stopped) return;
    if (bag.length === 0)
      bag = kinds
        .map((k) => ({ k, r: Math.random() }))
        .sort((x, y) => x.r - y.r)
        .map((x) => x.k);
    const [name, spec] = bag.pop()!;
    const path = new Random(`^/workspaces/${workspaceId}/activity$`, 3, () => {
      hits.set(name, (hits.get(name) ?? 0) + 1);
      queueMicrotask(next);
    });
    remove = emu.injectFault({ ...spec, method: "GET", path });
  };
  next();
  return {
    hits,
    kinds: kinds.length,
    stop() {
      stopped = true;
      remove?.();
    },
  };
}

/**
 * Waits until `count()` reaches `target`, failing only when it stops moving for `STALL_MS`: the
 * agent is allowed to be slow (a loaded machine), not to stall longer than its longest backoff.
 */
async function untilCount(count: () => Promise<number>, target: number): Promise<void> {
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const n = await count();
    if (n >= target) return;
    if (n !== last) [last, movedAt] = [n, Date.now()];
    if (Date.now() - movedAt > STALL_MS) {
      throw new Error(`stalled at ${n} of ${target} for ${STALL_MS} ms`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("chaos: kill -9 under /activity faults, file cursor", () => {
  it(`loses nothing across ${KILLS} kills; duplicates are flagged and bounded by concurrency`, async () => {
    const a = await emu.admin.createWorkspace({ name: "chaotic", deliveryMode: "poll" });
    const p = await emu.admin.createWorkspace({ name: "sender", deliveryMode: "poll" });
    const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
    const ids = Array.from({ length: BACKLOG + LIVE }, () => randomUUID());
    const send = async (batch: string[]): Promise<void> => {
      for (let i = 0; i < batch.length; i += 25) {
        await Promise.all(
          batch.slice(i, i + 25).map((id) => peer.callPeer(a.id, `job ${id}`, { messageId: id })),
        );
      }
    };
    await send(ids.slice(0, BACKLOG));
    const env = {
      PLATFORM_URL: emu.url,
      WS_ID: a.id,
      WS_TOKEN: a.token!,
      CURSOR_FILE: join(dir, "cursor"),
      LOG_FILE: join(dir, "handled.log"),
      INVOKE_FILE: join(dir, "invoked.log"),
      CONCURRENCY: String(CONCURRENCY),
    };
    const faults = chaos(a.id);
    let live: Promise<void> | undefined;
    let kills = 0;
    for (let run = 0; run < KILLS; run++) {
      const before = (await readLog(env.LOG_FILE)).length;
      const c = spawnChild({ ...env, RUN: String(run) });
      await c.ready;
      live ??= send(ids.slice(BACKLOG)); // messages keep arriving during the kills
      // Let it make some progress (sometimes none at all), then kill it mid-batch.
      const progress = Math.floor(Math.random() * 60);
      await untilCount(async () => (await readLog(env.LOG_FILE)).length, before + progress);
      c.child.kill("SIGKILL");
      await c.exited;
      kills++;
    }
    await live;
    const last = spawnChild({ ...env, RUN: String(KILLS) });
    await last.ready;
    // It meets every kind of fault (these four may not all have come during the kills).
    await untilCount(async () => faults.hits.size, faults.kinds);
    const handled = async (): Promise<number> =>
      new Set((await readLog(env.LOG_FILE)).map((l) => l.id)).size;
    await untilCount(handled, ids.length);
    faults.stop();
    last.child.kill("SIGTERM");
    expect(await last.exited).toBe(0);
    await peer.close();

    const log = await readLog(env.LOG_FILE);
    // 0 lost, nothing unknown.
    expect(new Set(log.map((l) => l.id))).toEqual(new Set(ids));
    // Every handling after the first of a message is flagged redelivered.
    const seen = new Set<string>();
    const unflagged: Line[] = [];
    for (const l of log) {
      if (seen.has(l.id) && !l.redelivered) unflagged.push(l);
      seen.add(l.id);
    }
    expect(unflagged).toEqual([]);
    // Each restart redelivers at most `concurrency` messages.
    for (let run = 1; run <= KILLS; run++) {
      const flagged = log.filter((l) => l.run === run && l.redelivered).length;
      expect(flagged, `run ${run} redelivered ${flagged}`).toBeLessThanOrEqual(CONCURRENCY);
    }
    const duplicates = log.length - ids.length;
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY * kills);
    // The same bounds on every handler call, finished or killed: a message is called at most once
    // per run and never twice unflagged; each restart calls at most `concurrency` messages again.
    const calls = redeliveryFigures(await readInvocations(env.INVOKE_FILE));
    expect(new Set(calls.calls.keys())).toEqual(new Set(ids));
    expect(calls.maxPerRun).toBe(1);
    expect(Math.max(...calls.unflagged.values())).toBe(1);
    expect(calls.flaggedPerRun.get(0) ?? 0).toBe(0);
    for (let run = 1; run <= KILLS; run++) {
      const flagged = calls.flaggedPerRun.get(run) ?? 0;
      expect(flagged, `run ${run} called ${flagged} messages again`).toBeLessThanOrEqual(
        CONCURRENCY,
      );
    }
    expect(calls.extra).toBeLessThanOrEqual(CONCURRENCY * kills);
    expect(Math.max(...calls.calls.values())).toBeLessThanOrEqual(1 + kills);
    expect(kills).toBeGreaterThanOrEqual(5);
    // The agent really met every kind of fault.
    for (const kind of ["500", "reset", "delay", "410"])
      expect(faults.hits.get(kind), `${kind} faults met`).toBeGreaterThan(0);
  }, 600_000); // bounded by STALL_MS per step; a run takes 10-20 s
});
