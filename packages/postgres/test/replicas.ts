// Helpers of the replica tests: child replica processes, their handler logs, message senders.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { PlatformClient } from "@molecule-ai/agent-core";
import type { Emulator } from "@molecule-ai/platform-emulator";

const CHILD = fileURLToPath(new URL("./fixtures/replica-child.mjs", import.meta.url));

/** A replica process. `leaderAt` resolves with the time it took the poll leadership. */
export interface Replica {
  child: ChildProcess;
  ready: Promise<void>;
  leaderAt: Promise<number>;
  exited: Promise<number | null>;
  /** Leadership taken (the time), or undefined so far. */
  isLeader(): boolean;
}

/** Starts one replica process. */
export function startReplica(env: Record<string, string>): Replica {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let leader = false;
  let onReady!: () => void;
  let onLeader!: (t: number) => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const leaderAt = new Promise<number>((r) => (onLeader = r));
  let buf = "";
  child.stdout!.on("data", (b: Buffer) => {
    buf += b.toString();
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line === "ready") onReady();
      if (line.startsWith("leader ")) {
        leader = true;
        onLeader(Number(line.slice(7)));
      }
    }
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, ready, leaderAt, exited, isLeader: () => leader };
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
  const s = await emu.admin.createWorkspace({ name: `sender-${randomUUID().slice(0, 8)}` });
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
