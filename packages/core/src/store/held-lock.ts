// A state folder's lock once this process holds it (store/state-lock.ts takes it): its lease is
// refreshed in place every bound/6 (an unref'd timer), proven current (lease-clock.ts) before the
// work it guards, given up when another agent took the folder or claims it after a pause or
// starvation (onLost), and removed on release if the file is still this holding's.
import { basename, join, readdir, rm, type FileHandle } from "../runtime/index.js";
import { sleep } from "../transport/index.js";
import { fsReason, MoleculeStoreError } from "./cursor-store.js";
import { describeHolder, formatLease, parseLock, refreshed } from "./lease-record.js";
import { refreshMsOf, seconds } from "./lease-record.js";
import type { LeaseRecord, Machine } from "./lease-record.js";
import { LeaseClock } from "./lease-clock.js";
import { sameFile, snapshot } from "./lock-file.js";
import type { StateLock } from "./state-lock-type.js";

/** Lock files this process holds (a second take here is refused at once). */
const heldHere = new Map<string, LeaseRecord>();

/** The lease this process holds on `file`, if it holds it. */
export function leaseHeldHere(file: string): LeaseRecord | undefined {
  return heldHere.get(file);
}

/** Resolved answers of {@link StateLock.proven}. */
const PROVEN = Promise.resolve(true);
const LOST = Promise.resolve(false);

/**
 * A lock this process holds: refreshed on a timer (unref'd) until released or lost, and proven
 * current (lease-clock.ts) before the work it guards.
 */
export class HeldLock implements StateLock {
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
    readonly options: {
      onLost?: (error: MoleculeStoreError) => void;
      onLate?: (message: string) => void;
    },
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

  /** Gives the folder up if another agent claims it (state-lock.ts's taker): true then. */
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
