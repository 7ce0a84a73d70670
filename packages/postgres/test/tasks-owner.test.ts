// A push replica killed (kill -9) mid-task: once its lease in the store lapses (visibilityTimeoutMs
// without a renewal), tasks/get on a surviving replica answers `failed`, with a message saying the
// replica running it stopped, instead of `working` until retention. A live replica's long task is
// never failed: its lease keeps being renewed.
import { describe, expect, it } from "vitest";
import { rpc, waitFor } from "@internal/test-utils";
import { usePostgres } from "./setup-db.js";
import { startTask, startTaskReplica, stateOn } from "./tasks-replicas.js";

const pg = usePostgres({ pool: true });
const LEASE_MS = 1_500;

/** When the store says `replica`'s lease runs out (epoch ms), or 0 before its first renewal. */
async function aliveUntil(replica: string): Promise<number> {
  const { rows } = await pg.db.query<{ t: Date }>(
    "SELECT alive_until AS t FROM molecule_replica_leases WHERE replica_id = $1",
    [replica],
  );
  return rows[0]?.t.getTime() ?? 0;
}

describe("tasks of a dead replica", () => {
  it("kill -9 mid-task: tasks/get on the survivor answers failed within the lease time", async () => {
    const env = { VISIBILITY_MS: String(LEASE_MS) };
    const runner = startTaskReplica("runner", pg.dbUrl, env);
    const survivor = startTaskReplica("survivor", pg.dbUrl, env);
    try {
      await Promise.all([runner.ready, survivor.ready]);
      const id = await startTask(runner.url, "hold on");
      await runner.line((l) => l === `started ${id}`);
      // Alive for longer than one lease: renewed, so the task is still working everywhere.
      const first = await waitFor(async () => await aliveUntil("runner"));
      await waitFor(async () => (await aliveUntil("runner")) > first + LEASE_MS / 2, {
        timeoutMs: 30_000,
      });
      expect(await stateOn(survivor.url, id)).toBe("working");

      const lapse = await aliveUntil("runner");
      runner.child.kill("SIGKILL");
      await runner.exited;
      const killedAt = Date.now();
      await waitFor(async () => (await stateOn(survivor.url, id)) === "failed", {
        timeoutMs: 30_000,
        intervalMs: 50,
      });
      // Failed once the lease lapsed, not before, and within one lease time of the kill.
      expect(Date.now()).toBeGreaterThanOrEqual(lapse - 100); // server and test clocks: one host
      expect(Date.now() - killedAt).toBeLessThanOrEqual(LEASE_MS + 1_000);
      const task = (await rpc(survivor.url, "tasks/get", { id })).result as {
        status: {
          state: string;
          message?: { parts: Array<{ text?: string }>; contextId?: string };
        };
        contextId: string;
      };
      expect(task.status.message?.parts[0]?.text).toMatch(/replica running this task stopped/);
      expect(task.status.message?.contextId).toBe(task.contextId);
      expect((await rpc(survivor.url, "tasks/cancel", { id })).error?.code).toBe(-32002);
    } finally {
      for (const r of [runner, survivor]) {
        r.child.kill("SIGTERM");
        await r.exited;
      }
    }
  });
});
