// When a state folder's holder may act (issue 115): the lease check's logic with a controlled
// monotonic clock (LeaseClock), and a holder of a real lock whose process froze (its event loop
// blocked past the lease, as SIGSTOP would): it starts nothing until it confirmed the lease, and
// gives the folder up to an agent claiming it. Two nodes frozen and thawed: lease-pause.test.ts.
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeaseClock } from "../src/store/lease-clock.js";
import { formatLease, newLease, thisMachine } from "../src/store/lease-record.js";
import { takeStateLock } from "../src/store/state-lock.js";

/** A lease of 30 s confirmed at `confirmedAt` on a clock the test sets (`at`). */
function clock(confirmedAt = 0): { lease: LeaseClock; at(ms: number): void } {
  let now = confirmedAt;
  return { lease: new LeaseClock(30_000, () => now, confirmedAt), at: (ms) => (now = ms) };
}

describe("LeaseClock (a controlled clock)", () => {
  it("counts on the lease for the bound less a third: 20 s of 30 s", () => {
    const { lease, at } = clock();
    expect([lease.trustMs, lease.marginMs]).toEqual([20_000, 10_000]);
    at(19_999);
    expect(lease.current()).toBe(true);
    at(20_000);
    expect(lease.current()).toBe(false);
  });

  it("counts a confirmed refresh from before its write, not from when it was confirmed", () => {
    const { lease, at } = clock();
    at(5_000); // the refresh begins (its record says 5 000) ...
    at(24_000); // ... and its write is confirmed 19 s later (a slow fsync, a starved process)
    lease.confirm(5_000);
    expect(lease.age()).toBe(19_000);
    expect(lease.current()).toBe(true);
    at(25_000);
    expect(lease.current()).toBe(false);
  });

  it("a refresh synced past the trusted time may have come after the lease lapsed", () => {
    const { lease } = clock();
    expect(lease.lateAt(19_999)).toBe(false);
    // Begun in time, but its write reached the disk only after a pause: another agent may have
    // judged the lease lapsed before it, so it proves nothing until no claim is seen.
    expect(lease.lateAt(20_000)).toBe(true);
  });

  it("a confirmation never moves the lease back", () => {
    const { lease, at } = clock(10_000);
    lease.confirm(4_000); // a refresh begun before the one confirmed last
    at(29_000);
    expect(lease.current()).toBe(true);
  });

  it("a process frozen past the lease finds it not current at once, before any timer runs", () => {
    const { lease, at } = clock();
    at(50_000); // thawed after 50 s: the first thing asked
    expect(lease.current()).toBe(false);
  });
});

/** Blocks this process's event loop for `ms` (a freeze: no timer, no I/O runs meanwhile). */
function freeze(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

describe("a holder whose process froze past its lease", () => {
  const BOUND = 300;
  let dir: string;
  let n = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "lease-clock-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A held lock of a new folder, and what it said. */
  async function held(): Promise<{
    lock: Awaited<ReturnType<typeof takeStateLock>>;
    file: string;
    folder: string;
    late: string[];
    lost: Error[];
  }> {
    const folder = join(dir, `f${n++}`);
    const file = join(folder, "inbound.lock");
    const late: string[] = [];
    const lost: Error[] = [];
    const lock = await takeStateLock(folder, file, {
      boundMs: BOUND,
      onLate: (m) => late.push(m),
      onLost: (e) => lost.push(e),
    });
    return { lock, file, folder, late, lost };
  }

  it("proves a current lease at once, without a refresh", async () => {
    const { lock, file } = await held();
    const before = await readFile(file, "utf8");
    expect(await lock.proven()).toBe(true);
    expect(await readFile(file, "utf8")).toBe(before); // no write: no I/O on the way
    await lock.release();
  });

  it("starts nothing until it confirmed the lease, says so in one line, then holds again", async () => {
    const { lock, file, late, lost } = await held();
    const record = await readFile(file, "utf8");
    freeze(BOUND * 1.2);
    const proving = lock.proven(); // as a handler about to start asks
    expect(late).toHaveLength(1);
    expect(late[0]).not.toContain("\n");
    expect(late[0]).toMatch(
      /^this agent last confirmed its lease on .* s ago, past the 0\.2 s it counts on \(the 0\.3 s bound less a 0\.1 s margin; the process was paused or starved\): it starts nothing until it has confirmed the lease or given the folder up$/,
    );
    expect(await proving).toBe(true); // refreshed, still its file, no claim: confirmed
    expect(await readFile(file, "utf8")).not.toBe(record);
    expect(await lock.proven()).toBe(true);
    expect(lost).toEqual([]);
    await lock.release();
  });

  it("gives the folder up to an agent claiming it, without touching the lock file", async () => {
    const { lock, file, folder, lost } = await held();
    freeze(BOUND * 1.2);
    // Another agent judged the lease lapsed and claims the folder (state-lock.ts #replace).
    const claimer = newLease("c".repeat(32), thisMachine("claimer-host"), BOUND);
    const claim = `${file}.0123456789abcdef.claim`;
    await writeFile(claim, formatLease(claimer));
    const record = await readFile(file, "utf8");
    expect(await lock.proven()).toBe(false);
    expect(lock.held).toBe(false);
    expect(await readFile(file, "utf8")).toBe(record); // the claimer's take goes through
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ code: "store_in_use" });
    expect(lost[0]!.message).toContain(
      `this agent no longer holds its state folder ${folder}: holder ${"c".repeat(32)} on host "claimer-host"`,
    );
    expect(lost[0]!.message).toContain(`is taking the folder (its claim ${claim})`);
    expect(await lock.proven()).toBe(false);
    await lock.release();
    expect((await readdir(folder)).sort()).toEqual([
      "inbound.lock",
      "inbound.lock.0123456789abcdef.claim",
    ]);
  });
});
