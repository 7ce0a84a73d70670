// Helpers of the replica tests: child replica processes, their handler logs, message senders.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PlatformClient } from "@molecule-ai/agent-core";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { readLines } from "@internal/test-utils";

const CHILD = fileURLToPath(new URL("./fixtures/replica-child.mjs", import.meta.url));

/** A replica process. `leaderAt` resolves with the time it took the poll leadership. */
export interface Replica {
  child: ChildProcess;
  ready: Promise<void>;
  leaderAt: Promise<number>;
  exited: Promise<number | null>;
  /** Whether it took the poll leadership at some point. */
  isLeader(): boolean;
  /** Every stdout line so far. */
  lines: string[];
  /** Resolves with the first stdout line (seen or to come) that starts with `prefix`. */
  line(prefix: string): Promise<string>;
}

/** Starts one replica process. */
function startReplica(env: Record<string, string>): Replica {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let leader = false;
  const out = readLines(child.stdout!);
  const ready = out.line((l) => l === "ready").then(() => undefined);
  const leaderAt = out
    .line((l) => l.startsWith("leader "))
    .then((l) => {
      leader = true;
      return Number(l.split(" ")[1]);
    });
  const line = (prefix: string): Promise<string> => out.line((l) => l.startsWith(prefix));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, ready, leaderAt, exited, isLeader: () => leader, lines: out.lines, line };
}

/** What the handler logs say: starts (with the redelivered flag) and done effects per messageId. */
export interface HandlerLog {
  /** The redelivered flag (0|1) of each handler start, in time order. */
  starts: Map<string, number[]>;
  done: Map<string, number>;
  /** Done times (ms), in log order. */
  doneTimes: number[];
}

/** Reads and merges the given handler logs. */
export async function readLogs(paths: string[]): Promise<HandlerLog> {
  const log: HandlerLog = { starts: new Map(), done: new Map(), doneTimes: [] };
  const starts = new Map<string, Array<[flag: number, at: number]>>();
  for (const path of paths) {
    let text = "";
    try {
      text = await readFile(path, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      const [kind, id, a, b] = line.split(" ");
      if (!id) continue;
      if (kind === "S") starts.set(id, [...(starts.get(id) ?? []), [Number(a), Number(b)]]);
      if (kind === "D") {
        log.done.set(id, (log.done.get(id) ?? 0) + 1);
        log.doneTimes.push(Number(a));
      }
    }
  }
  for (const [id, list] of starts) {
    log.starts.set(
      id,
      list.sort((x, y) => x[1] - y[1]).map(([flag]) => flag),
    );
  }
  return log;
}

/** Sends `count` messages to `targetId` from a new sender workspace; returns their messageIds. */
export async function sendMessages(
  emu: Emulator,
  targetId: string,
  count: number,
): Promise<string[]> {
  const s = await emu.admin.createWorkspace({
    name: `sender-${randomUUID().slice(0, 8)}`,
    deliveryMode: "poll",
  });
  const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: s.id, token: s.token! });
  const ids = Array.from({ length: count }, () => randomUUID());
  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length) {
        const id = ids[next++]!;
        await peer.callPeer(targetId, `job ${id}`, { messageId: id });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  } finally {
    await peer.close();
  }
  return ids;
}

/** The replica processes a test file starts: started with per-replica logs, killed after each test. */
export class ReplicaSet {
  readonly #dir: string;
  readonly #running: Replica[] = [];
  #next = 0;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Starts one replica (its own log file and id) and waits until it is ready. */
  async one(env: Record<string, string>): Promise<{ replica: Replica; log: string }> {
    const i = this.#next++;
    const log = join(this.#dir, `${env.WS_ID}-${i}.log`);
    const replica = startReplica({ ...env, LOG_FILE: log, REPLICA_ID: `r${i}-${env.WS_ID}` });
    this.#running.push(replica);
    await replica.ready;
    return { replica, log };
  }

  /** Starts `n` replicas at once. */
  async start(
    n: number,
    env: Record<string, string>,
  ): Promise<{ list: Replica[]; logs: string[] }> {
    const started = await Promise.all(Array.from({ length: n }, async () => await this.one(env)));
    return { list: started.map((s) => s.replica), logs: started.map((s) => s.log) };
  }

  /**
   * SIGTERM (graceful stop) to each replica of `list` still running; resolves when they exited
   * (only those: one added to `list` meanwhile got no signal).
   */
  async stop(list: Replica[]): Promise<void> {
    const now = [...list];
    for (const r of now) if (alive(r)) r.child.kill("SIGTERM");
    for (const r of now) await r.exited;
  }

  /** Kills (SIGCONT, then SIGKILL) every replica still running. */
  async killAll(): Promise<void> {
    for (const r of this.#running.splice(0)) {
      if (alive(r)) {
        r.child.kill("SIGCONT");
        r.child.kill("SIGKILL");
      }
      await r.exited;
    }
  }
}

/** Whether the replica process has not exited. */
function alive(r: Replica): boolean {
  return r.child.exitCode === null && r.child.signalCode === null;
}
