// The PostgreSQL task store itself: saves of one task apply in call order, a terminal task is never
// replaced (a cancel wins over a late result), cancel answers, the table prefix, and retention.
import { describe, expect, it } from "vitest";
import type { A2ATask } from "@molecule-ai/agent-core/a2a";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres({ pool: true });

function task(id: string, state: A2ATask["status"]["state"], text?: string): A2ATask {
  const t: A2ATask = { kind: "task", id, contextId: "ctx", status: { state } };
  if (text !== undefined) t.artifacts = [{ artifactId: "a", parts: [{ kind: "text", text }] }];
  return t;
}

describe("PostgresStore.tasks", () => {
  it("applies saves of one task in call order, without waiting for each", async () => {
    const store = createPostgresStore({ connectionString: pg.dbUrl, tablePrefix: "order_" });
    try {
      const saves = [];
      for (let i = 0; i < 50; i++) saves.push(store.tasks.save(task("t1", "working", `v${i}`)));
      saves.push(store.tasks.save(task("t1", "completed", "final")));
      await Promise.all(saves);
      const got = await store.tasks.get("t1");
      expect(got?.status.state).toBe("completed");
      expect(got?.artifacts?.[0]?.parts[0]).toEqual({ kind: "text", text: "final" });
      const { rows } = await pg.db.query("SELECT task_id FROM order_a2a_tasks");
      expect(rows).toEqual([{ task_id: "t1" }]); // the table carries the prefix
    } finally {
      await store.close();
    }
  });

  it("a cancel through one store wins over a result another store writes later", async () => {
    const a = createPostgresStore({ connectionString: pg.dbUrl });
    const b = createPostgresStore({ connectionString: pg.dbUrl });
    try {
      await a.tasks.save(task("t2", "working"));
      const r = await b.tasks.cancel("t2");
      expect(r).toMatchObject({
        status: "canceled",
        task: { id: "t2", status: { state: "canceled" } },
      });
      await a.tasks.save(task("t2", "completed", "too late"));
      expect((await a.tasks.get("t2"))?.status.state).toBe("canceled");
      expect(await a.tasks.cancel("t2")).toMatchObject({ status: "not_cancelable" });
      expect(await a.tasks.cancel("nope")).toEqual({ status: "not_found" });
      expect(await a.tasks.get("nope")).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("cleanup deletes tasks not updated within the retention window", async () => {
    const store = createPostgresStore({
      connectionString: pg.dbUrl,
      tablePrefix: "tret_",
      retentionMs: 60_000,
    });
    try {
      await store.tasks.save(task("old", "completed"));
      await store.tasks.save(task("new", "completed"));
      await pg.db.query(
        "UPDATE tret_a2a_tasks SET updated_at = now() - interval '2 minutes' WHERE task_id = 'old'",
      );
      expect(await store.cleanup()).toBe(1);
      expect(await store.tasks.get("old")).toBeUndefined();
      expect((await store.tasks.get("new"))?.status.state).toBe("completed");
    } finally {
      await store.close();
    }
  });
});
