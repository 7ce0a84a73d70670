// One holder per state folder, whatever the pid (DESIGN invariant 3): the folder's lock file holds
// a lease (lease-record.ts) that its holder refreshes in place every bound/6 and that lapses when
// not refreshed for the bound. The file is created whole and at once (`link` of a written file)
// and a lapsed one is replaced by `rename` after a claim only one taker can win (below), never
// removed and created again; the holder knows its file by inode, so a holder whose file was
// replaced learns it at its next refresh and stops holding.
//
// A lease is judged lapsed by clocks no wall clock step can move: on the holder's machine and boot
// (Linux's boot id, whatever the PID namespace or container) by the shared monotonic clock; else
// (another host, another OS) by watching the file: unchanged for the bound by this process's
// monotonic clock, it lapsed; changed, its holder is alive. A start waits while it watches.
//
// The holder (held-lock.ts) acts only while it can prove its lease current (`proven`, by
// lease-clock.ts): a process that was paused or starved past it refreshes first, and gives the
// folder up instead when another agent took it or is taking it (its claim), so it starts nothing
// a successor ran. This file takes the lock: creates it, or judges its holder and takes it over.
import { link, mkdir, open, randomHex, rename, rm, type FileHandle } from "../runtime/index.js";
import { envVar, isProcessAlive, sha256Hex } from "../runtime/index.js";
import { MoleculeError, sleep } from "../transport/index.js";
import { fsReason, MoleculeStoreError } from "./cursor-store.js";
import { describeHolder, formatLease, newLease, parseLock, refreshed } from "./lease-record.js";
import { refreshMsOf, seconds, thisMachine } from "./lease-record.js";
import type { LeaseRecord, LockContent, Machine } from "./lease-record.js";
import { HeldLock, leaseHeldHere } from "./held-lock.js";
import type { StateLock } from "./state-lock-type.js";
import { sameFile, snapshot, type Snapshot } from "./lock-file.js";

export type { StateLock } from "./state-lock-type.js";

/** How long a lease lasts after its holder's last refresh, by default (ms). */
export const DEFAULT_LEASE_BOUND_MS = 30_000;

/** Options of {@link takeStateLock}. */
export interface StateLockOptions {
  /**
   * How long the lease lasts after its last refresh, in ms (refreshed every sixth of it). Default
   * `MOLECULE_STATE_LEASE_MS`, else 30 000; at least 200.
   */
  boundMs?: number;
  /** The host name the lease names (default the machine's). */
  host?: string;
  /** Stops waiting for a lapsing lease (the take rejects). */
  signal?: AbortSignal;
  /** Told once, in one line, when the take waits to see whether the lock's holder is alive. */
  onWait?: (message: string) => void;
  /**
   * Called once if the lock is lost while held (another agent replaced the file after this
   * process failed to refresh it within the bound, or the file was removed): stop using the folder.
   */
  onLost?: (error: MoleculeStoreError) => void;
  /**
   * Told in one line when this process finds its lease may have lapsed (a refresh far too late:
   * the process was paused or starved); {@link StateLock.proven} then confirms it or gives the
   * folder up.
   */
  onLate?: (message: string) => void;
  /**
   * What the `store_in_use` refusal tells the user to do, one sentence (default: stop the other
   * agent, give each replica its own `MOLECULE_STATE_DIR`, or use a shared store).
   */
  fix?: string;
}

/** The lease bound: the option, else `MOLECULE_STATE_LEASE_MS`, else 30 s; 200 ms to 1 h. */
function leaseBoundMs(option?: number): number {
  const env = Number(envVar("MOLECULE_STATE_LEASE_MS"));
  const ms = option ?? (Number.isFinite(env) && env > 0 ? env : DEFAULT_LEASE_BOUND_MS);
  return Math.min(Math.max(ms, 200), 3_600_000);
}

/**
 * Takes `file`, the lock of state folder `dir` (created if missing): resolves once this process
 * holds it, refreshing it until {@link StateLock.release}. Throws a {@link MoleculeStoreError}:
 * `store_in_use` (one line naming the folder, the file, its holder and when it will be free)
 * while another live holder has it, `store_unwritable` when the folder cannot be written. Waits
 * (up to the bound) while it cannot yet tell a lapsed lease from a live one.
 */
export async function takeStateLock(
  dir: string,
  file: string,
  options: StateLockOptions = {},
): Promise<StateLock> {
  const bound = leaseBoundMs(options.boundMs);
  const here = leaseHeldHere(file);
  if (here) throw inUse(dir, file, { kind: "lease", lease: here }, options.fix);
  const machine = thisMachine(options.host);
  const lease = newLease(randomHex(16), machine, bound);
  const temp = `${file}.${lease.holder}.tmp`;
  let fh: FileHandle;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    fh = await open(temp, "wx", 0o600);
    await fh.writeAt(formatLease(lease), 0);
  } catch (err) {
    throw new MoleculeStoreError(
      "store_unwritable",
      `cannot create the agent's state folder ${dir} or its lock ${file} (${fsReason(err)}); set MOLECULE_STATE_DIR to a writable folder, or pass store: memoryStore() to keep the cursor in memory`,
      { path: dir, cause: err },
    );
  }
  const taker = new Taker(dir, file, temp, fh, lease, machine, options);
  try {
    await taker.take();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  await rm(temp, { force: true }); // the file is the lock's now (linked or renamed)
  return new HeldLock(dir, file, fh, taker.lease, machine, options);
}

type Verdict = "held" | "lapsed" | "watch";

/** One start's attempt to take a lock: create it, or judge its holder and take a lapsed lease. */
class Taker {
  /** What each watched file held when first seen unchanged, and since when (monotonic ms). */
  readonly #seen = new Map<string, { key: string; since: number }>();

  /** Its bound (ms). */
  readonly bound: number;
  #told = false;

  constructor(
    readonly dir: string,
    readonly file: string,
    readonly temp: string,
    readonly fh: FileHandle,
    /** The lease its file holds (`fh`, named `temp` until it is the lock). */
    public lease: LeaseRecord,
    readonly machine: Machine,
    readonly options: Pick<StateLockOptions, "signal" | "onWait" | "fix">,
  ) {
    this.bound = lease.boundMs;
  }

  /**
   * Refreshes the lease in its file now, before the file becomes the lock or a claim: a start
   * that waited for the bound must not put up a lease that already looks lapsed.
   */
  async #fresh(): Promise<void> {
    this.lease = refreshed(this.lease, this.machine);
    await this.fh.writeAt(formatLease(this.lease), 0);
  }

  async take(): Promise<void> {
    const fh = this.fh;
    for (;;) {
      if (this.options.signal?.aborted) {
        throw new MoleculeError(`stopped while waiting for the lock ${this.file}`, {
          code: "agent_stopped",
        });
      }
      if (await this.#create()) return;
      const snap = await snapshot(this.file);
      if (snap === undefined) continue; // released just now: create it
      const verdict = this.#judge(this.file, snap);
      if (verdict === "held") {
        throw inUse(this.dir, this.file, parseLock(snap.text), this.options.fix);
      }
      if (verdict === "lapsed" && (await this.#replace(snap))) {
        // Confirmed by reading it back: still this taker's file, not replaced again at once.
        if (await sameFile(this.file, fh)) return;
        const now = await snapshot(this.file);
        const content: LockContent = now ? parseLock(now.text) : { kind: "unreadable" };
        throw inUse(this.dir, this.file, content, this.options.fix);
      }
      if (verdict === "watch" && !this.#told) {
        this.#told = true;
        this.options.onWait?.(
          `the lock ${this.file} is held by ${describeHolder(parseLock(snap.text))}: waiting up to ${seconds(this.bound)} s to see it refreshed (then this agent refuses) or lapse (then it takes the folder)`,
        );
      }
      await sleep(Math.min(refreshMsOf(this.bound) / 2, 1_000), this.options.signal);
    }
  }

  /** Links the written temp file as the lock: true when there was none (atomic, exclusive). */
  async #create(): Promise<boolean> {
    try {
      await this.#fresh();
      await link(this.temp, this.file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw new MoleculeStoreError(
        "store_unwritable",
        `cannot create the lock ${this.file} of the agent's state folder ${this.dir} (${fsReason(err)}); set MOLECULE_STATE_DIR to a writable folder`,
        { path: this.file, cause: err },
      );
    }
  }

  /**
   * Whether `snap` (of `path`) shows a live holder, a lapsed one, or one to watch longer. A
   * lease seen to change is alive (a live holder refreshes every sixth of its bound, so a second
   * agent refuses within about that); one of this machine's boot is lapsed once its monotonic
   * age passes the bound, any other once seen unchanged for the bound.
   */
  #judge(path: string, snap: Snapshot): Verdict {
    const content = parseLock(snap.text);
    const { changed, watchedMs } = this.#watch(path, `${snap.ino}:${snap.text}`);
    if (content.kind === "lease") {
      if (changed) return "held"; // refreshed while watched
      const { boot, mono, boundMs } = content.lease;
      const bound = leaseBoundMs(boundMs);
      const age = this.machine.now() - mono;
      // Its machine's clock, where this process reads the same one: lapsed past the bound. Else
      // (or not yet lapsed) watched: its next refresh shows it alive, none for the bound lapsed.
      const sameClock = boot !== null && boot === this.machine.boot && age >= 0;
      return (sameClock && age >= bound) || watchedMs >= bound ? "lapsed" : "watch";
    }
    // An earlier SDK's pid-only lock: its holder ended if no such process runs here (as that SDK
    // judged it); else (a live pid here, or one in another PID namespace or host, which pids
    // cannot tell apart) it lapses when seen unchanged for the bound, as it is never refreshed.
    if (content.kind === "legacy" && !changed && !isProcessAlive(content.pid)) return "lapsed";
    return watchedMs >= this.bound ? "lapsed" : "watch";
  }

  /** Records `key` as `path`'s content: whether it changed since last seen, and for how long not. */
  #watch(path: string, key: string): { changed: boolean; watchedMs: number } {
    const now = this.machine.now();
    const last = this.#seen.get(path);
    if (last?.key === key) return { changed: false, watchedMs: now - last.since };
    this.#seen.set(path, { key, since: now });
    return { changed: last !== undefined, watchedMs: 0 };
  }

  /**
   * Replaces the lapsed lock `snap` with this taker's file. Only one taker may replace a given
   * lapsed lock: the one that creates its claim file (named by the lapsed content, exclusive).
   * It then renames its file over the lock only if the lock is still that lapsed one. A claim
   * is removed only once the lock is no longer that content (it never comes back: ids are
   * random), so a later claimer always finds the lock changed. A claimer that died holding its
   * claim lapses like a lock: the next claim is named after it. False when another taker won.
   */
  async #replace(snap: Snapshot): Promise<boolean> {
    const claims: string[] = [];
    let claim = `${this.file}.${tagOf(snap)}.claim`;
    try {
      for (;;) {
        try {
          await this.#fresh();
          await link(this.temp, claim);
          claims.push(claim);
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        }
        const other = await snapshot(claim);
        if (other === undefined || this.#judge(claim, other) !== "lapsed") return false;
        claims.push(claim); // its claimer died: claim after it
        claim = `${claim}.${tagOf(other)}`;
      }
      const now = await snapshot(this.file);
      if (now?.ino !== snap.ino || now.text !== snap.text) return false;
      await rename(this.temp, this.file);
      return true;
    } finally {
      // The lock is no longer the lapsed content now (replaced, by this taker or another).
      const now = await snapshot(this.file).catch(() => undefined);
      if (now?.ino !== snap.ino || now.text !== snap.text) {
        await Promise.all(claims.map(async (c) => await rm(c, { force: true }).catch(() => {})));
      }
    }
  }
}

/** A short name for a lock file's content (inode and text). */
const tagOf = (snap: Snapshot): string => sha256Hex(`${snap.ino}:${snap.text}`).slice(0, 16);

/** The one-line refusal: the folder, its lock, the holder, and when it will be free. */
function inUse(
  dir: string,
  file: string,
  content: LockContent,
  fix = "Stop the other agent, give each replica its own MOLECULE_STATE_DIR, or run replicas on a shared store (createPostgresStore from @molecule-ai/postgres).",
): MoleculeStoreError {
  const lease = content.kind === "lease" ? content.lease : undefined;
  const free = lease
    ? `It is free when that agent stops, or ${seconds(leaseBoundMs(lease.boundMs))} s after its last refresh (at ${lease.at} by its clock).`
    : "It is free when that agent stops.";
  return new MoleculeStoreError(
    "store_in_use",
    `another agent keeps its state in ${dir}: the lock ${file} is held by ${describeHolder(content)}, and two agents on one folder would each handle every message. ${free} ${fix}`,
    { path: dir },
  );
}
