// One holder per state folder, whatever the pid (issue 92 item 1). Child processes (the built
// package: fixtures/state-lock-child.mjs) take one folder's lock: in two PID namespaces where both
// are pid 1, as two hosts (another host name and boot id, through `unshare --uts --mount`), against
// a lock naming a live unrelated process, and 30 times at the same instant, with and without a
// lapsed lock. Never two holders; the second refuses in one line; a SIGKILLed holder frees the
// folder within the bound. Bounds are short here (BOUND ms); the default is 30 s.
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readLines } from "@internal/test-utils";
import { takeStateLock } from "../src/store/state-lock.js";
import { formatLease, newLease, parseLock, thisMachine } from "../src/store/lease-record.js";

const CHILD = fileURLToPath(new URL("./fixtures/state-lock-child.mjs", import.meta.url));
const BOUND = 800;
const ROUNDS = 30;
const asRoot = process.getuid?.() === 0;
const unshares = (args: string[]): boolean =>
  asRoot && spawnSync("unshare", [...args, "true"], { stdio: "ignore" }).status === 0;
const pidNs = unshares(["--pid", "--fork", "--mount-proc"]);
const utsNs = unshares(["--uts", "--mount"]);

let root: string;
const children = new Set<ChildProcess>();
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "state-lock-"));
});
afterEach(async () => {
  await Promise.all(
    [...children].map(async (c) => {
      children.delete(c);
      if (c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once("exit", r));
      c.kill("SIGKILL");
      await exited;
    }),
  );
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A lock child: its pid and host (as it sees them), what it printed, and its commands. */
interface Child {
  proc: ChildProcess;
  pid: number;
  host: string;
  lines: string[];
  /** Takes `dir`'s lock (at monotonic instant `at`): "held <holder>" or "refused <code> <message>". */
  take(dir: string, at?: number): Promise<string>;
  release(dir: string): Promise<void>;
  /** Resolves with the first line starting with `prefix`. */
  line(prefix: string): Promise<string>;
  /** SIGKILLs its node process and resolves once it is gone. */
  kill(): Promise<void>;
}

/** Runs the child, under `wrap` (e.g. unshare ...) when given. */
async function child(wrap: string[] = [], env: Record<string, string> = {}): Promise<Child> {
  const argv = [...wrap, process.execPath, CHILD];
  const proc = spawn(argv[0]!, argv.slice(1), {
    env: { ...process.env, BOUND_MS: String(BOUND), ...env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.add(proc);
  const out = readLines(proc.stdout!);
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  const ready = await Promise.race([
    out.line((l) => l.startsWith("ready ")),
    exited.then(() => "exited"),
  ]);
  if (ready === "exited") throw new Error(`child exited before ready: ${argv.join(" ")}`);
  const [, pid, host] = ready.split(" ");
  return {
    proc,
    pid: Number(pid),
    host: host!,
    lines: out.lines,
    take: async (dir, at) => {
      const id = ++takes;
      proc.stdin!.write(`take ${id} ${dir}${at === undefined ? "" : ` ${at}`}\n`);
      return (await out.line((l) => l.startsWith(`${id} `))).slice(`${id} `.length);
    },
    release: async (dir) => {
      proc.stdin!.write(`release ${dir}\n`);
      await out.line((l) => l === `released ${dir}`);
    },
    line: (prefix) => out.line((l) => l.startsWith(prefix)),
    kill: async () => {
      // The node process itself: under `unshare --fork` that is unshare's child, and unshare
      // exits once it has ended.
      const forked = await readFile(`/proc/${proc.pid}/task/${proc.pid}/children`, "utf8")
        .then((t) => Number(t.trim().split(" ")[0]))
        .catch(() => 0);
      process.kill(forked || proc.pid!, "SIGKILL");
      await exited;
    },
  };
}

let takes = 0; // each take's id: its answer line starts with it

/** `unshare` arguments: a PID namespace of its own (the child is pid 1 there). */
const ownPidNamespace = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child=SIGKILL"];

/** A shell that makes the child another host: its own host name and boot id (so its own clock). */
async function otherHost(name: string): Promise<string[]> {
  const boot = join(root, `boot-${name}`);
  await writeFile(boot, `${crypto.randomUUID()}\n`);
  const script = `mount --bind ${boot} /proc/sys/kernel/random/boot_id && hostname ${name} && exec "$@"`;
  return ["unshare", "--uts", "--mount", "--propagation", "private", "sh", "-c", script, "sh"];
}

let n = 0;
/** A new state folder. */
async function folder(): Promise<string> {
  const dir = join(root, `f${n++}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

const lockOf = (dir: string): string => join(dir, "inbound.lock");
const holders = (answers: string[]): number => answers.filter((a) => a.startsWith("held ")).length;

/** Checks a refusal: one line, store_in_use, naming the folder, the lock file and when it is free. */
function expectRefusal(answer: string, dir: string): string {
  expect(answer).toMatch(/^refused store_in_use /);
  expect(answer).not.toContain("\n");
  expect(answer).toContain(`keeps its state in ${dir}:`);
  expect(answer).toContain(`the lock ${lockOf(dir)} is held by`);
  expect(answer).toMatch(/It is free when that agent stops, or [0-9.]+ s after its last refresh/);
  return answer;
}

describe.skipIf(!pidNs)("two agents in separate PID namespaces (unshare; needs root)", () => {
  it("both pid 1 on one folder: one holds, the other refuses; SIGKILL frees it within the bound", async () => {
    const [a, b] = await Promise.all([child(ownPidNamespace), child(ownPidNamespace)]);
    expect([a.pid, b.pid]).toEqual([1, 1]); // the same pid: a pid cannot tell them apart
    const dir = await folder();
    expect(await a.take(dir)).toMatch(/^held /);
    const refused = expectRefusal(await b.take(dir), dir);
    expect(refused).toContain("(pid 1 there)");
    await a.kill();
    const killedAt = performance.now();
    const again = await b.take(dir);
    expect(again).toMatch(/^held /); // waits for the lease to lapse, then takes it
    expect(performance.now() - killedAt).toBeLessThan(BOUND * 4);
  });
});

describe.skipIf(!utsNs)(
  "two hosts sharing a folder (another host name and boot id; needs root)",
  () => {
    it("never two holders: each refuses the other's live lease; a dead one's lapses after the bound", async () => {
      const [a, b] = await Promise.all([child(), child(await otherHost("other-host"))]);
      expect(b.host).toBe("other-host");
      const dir = await folder();
      expect(await a.take(dir)).toMatch(/^held /);
      // b cannot compare a's clock with its own: it watches the lease, sees a refresh, refuses.
      expect(expectRefusal(await b.take(dir), dir)).toContain(`on host "${a.host}"`);
      await a.kill();
      const killedAt = performance.now();
      expect(await b.take(dir)).toMatch(/^held /); // unchanged for the bound by b's own clock
      expect(performance.now() - killedAt).toBeGreaterThanOrEqual(BOUND * 0.9);
      // And the other way round: b's live lease is refused here.
      const c = await child();
      expect(expectRefusal(await c.take(dir), dir)).toContain('on host "other-host"');
    });
  },
);

describe("a lock naming a live unrelated process (a reused pid)", () => {
  let sleeper: ChildProcess;
  beforeAll(() => {
    sleeper = spawn("sleep", ["600"], { stdio: "ignore" });
  });
  afterAll(async () => {
    const gone = new Promise((r) => sleeper.once("exit", r));
    sleeper.kill("SIGKILL");
    await gone;
  });

  it("an earlier SDK's pid-only lock is taken once seen unchanged for the bound", async () => {
    const dir = await folder();
    await writeFile(lockOf(dir), `${sleeper.pid}\n`); // what SDK 12ffd145 wrote
    const next = await child();
    const began = performance.now();
    const told: string[] = [];
    const onWait = (m: string): number => told.push(m);
    const lock = await takeStateLock(dir, lockOf(dir), { boundMs: BOUND, onWait });
    expect(performance.now() - began).toBeGreaterThanOrEqual(BOUND * 0.9);
    expect(told).toEqual([expect.stringContaining(`the lock ${lockOf(dir)} is held by process`)]);
    const now = parseLock(await readFile(lockOf(dir), "utf8"));
    expect(now).toMatchObject({ kind: "lease", lease: { holder: lock.holder } });
    // The lease it put up after that wait is fresh: another start right after is refused.
    expectRefusal(await next.take(dir), dir);
    await lock.release();
  });

  it("a lease of this machine whose bound has passed is taken at once, whatever its pid", async () => {
    const dir = await folder();
    const machine = thisMachine();
    const old = { ...newLease("f".repeat(32), machine, BOUND), pid: sleeper.pid! };
    await writeFile(lockOf(dir), formatLease({ ...old, mono: machine.now() - BOUND * 2 }));
    const began = performance.now();
    const lock = await takeStateLock(dir, lockOf(dir), { boundMs: BOUND });
    expect(performance.now() - began).toBeLessThan(BOUND / 2);
    await lock.release();
  });

  it("a live lease naming that pid is refused in one line that names the file", async () => {
    const dir = await folder();
    const holder = await child();
    expect(await holder.take(dir)).toMatch(/^held /);
    const err = await takeStateLock(dir, lockOf(dir), { boundMs: BOUND }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "store_in_use", retryable: false });
    expectRefusal(`refused store_in_use ${(err as Error).message}`, dir);
  });
});

/**
 * 30 folders, each taken by 3 children at one monotonic instant (the 30 races run together):
 * the number of holders of each folder.
 */
async function race(prepare: (dir: string) => Promise<void>): Promise<number[]> {
  const racers = await Promise.all([child(), child(), child()]);
  const dirs = await Promise.all(Array.from({ length: ROUNDS }, async () => await folder()));
  await Promise.all(dirs.map(prepare));
  const at = Number(process.hrtime.bigint() / 1000n) / 1000 + 50;
  const answers = await Promise.all(
    dirs.map(async (dir) => await Promise.all(racers.map(async (r) => await r.take(dir, at)))),
  );
  expect(answers.flat().filter((a) => !/^(held|refused store_in_use) /.test(a))).toEqual([]);
  return answers.map(holders);
}

describe("30 races of 3 processes starting at the same instant", () => {
  it("on new folders: one holder each time", async () => {
    const counts = await race(async () => {});
    expect(counts).toEqual(Array(ROUNDS).fill(1));
  });

  it("over an earlier SDK's lock of a dead process: one holder each time", async () => {
    const dead = spawnSync("true").pid!; // ended: the previous SDK's own stale case
    const counts = await race(async (dir) => await writeFile(lockOf(dir), `${dead}\n`));
    expect(counts).toEqual(Array(ROUNDS).fill(1));
  });

  it("over a lapsed lease of this machine: one holder each time", async () => {
    const machine = thisMachine();
    const counts = await race(async (dir) => {
      const lapsed = { ...newLease(crypto.randomUUID().replaceAll("-", ""), machine, BOUND) };
      await writeFile(lockOf(dir), formatLease({ ...lapsed, mono: machine.now() - BOUND * 2 }));
    });
    expect(counts).toEqual(Array(ROUNDS).fill(1));
  });

  it("over a dead lease of another host (watched for the bound by each): one holder each time", async () => {
    const machine = { ...thisMachine("gone-host"), boot: crypto.randomUUID() };
    const began = performance.now();
    const counts = await race(async (dir) => {
      const dead = newLease(crypto.randomUUID().replaceAll("-", ""), machine, BOUND);
      await writeFile(lockOf(dir), formatLease(dead));
    });
    expect(counts).toEqual(Array(ROUNDS).fill(1));
    expect(performance.now() - began).toBeGreaterThanOrEqual(BOUND * 0.9);
  });
});

describe("wall clocks decide nothing", () => {
  it("a lease refreshed just now by the monotonic clock holds, whatever wall time it names", async () => {
    const dir = await folder();
    const machine = thisMachine();
    // Its holder's wall clock was an hour behind (or this one stepped an hour ahead): still fresh.
    const lease = { ...newLease("c".repeat(32), machine, BOUND), at: "1970-01-01T00:00:00.000Z" };
    await writeFile(lockOf(dir), formatLease(lease));
    const began = performance.now();
    const lock = await takeStateLock(dir, lockOf(dir), { boundMs: BOUND });
    expect(performance.now() - began).toBeGreaterThanOrEqual(BOUND * 0.9); // lapsed by the bound
    await lock.release();
    // And one the monotonic clock says lapsed is taken at once, though its wall time is ahead.
    const future = { ...lease, mono: machine.now() - BOUND * 2, at: "2999-01-01T00:00:00.000Z" };
    await writeFile(lockOf(dir), formatLease(future));
    const again = performance.now();
    const next = await takeStateLock(dir, lockOf(dir), { boundMs: BOUND });
    expect(performance.now() - again).toBeLessThan(BOUND / 2);
    await next.release();
  });
});

describe("a taker that died while replacing a lapsed lock", () => {
  it("leaves a claim that lapses too: the next taker claims after it and takes the folder", async () => {
    const dir = await folder();
    const machine = thisMachine();
    const lapsed = (holder: string) => ({
      ...newLease(holder, machine, BOUND),
      mono: machine.now() - BOUND * 2,
    });
    await writeFile(lockOf(dir), formatLease(lapsed("a".repeat(32))));
    // The claim a taker makes before its rename, named by the lapsed content (its inode and text).
    const text = await readFile(lockOf(dir), "utf8");
    const tag = createHash("sha256")
      .update(`${(await stat(lockOf(dir))).ino}:${text}`)
      .digest("hex")
      .slice(0, 16);
    await writeFile(`${lockOf(dir)}.${tag}.claim`, formatLease(lapsed("b".repeat(32))));
    const lock = await takeStateLock(dir, lockOf(dir), { boundMs: BOUND });
    expect(parseLock(await readFile(lockOf(dir), "utf8"))).toMatchObject({
      lease: { holder: lock.holder },
    });
    expect((await readdir(dir)).sort()).toEqual(["inbound.lock"]); // claims removed once replaced
    await lock.release();
  });
});

describe("a holder whose lock is replaced", () => {
  it("learns it at its next refresh (lost), and its release leaves the new holder's file", async () => {
    const dir = await folder();
    const holder = await child();
    expect(await holder.take(dir)).toMatch(/^held /);
    // Another agent's lease put in its place, as a taker replaces a lapsed one (rename over it).
    const other = newLease("0".repeat(32), thisMachine(), BOUND);
    await writeFile(`${lockOf(dir)}.tmp`, formatLease(other));
    await rename(`${lockOf(dir)}.tmp`, lockOf(dir));
    const lost = await holder.line(`lost ${dir} `);
    expect(lost).toContain(`this agent no longer holds its state folder ${dir}`);
    await holder.release(dir);
    const left = parseLock(await readFile(lockOf(dir), "utf8"));
    expect(left).toMatchObject({ kind: "lease", lease: { holder: other.holder } });
  });
});
