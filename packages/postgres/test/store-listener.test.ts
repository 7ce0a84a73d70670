// The store's one LISTEN connection: subscribers by channel and payload share one session, a lost
// session is reported to every subscriber and replaced (with `missed` once listening again), and
// the last subscriber's close (or the store's close) ends the session.
import { Pool } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@internal/test-utils";
import { StoreListener } from "../src/store-listener.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres({ pool: true });
const APP = "molecule_listener_test";
let pool: Pool;

beforeAll(() => {
  const url = new URL(pg.dbUrl);
  url.searchParams.set("application_name", APP);
  pool = new Pool({ connectionString: url.toString(), max: 3 });
  pool.on("error", () => undefined);
});
afterAll(async () => await pool.end());

/** The pids of the listener's LISTEN sessions. */
async function listening(): Promise<number[]> {
  const { rows } = await pg.db.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = $1 AND query LIKE 'LISTEN %'`,
    [APP],
  );
  return rows.map((r) => r.pid);
}

const notify = async (channel: string, payload: string): Promise<void> =>
  void (await pg.db.query("SELECT pg_notify($1, $2)", [channel, payload]));

describe("StoreListener", () => {
  it("one session for every subscriber; payload filters; lost, reconnected, missed; closed with the last", async () => {
    const listener = new StoreListener({
      pool,
      channels: ["t_work", "t_other"],
      ready: async () => undefined,
    });
    const got: string[] = [];
    const events: string[] = [];
    const errors: unknown[] = [];
    const sub = (name: string): Parameters<StoreListener["subscribe"]>[1] => ({
      notify: (p) => got.push(`${name}:${p}`),
      lost: (err) => {
        events.push(`lost ${name}`);
        errors.push(err);
      },
      missed: () => void events.push(`missed ${name}`),
    });
    const a = listener.subscribe("t_work", sub("a"), "ws-a");
    const b = listener.subscribe("t_work", sub("b"), "ws-b");
    const all = listener.subscribe("t_other", sub("all"));
    await Promise.all([a.ready, b.ready, all.ready]);
    const [first] = await listening();
    expect(await listening()).toEqual([first]);

    await notify("t_work", "ws-b");
    await notify("t_work", "ws-c"); // nobody's workspace
    await notify("t_other", ""); // no id: nothing to tell
    await notify("t_other", "x");
    await waitFor(() => got.length === 2);
    await notify("t_work", "ws-a");
    await waitFor(() => got.length === 3);
    expect(got).toEqual(["b:ws-b", "all:x", "a:ws-a"]);

    await pg.db.query("SELECT pg_terminate_backend($1)", [first]);
    await waitFor(() => events.filter((e) => e.startsWith("missed")).length === 3, {
      timeoutMs: 30_000,
    });
    expect(events.slice(0, 3).sort()).toEqual(["lost a", "lost all", "lost b"]);
    // Why it was lost reaches the subscribers (the poll logs it).
    expect(errors).toHaveLength(3);
    for (const err of errors) expect((err as Error).message).toMatch(/terminat/i);
    const [second] = await waitFor(async () => {
      const pids = await listening();
      return pids.length === 1 && pids[0] !== first ? pids : undefined;
    });
    await notify("t_work", "ws-a"); // delivered on the new session
    await waitFor(() => got.length === 4);
    expect(got[3]).toBe("a:ws-a");

    await a.close();
    await all.close();
    expect(await listening()).toEqual([second]); // b still subscribed
    await b.close();
    await waitFor(async () => (await listening()).length === 0);
    await expect(b.ready).rejects.toThrow(/closed/);

    const again = listener.subscribe("t_work", sub("c"), "ws-c"); // opens a new session
    await again.ready;
    expect(await listening()).toHaveLength(1);
    await listener.close(); // the store's close ends it, subscribers or not
    await waitFor(async () => (await listening()).length === 0);
    await again.close();
    expect(pool.totalCount).toBe(0);
  });

  it("a subscription waiting to listen when the store closes is told so, and opens no session", async () => {
    let migrated!: () => void;
    const listener = new StoreListener({
      pool,
      channels: ["t_work"],
      ready: async () => await new Promise<void>((r) => (migrated = r)), // still migrating
    });
    const sub = listener.subscribe("t_work", { notify: () => undefined }, "ws-a");
    const ready = sub.ready; // read before the close, as a starting poll does
    const closed = listener.close();
    migrated();
    await closed;
    await expect(ready).rejects.toThrow(/closed/);
    expect(pool.totalCount).toBe(0); // no connection was opened for a closed store
    expect(await listening()).toEqual([]);
  });
});
