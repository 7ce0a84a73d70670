// What a state folder's lock file says (store/state-lock.ts): the lease of its holder, one line of
// JSON padded to a fixed size so the holder rewrites it in place, with a checksum so a reader that
// catches a rewrite half done knows it. A lock file of an earlier SDK (12ffd145 and before) holds only a pid: legacy.
import { hostName, machineBootId, monotonicMs, PROCESS_ID, sha256Hex } from "../runtime/index.js";

/** Bytes of every lease record (one line: its JSON padded with spaces, then a newline). */
const RECORD_BYTES = 512;

/** The lease of a state folder's holder, as its lock file holds it. */
export interface LeaseRecord {
  /** A random id of this holding (pids can repeat; this cannot). */
  holder: string;
  /** The holder's host name (information: hosts can share a name). */
  host: string;
  /** The holder's pid in its own PID namespace (information only). */
  pid: number;
  /** The holder's machine boot (Linux), under which `mono` is comparable; `null` elsewhere. */
  boot: string | null;
  /** The holder's monotonic clock at its last refresh, in ms. */
  mono: number;
  /** The holder's wall clock at its last refresh (ISO 8601; for people, never for decisions). */
  at: string;
  /** Refreshes so far: each one changes the record, so a reader can see the holder is alive. */
  seq: number;
  /** How long after its last refresh the holder's lease ends (others may then take the folder). */
  boundMs: number;
}

/** What a reader found in a lock file. */
export type LockContent =
  | { kind: "lease"; lease: LeaseRecord }
  | { kind: "legacy"; pid: number }
  | { kind: "unreadable" };

/** This process's machine, as a lease names it. */
export interface Machine {
  host: string;
  boot: string | null;
  /** The machine's monotonic clock now, in ms. */
  now(): number;
}

/** This process's machine: its host name, boot id (Linux) and monotonic clock. */
export function thisMachine(host?: string): Machine {
  return { host: host ?? hostName(), boot: machineBootId() ?? null, now: monotonicMs };
}

/** A new lease of `holder` on `machine`, refreshed now. */
export function newLease(holder: string, machine: Machine, boundMs: number): LeaseRecord {
  return {
    holder,
    host: machine.host.slice(0, 128),
    pid: PROCESS_ID,
    boot: machine.boot,
    mono: machine.now(),
    at: new Date().toISOString(),
    seq: 0,
    boundMs,
  };
}

/** `lease` refreshed now: the next seq, the clocks read again. */
export function refreshed(lease: LeaseRecord, machine: Machine): LeaseRecord {
  return { ...lease, seq: lease.seq + 1, mono: machine.now(), at: new Date().toISOString() };
}

/** The lock file's text for `lease`: exactly {@link RECORD_BYTES} bytes. */
export function formatLease(lease: LeaseRecord): string {
  const body = JSON.stringify({ v: 2, ...lease });
  const line = JSON.stringify({ v: 2, ...lease, sum: sha256Hex(body).slice(0, 16) });
  const pad = RECORD_BYTES - 1 - Buffer.byteLength(line, "utf8");
  if (pad < 0) throw new Error(`lease record over ${RECORD_BYTES} bytes`);
  return `${line}${" ".repeat(pad)}\n`;
}

/** What `text` (a lock file's content) says; `unreadable` for a record caught half rewritten. */
export function parseLock(text: string): LockContent {
  const trimmed = text.trim();
  if (/^[0-9]{1,10}$/.test(trimmed)) return { kind: "legacy", pid: Number(trimmed) };
  try {
    const { v, sum, ...lease } = JSON.parse(trimmed) as Record<string, unknown>;
    if (v !== 2 || typeof sum !== "string") return { kind: "unreadable" };
    if (sha256Hex(JSON.stringify({ v, ...lease })).slice(0, 16) !== sum) {
      return { kind: "unreadable" };
    }
    const l = lease as unknown as LeaseRecord;
    const valid =
      typeof l.holder === "string" &&
      typeof l.host === "string" &&
      typeof l.mono === "number" &&
      typeof l.seq === "number" &&
      typeof l.boundMs === "number";
    return valid ? { kind: "lease", lease: l } : { kind: "unreadable" };
  } catch {
    return { kind: "unreadable" };
  }
}

/** A lease's holder, for a message: `holder 3fa2… on host web-1 (pid 1 there)`. */
export function describeHolder(content: LockContent): string {
  if (content.kind === "legacy") {
    return `process ${content.pid}, of an SDK version that locked by pid only`;
  }
  if (content.kind === "unreadable") return "an agent whose lock record is being rewritten";
  const { holder, host, pid } = content.lease;
  return `holder ${holder} on host ${JSON.stringify(host)} (pid ${pid} there)`;
}

/** How often a lease of bound `boundMs` is refreshed. */
export const refreshMsOf = (boundMs: number): number => boundMs / 6;

/** A lease's `ms` in seconds, for a message: `30`, `0.8`. */
export const seconds = (ms: number): number => Math.round(ms / 100) / 10;
