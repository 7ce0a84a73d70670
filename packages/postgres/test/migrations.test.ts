// Migrations against a real PostgreSQL: concurrent starts, idempotence, table prefix, retention.
import { Pool } from "pg";
import { describe, expect, it } from "vitest";
import { SCHEMA_VERSION, createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres({ pool: true });

async function tables(prefix: string): Promise<string[]> {
  const { rows } = await pg.db.query<{ t: string }>(
    "SELECT tablename AS t FROM pg_tables WHERE tablename LIKE $1 ORDER BY 1",
    [`${prefix}%`],
  );
  return rows.map((r) => r.t);
}

describe("migrations", () => {
  it("five replicas starting at once apply each version exactly once", async () => {
    const stores = Array.from({ length: 5 }, () =>
      createPostgresStore({ connectionString: pg.dbUrl, tablePrefix: "race_" }),
    );
    try {
      const applied = await Promise.all(stores.map(async (s) => await s.migrate()));
      const all = Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1);
      expect(applied.flat()).toEqual(all); // one store applied them, the rest nothing
      expect(await stores[0]!.migrate()).toEqual([]); // idempotent
      const { rows } = await pg.db.query("SELECT version FROM race_schema_migrations");
      expect(rows.map((r) => r.version).sort((a, b) => a - b)).toEqual(all);
      expect(await tables("race_")).toEqual([
        "race_a2a_push_configs",
        "race_a2a_tasks",
        "race_approvals",
        "race_cursors",
        "race_platform_push",
        "race_poll_leases",
        "race_push_claims",
        "race_replica_leases",
        "race_replica_state",
        "race_schema_migrations",
        "race_tool_calls",
        "race_work",
      ]);
    } finally {
      await Promise.all(stores.map(async (s) => await s.close()));
    }
  });

  it("v7 keys queued messages by sender and messageId, and gives rows queued before their sender", async () => {
    const store = createPostgresStore({ connectionString: pg.dbUrl, tablePrefix: "up_" });
    try {
      await store.migrate();
      // The schema as version 6 left it, with two messages queued.
      await pg.db.query(`DELETE FROM up_schema_migrations WHERE version = 7`);
      await pg.db.query(`DROP INDEX up_work_message`);
      await pg.db.query(`ALTER TABLE up_work DROP COLUMN sender`);
      await pg.db.query(
        `CREATE UNIQUE INDEX up_work_message ON up_work (workspace_id, message_id)
           WHERE message_id IS NOT NULL`,
      );
      const insert = `INSERT INTO up_work (workspace_id, activity_id, message_id, body)
                      VALUES ('w', $1, $2, $3)`;
      await pg.db.query(insert, ["a1", "m-1", { id: "a1", source_id: "ws-x" }]);
      await pg.db.query(insert, ["a2", "m-2", { id: "a2", source_id: null }]);
      expect(await store.migrate()).toEqual([7]);
      const { rows } = await pg.db.query(`SELECT activity_id, sender FROM up_work ORDER BY 1`);
      expect(rows).toEqual([
        { activity_id: "a1", sender: "ws-x" },
        { activity_id: "a2", sender: "" },
      ]);
      const again = `INSERT INTO up_work (workspace_id, activity_id, sender, message_id, body)
                     VALUES ('w', $1, $2, 'm-1', '{}') ON CONFLICT DO NOTHING`;
      expect((await pg.db.query(again, ["a3", "ws-y"])).rowCount).toBe(1); // another sender's
      expect((await pg.db.query(again, ["a4", "ws-x"])).rowCount).toBe(0); // X's resend
    } finally {
      await store.close();
    }
  });

  it("v8 claims a pushed message by messageId and content; claims made before match no new one", async () => {
    const store = createPostgresStore({ connectionString: pg.dbUrl, tablePrefix: "up8_" });
    try {
      await store.migrate();
      // The schema as version 7 left it, with a settled claim.
      await pg.db.query(`DELETE FROM up8_schema_migrations WHERE version = 8`);
      await pg.db.query(`ALTER TABLE up8_push_claims DROP CONSTRAINT up8_push_claims_pkey`);
      await pg.db.query(`ALTER TABLE up8_push_claims DROP COLUMN content`);
      await pg.db.query(`ALTER TABLE up8_push_claims ADD PRIMARY KEY (workspace_id, message_id)`);
      await pg.db.query(
        `INSERT INTO up8_push_claims (workspace_id, message_id, state, reply, settled_at)
         VALUES ('w', 'm-1', 'done', 'old answer', now())`,
      );
      expect(await store.migrate()).toEqual([8]);
      const { rows } = await pg.db.query(`SELECT message_id, content, reply FROM up8_push_claims`);
      expect(rows).toEqual([{ message_id: "m-1", content: "", reply: "old answer" }]);
      // A message claimed now has a fingerprint: the old settled answer is not served to it.
      const claimed = await store.shared.claimPush!("w", "m-1", { content: "c1" });
      expect(claimed.status).toBe("claimed");
      if (claimed.status === "claimed") await claimed.claim.settle("new answer");
      expect(await store.shared.claimPush!("w", "m-1", { content: "c2" })).toMatchObject({
        status: "claimed",
      });
      expect(await store.shared.claimPush!("w", "m-1", { content: "c1" })).toEqual({
        status: "settled",
        reply: "new answer",
      });
    } finally {
      await store.close();
    }
  });

  it("keeps two prefixes apart in one database", async () => {
    const a = createPostgresStore({ connectionString: pg.dbUrl, tablePrefix: "app_a_" });
    const b = createPostgresStore({ connectionString: pg.dbUrl, tablePrefix: "app_b_" });
    try {
      await a.migrate();
      await b.migrate();
      expect(await tables("app_a_")).toHaveLength(12);
      expect(await tables("app_b_")).toHaveLength(12);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("rejects a prefix that is not a plain identifier, with a typed error", () => {
    expect(() =>
      createPostgresStore({ connectionString: pg.dbUrl, tablePrefix: 'x"; DROP TABLE y; --' }),
    ).toThrow(expect.objectContaining({ code: "invalid_option", retryable: false }));
    for (const maxDeliveries of [0, 1.5, -1]) {
      expect(() => createPostgresStore({ connectionString: pg.dbUrl, maxDeliveries })).toThrow(
        expect.objectContaining({ code: "invalid_option", option: "maxDeliveries" }),
      );
    }
    expect(() => createPostgresStore({} as never)).toThrow(
      expect.objectContaining({ code: "invalid_option" }),
    );
  });

  it("rejects a pool of one connection (LISTEN would take it and leave none for queries)", async () => {
    for (const maxConnections of [1, 0, 2.5]) {
      expect(() => createPostgresStore({ connectionString: pg.dbUrl, maxConnections })).toThrow(
        expect.objectContaining({ code: "invalid_option", option: "maxConnections" }),
      );
    }
    const one = new Pool({ connectionString: pg.dbUrl, max: 1 });
    try {
      expect(() => createPostgresStore({ pool: one })).toThrow(
        expect.objectContaining({
          code: "invalid_option",
          option: "pool",
          message: expect.stringMatching(/at least 2/),
        }),
      );
    } finally {
      await one.end();
    }
    await createPostgresStore({ connectionString: pg.dbUrl, maxConnections: 2 }).close();
  });

  it("cleanup deletes settled rows older than the retention window, and only those", async () => {
    const store = createPostgresStore({
      connectionString: pg.dbUrl,
      tablePrefix: "ret_",
      retentionMs: 60_000,
    });
    try {
      await store.migrate();
      await pg.db.query(
        `INSERT INTO ret_work (workspace_id, activity_id, body, state, settled_at) VALUES
          ('w', 'old', '{}', 'done', now() - interval '2 minutes'),
          ('w', 'new', '{}', 'done', now()),
          ('w', 'open', '{}', 'pending', NULL)`,
      );
      await pg.db.query(
        `INSERT INTO ret_work (workspace_id, activity_id, body, state, dead_at, error)
         VALUES ('w', 'dead', '{}', 'dead', now() - interval '2 minutes', 'delivery_limit')`,
      );
      expect(await store.cleanup()).toBe(1);
      const { rows } = await pg.db.query("SELECT activity_id FROM ret_work ORDER BY 1");
      expect(rows.map((r) => r.activity_id)).toEqual(["dead", "new", "open"]); // dead letters stay
    } finally {
      await store.close();
    }
  });

  it("a store that cannot reach the database fails with a retryable typed error", async () => {
    const store = createPostgresStore({ connectionString: "postgres://u:p@127.0.0.1:1/none" });
    try {
      await expect(store.state.load()).rejects.toMatchObject({
        code: "store_unavailable",
        retryable: true,
      });
    } finally {
      await store.close();
    }
  });
});
