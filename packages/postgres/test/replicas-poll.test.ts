// N replicas of one poll agent on one workspace, each a separate process sharing one PostgreSQL
// store: every message handled exactly once; kill -9 of a replica mid-run loses nothing and
// redelivers (flagged) only what it held; a dead leader is replaced within the lease time.
// (A hung leader, dead letters and backfill "none": lease-fencing, dead-letters and
// backfill-none tests.)
import { describe, expect, it } from "vitest";
import { waitFor } from "@internal/test-utils";
import { usePostgres } from "./setup-db.js";
import { type Replica, readLogs, sendMessages } from "./replicas.js";

const pg = usePostgres({ emulator: true, pool: true, replicas: true });

const replicas = async (n: number, env: Record<string, string>) => await pg.set.start(n, env);
const stopAll = async (list: Replica[]): Promise<void> => await pg.set.stop(list);

describe("poll replicas on PostgreSQL", () => {
  it("3 replica processes, 1,000 messages: each handled exactly once, by all three", async () => {
    const { ws, env } = await pg.replicaWorkspace("replicated", {
      HANDLER_MS: "5",
    });
    const backlog = await sendMessages(pg.emu, ws.id, 500); // queued before any replica starts
    const { list, logs } = await replicas(3, env);
    const live = await sendMessages(pg.emu, ws.id, 500); // and while they run
    const ids = [...backlog, ...live];
    await waitFor(async () => (await readLogs(logs)).done.size === ids.length, {
      timeoutMs: 120_000,
      intervalMs: 100,
    });
    await stopAll(list);
    expect(list.map((r) => r.child.exitCode)).toEqual([0, 0, 0]);
    const log = await readLogs(logs);
    expect([...log.done.keys()].sort()).toEqual([...ids].sort());
    expect(Math.max(...log.done.values())).toBe(1);
    expect(Math.max(...[...log.starts.values()].map((s) => s.length))).toBe(1); // no rerun at all
    const perReplica = await Promise.all(logs.map(async (p) => (await readLogs([p])).done.size));
    for (const count of perReplica) expect(count).toBeGreaterThan(0); // the work was shared
    expect(list.filter((r) => r.isLeader())).toHaveLength(1); // one replica read the platform
  });

  it("kill -9 of one replica mid-run: 0 lost, redeliveries flagged and bounded by its claims", async () => {
    const { ws, env } = await pg.replicaWorkspace("killed", {
      HANDLER_MS: "20",
      CONCURRENCY: "4",
      VISIBILITY_MS: "1500",
      LEASE_MS: "3000",
    });
    const ids = await sendMessages(pg.emu, ws.id, 600);
    const { list, logs } = await replicas(3, env);
    const victim = list[1]!;
    // Killed where it holds claims: stopped (SIGSTOP), its log is exact, and a message it started
    // and has not finished is a claim only it holds (released only after it settles), which must
    // come back flagged. (Killed at any moment, it could have held none on a busy machine.)
    await waitFor(
      async () => {
        victim.child.kill("SIGSTOP");
        const mine = await readLogs([logs[1]!]);
        const holding = [...mine.starts.keys()].some((id) => !mine.done.has(id));
        if (mine.done.size >= 30 && holding) return true;
        victim.child.kill("SIGCONT");
        return false;
      },
      { timeoutMs: 60_000, intervalMs: 10 },
    );
    victim.child.kill("SIGKILL");
    await victim.exited;
    const atKill = await readLogs(logs);
    expect(atKill.done.size).toBeLessThan(ids.length); // killed mid-run
    await waitFor(async () => (await readLogs(logs)).done.size === ids.length, {
      timeoutMs: 120_000,
      intervalMs: 100,
    });
    await stopAll(list);
    const log = await readLogs(logs);
    expect([...log.done.keys()].sort()).toEqual([...ids].sort()); // 0 lost
    const rerun = [...log.starts].filter(([, s]) => s.length > 1);
    // Only what the killed replica held (its 4 claims) may run again, once, flagged.
    expect(rerun.length).toBeLessThanOrEqual(4);
    for (const [, flags] of rerun) expect(flags.slice(1)).toEqual(flags.slice(1).map(() => 1));
    for (const [, flags] of log.starts) expect(flags.length).toBeLessThanOrEqual(2);
    expect(Math.max(...log.done.values())).toBeLessThanOrEqual(2);
    const flagged = [...log.starts.values()].filter((f) => f.includes(1)).length;
    expect(flagged).toBeGreaterThan(0); // the killed replica's claims came back flagged
    expect(flagged).toBeLessThanOrEqual(4);
  });

  it("a killed leader is replaced within the lease time and delivery goes on", async () => {
    // The store's bound: its lease lapses at most 2/3 of leaseMs after the leader's last renewal
    // (leaseTimings), the rest of leaseMs absorbs a loaded machine's scheduling delays.
    const leaseMs = 4_000;
    const { ws, env } = await pg.replicaWorkspace("failover", {
      HANDLER_MS: "1",
      LEASE_MS: String(leaseMs),
      VISIBILITY_MS: "1500",
    });
    const { list, logs } = await replicas(2, env);
    const first = await Promise.race(list.map(async (r) => (await r.leaderAt, r)));
    const other = list.find((r) => r !== first)!;
    const before = await sendMessages(pg.emu, ws.id, 20);
    await waitFor(async () => (await readLogs(logs)).done.size === 20, { timeoutMs: 30_000 });
    // Settled in the table too: the kill below hits no message (else it is redelivered, flagged).
    await waitFor(
      async () =>
        (
          await pg.db.query(
            "SELECT 1 FROM molecule_work WHERE workspace_id = $1 AND state = 'done'",
            [ws.id],
          )
        ).rowCount === 20,
      { timeoutMs: 30_000 },
    );
    expect(other.isLeader()).toBe(false);
    const killedAt = Date.now();
    first.child.kill("SIGKILL");
    await first.exited;
    const takenAt = await other.leaderAt; // the event: the survivor logged "poll leadership taken"
    expect(takenAt).toBeGreaterThanOrEqual(killedAt);
    expect(takenAt - killedAt).toBeLessThanOrEqual(leaseMs);
    const after = await sendMessages(pg.emu, ws.id, 20);
    await waitFor(async () => (await readLogs(logs)).done.size === 40, { timeoutMs: 30_000 });
    await stopAll([other]);
    const log = await readLogs(logs);
    expect([...log.done.keys()].sort()).toEqual([...before, ...after].sort());
    expect(Math.max(...log.done.values())).toBe(1);
  });
});
