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
import { waitFor } from "@internal/test-utils";
import { PlatformClient } from "../src/index.js";
import { readInvocations, redeliveryFigures } from "./fixtures/invocations.js";

const CHILD = fileURLToPath(new URL("./fixtures/agent-chaos-child.mjs", import.meta.url));
const CONCURRENCY = 4;
const BACKLOG = 400; // queued before the first start
const LIVE = 150; // sent while the agent is being killed
const KILLS = 6;

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

/** A path matcher that counts the requests it matched (the emulator consumes a fault on a match). */
class Counting extends RegExp {
  constructor(
    source: string,
    readonly onHit: () => void,
  ) {
    super(source);
  }
  override test(s: string): boolean {
    const hit = super.test(s);
    if (hit) this.onHit();
    return hit;
  }
}

/** Random faults on the agent's /activity, at most one pending at a time, until stopped. */
function chaos(workspaceId: string): { stop(): void; hits: Map<string, number> } {
  const hits = new Map<string, number>();
  const kinds: Array<[string, Omit<FaultSpec, "path">]> = [
    ["500", { status: 500, body: { error: "database connection lost" } }],
    ["reset", { reset: true }],
    ["delay", { delayMs: 150 }],
    ["410", { status: 410, body: { error: "since_id cursor not found (unknown or pruned)" } }],
  ];
  let remove: (() => void) | undefined;
  const timer = setInterval(() => {
    remove?.(); // a fault nobody consumed yet is replaced, so they never pile up
    const [name, spec] = kinds[Math.floor(Math.random() * kinds.length)]!;
    const path = new Counting(`^/workspaces/${workspaceId}/activity$`, () =>
      hits.set(name, (hits.get(name) ?? 0) + 1),
    );
    remove = emu.injectFault({ ...spec, method: "GET", path });
  }, 60);
  return {
    hits,
    stop() {
      clearInterval(timer);
      remove?.();
    },
  };
}

describe("chaos: kill -9 under /activity faults, file cursor", () => {
  it(`loses nothing across ${KILLS} kills; duplicates are flagged and bounded by concurrency`, async () => {
    const a = await emu.admin.createWorkspace({ name: "chaotic" });
    const p = await emu.admin.createWorkspace({ name: "sender" });
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
      await waitFor(async () => (await readLog(env.LOG_FILE)).length >= before + progress, {
        timeoutMs: 20_000,
        intervalMs: 2,
      });
      c.child.kill("SIGKILL");
      await c.exited;
      kills++;
    }
    await live;
    const last = spawnChild({ ...env, RUN: String(KILLS) });
    await last.ready;
    await waitFor(
      async () => new Set((await readLog(env.LOG_FILE)).map((l) => l.id)).size >= ids.length,
      {
        timeoutMs: 30_000,
      },
    );
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
  }, 60_000);
});
