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
// The holder acts only while it can prove its lease current (`proven`, by lease-clock.ts): a
// process that was paused or starved past it refreshes first, and gives the folder up instead
// when another agent took it or is taking it (its claim), so it starts nothing a successor ran.
import {
  basename,
  join,
  link,
  mkdir,
  open,
  randomHex,
  readdir,
  rename,
  rm,
  stat,
  type FileHandle,
} from "../runtime/index.js";
import { envVar, isProcessAlive, sha256Hex } from "../runtime/index.js";
import { MoleculeError, sleep } from "../transport/index.js";
import { fsReason, MoleculeStoreError } from "./cursor-store.js";
import { describeHolder, formatLease, newLease, parseLock, refreshed } from "./lease-record.js";
import type { LeaseRecord, LockContent, Machine } from "./lease-record.js";
import { LeaseClock } from "./lease-clock.js";
import { thisMachine } from "./lease-record.js";

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

/** A state folder's lock, held by this process. */
export interface StateLock {
  /** The lock file. */
  readonly file: string;
  /** This holding's random id, as the lock file names it. */
  readonly holder: string;
  /** Whether this process still holds it (false once released or lost). */
  readonly held: boolean;
  /**
   * Whether this process may act for the folder now: resolves `true` at once, without I/O, while
   * its last confirmed refresh began less than two thirds of the bound ago (by the monotonic
   * clock), so no other agent can have taken the folder; else once a refresh confirmed the lease
   * again. Resolves `false` once the lock is lost or given up (`onLost` is called): start nothing.
   */
  proven(): Promise<boolean>;
  /** Stops refreshing and removes the lock file if it is still this holding's. Idempotent. */
  release(): Promise<void>;
}

/** The lease bound: the option, else `MOLECULE_STATE_LEASE_MS`, else 30 s; 200 ms to 1 h. */
function leaseBoundMs(option?: number): number {
  const env = Number(envVar("MOLECULE_STATE_LEASE_MS"));
  const ms = option ?? (Number.isFinite(env) && env > 0 ? env : DEFAULT_LEASE_BOUND_MS);
  return Math.min(Math.max(ms, 200), 3_600_000);
}

/** Lock files this process holds (a second take here is refused at once). */
const heldHere = new Map<string, LeaseRecord>();

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
  const here = heldHere.get(file);
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

/** A lock file as read once: its inode and text. */
interface Snapshot {
  ino: number;
  text: string;
}

/** Reads `path` through one open file (inode and text agree); undefined when it is missing. */
async function snapshot(path: string): Promise<Snapshot | undefined> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, "r");
    const [st, text] = await Promise.all([fh.stat(), fh.readFile()]);
    return { ino: st.ino, text: text.toString("utf8") };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new MoleculeStoreError(
      "store_unreadable",
      `cannot read the lock ${path} of an agent's state folder (${fsReason(err)}); check the folder's permissions, or set MOLECULE_STATE_DIR to a folder of this user`,
      { path, cause: err },
    );
  } finally {
    await fh?.close();
  }
}

/** Whether `path` is still the file `fh` has open (same inode); false when it is missing. */
async function sameFile(path: string, fh: FileHandle): Promise<boolean> {
  const [named, open] = await Promise.all([stat(path).catch(() => undefined), fh.stat()]);
  return named !== undefined && named.ino === open.ino && named.dev === open.dev;
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

/** How often a lease of bound `boundMs` is refreshed. */
const refreshMsOf = (boundMs: number): number => boundMs / 6;

/** Resolved answers of {@link StateLock.proven}. */
const PROVEN = Promise.resolve(true);
const LOST = Promise.resolve(false);

/**
 * A lock this process holds: refreshed on a timer (unref'd) until released or lost, and proven
 * current (lease-clock.ts) before the work it guards.
 */
class HeldLock implements StateLock {
  readonly holder: string;
  #held = true;
  #lease: LeaseRecord;
  readonly #clock: LeaseClock;
  /** Refreshes confirmed so far. */
  #confirmed = 0;
  /** Told (once per lapse) that the lease may have lapsed. */
  #toldLate = false;
  /** The refresh under way: a release waits for it before closing the file. */
  #refreshing: Promise<void> | undefined;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(
    readonly dir: string,
    readonly file: string,
    readonly fh: FileHandle,
    lease: LeaseRecord,
    readonly machine: Machine,
    readonly options: Pick<StateLockOptions, "onLost" | "onLate">,
  ) {
    this.holder = lease.holder;
    this.#lease = lease;
    this.#clock = new LeaseClock(lease.boundMs, machine.now, lease.mono);
    heldHere.set(file, lease);
    this.#timer = setInterval(() => this.#refresh(), refreshMsOf(lease.boundMs));
    this.#timer.unref?.();
  }

  get held(): boolean {
    return this.#held;
  }

  proven(): Promise<boolean> {
    if (!this.#held) return LOST;
    return this.#clock.current() ? PROVEN : this.#confirm();
  }

  /** Refreshes until the lease is current again (true) or lost (false). */
  async #confirm(): Promise<boolean> {
    while (this.#held && !this.#clock.current()) {
      const confirmed = this.#confirmed;
      this.#refresh();
      await this.#refreshing;
      // One begun before a pause confirms a lease still too old: the next goes at once. One that
      // failed (its write or sync) goes again soon.
      if (this.#held && this.#confirmed === confirmed) {
        await sleep(Math.min(refreshMsOf(this.#lease.boundMs), 1_000));
      }
    }
    return this.#held;
  }

  #refresh(): void {
    if (this.#refreshing || !this.#held) return;
    this.#refreshing = this.#refreshOnce().finally(() => (this.#refreshing = undefined));
  }

  /**
   * Writes the refreshed lease through and confirms it: still this holder's file, and (when the
   * lease may have lapsed before the write was synced) no other agent's claim on the folder. A
   * lease that may have lapsed is checked for claims before the write too: then this holder gives
   * the folder up without touching the file, so the claimer's take goes through.
   */
  async #refreshOnce(): Promise<void> {
    const started = this.machine.now();
    try {
      if (!this.#clock.current()) {
        this.#tellLate();
        if (await this.#loseToClaim()) return;
      }
      this.#lease = { ...refreshed(this.#lease, this.machine), mono: started };
      await this.fh.writeAt(formatLease(this.#lease), 0);
      await this.fh.sync(); // seen by other hosts (NFS writes back at fsync or close)
      if (this.#clock.lateAt(this.machine.now()) && (await this.#loseToClaim())) return;
      if (!(await sameFile(this.file, this.fh))) {
        const now = await snapshot(this.file).catch(() => undefined);
        const silent = `${seconds(this.#clock.age())} s without confirming its lease (paused, starved or cut off)`;
        return await this.#lose(
          now
            ? `its lock ${this.file} is now held by ${describeHolder(parseLock(now.text))}, which took the folder after this one went ${silent}`
            : `its lock ${this.file} was deleted (this one went ${silent})`,
        );
      }
      this.#clock.confirm(started);
      this.#confirmed++;
      this.#toldLate = false;
    } catch (err) {
      if (this.#held && this.#clock.age() >= this.#lease.boundMs) {
        await this.#lose(`its lock ${this.file} could not be refreshed (${fsReason(err)})`);
      }
    }
  }

  /** Says once, in one line, that the lease may have lapsed and nothing starts until it is confirmed. */
  #tellLate(): void {
    if (this.#toldLate) return;
    this.#toldLate = true;
    const c = this.#clock;
    this.options.onLate?.(
      `this agent last confirmed its lease on ${this.dir} ${seconds(c.age())} s ago, past the ${seconds(c.trustMs)} s it counts on (the ${seconds(c.boundMs)} s bound less a ${seconds(c.marginMs)} s margin; the process was paused or starved): it starts nothing until it has confirmed the lease or given the folder up`,
    );
  }

  /** Gives the folder up if another agent claims it (state-lock.ts `#replace`): true then. */
  async #loseToClaim(): Promise<boolean> {
    const base = `${basename(this.file)}.`;
    const names = await readdir(this.dir);
    const claim = names.find((n) => n.startsWith(base) && n.includes(".claim"));
    if (claim === undefined) return false;
    const text = await snapshot(join(this.dir, claim)).catch(() => undefined);
    const by = text ? describeHolder(parseLock(text.text)) : "another agent";
    await this.#lose(
      `${by} is taking the folder (its claim ${join(this.dir, claim)}) after this one went ${seconds(this.#clock.age())} s without confirming its lease (paused, starved or cut off)`,
    );
    return true;
  }

  async #lose(why: string): Promise<void> {
    if (!this.#held) return;
    this.#end();
    await this.fh.close().catch(() => undefined);
    this.options.onLost?.(
      new MoleculeStoreError(
        "store_in_use",
        `this agent no longer holds its state folder ${this.dir}: ${why}. It stops using the folder so that one agent handles the workspace's messages; start it again once the other agent stops.`,
        { path: this.file },
      ),
    );
  }

  #end(): void {
    this.#held = false;
    clearInterval(this.#timer);
    if (heldHere.get(this.file)?.holder === this.holder) heldHere.delete(this.file);
  }

  async release(): Promise<void> {
    if (!this.#held) return;
    this.#end();
    await this.#refreshing;
    try {
      if (await sameFile(this.file, this.fh)) await rm(this.file, { force: true });
    } finally {
      await this.fh.close().catch(() => undefined);
    }
  }
}

/** `ms` in seconds, for a message: `30`, `0.8`. */
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

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
