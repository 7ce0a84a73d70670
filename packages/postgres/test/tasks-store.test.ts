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
      for (let i = 0; i < 50; i++)
        saves.push(store.tasks.save(task("t1", "working", `v${i}`), "ws"));
      saves.push(store.tasks.save(task("t1", "completed", "final"), "ws"));
      await Promise.all(saves);
      const got = await store.tasks.get("t1", "ws");
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
      await a.tasks.save(task("t2", "working"), "ws");
      const r = await b.tasks.cancel("t2", "ws");
      expect(r).toMatchObject({
        status: "canceled",
        task: { id: "t2", status: { state: "canceled" } },
      });
      await a.tasks.save(task("t2", "completed", "too late"), "ws");
      expect((await a.tasks.get("t2", "ws"))?.status.state).toBe("canceled");
      expect(await a.tasks.cancel("t2", "ws")).toMatchObject({ status: "not_cancelable" });
      expect(await a.tasks.cancel("nope", "ws")).toEqual({ status: "not_found" });
      expect(await a.tasks.get("nope", "ws")).toBeUndefined();
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
      await store.tasks.save(task("old", "completed"), "ws");
      await store.tasks.save(task("new", "completed"), "ws");
      await pg.db.query(
        "UPDATE tret_a2a_tasks SET updated_at = now() - interval '2 minutes' WHERE task_id = 'old'",
      );
      expect(await store.cleanup()).toBe(1);
      expect(await store.tasks.get("old", "ws")).toBeUndefined();
      expect((await store.tasks.get("new", "ws"))?.status.state).toBe("completed");
    } finally {
      await store.close();
    }
  });

  it("a task belongs to its workspace: another one cannot read, cancel, overwrite or list it", async () => {
    const store = createPostgresStore({ connectionString: pg.dbUrl, tablePrefix: "tws_" });
    try {
      await store.tasks.save(task("w1", "working", "secret of A"), "A");
      expect(await store.tasks.get("w1", "B")).toBeUndefined();
      expect(await store.tasks.cancel("w1", "B")).toEqual({ status: "not_found" });
      await store.tasks.save(task("w1", "completed", "B's overwrite"), "B");
      const mine = await store.tasks.get("w1", "A");
      expect(mine?.status.state).toBe("working");
      expect(mine?.artifacts?.[0]?.parts[0]).toEqual({ kind: "text", text: "secret of A" });
      expect((await store.tasks.list!("B", { pageSize: 10 })).tasks).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("lists a workspace's tasks most recently changed first, filtered and paged", async () => {
    const store = createPostgresStore({ connectionString: pg.dbUrl, tablePrefix: "tlist_" });
    try {
      for (const id of ["a", "b", "c", "d", "e"]) await store.tasks.save(task(id, "working"), "A");
      await store.tasks.save(task("b", "completed"), "A"); // b changed last
      await store.tasks.save({ ...task("x", "working"), contextId: "other" }, "A");
      await store.tasks.save(task("z", "working"), "B");
      const first = await store.tasks.list!("A", { pageSize: 2, contextId: "ctx" });
      expect(first.tasks.map((t) => t.id)).toEqual(["b", "e"]);
      expect(first.totalSize).toBe(5);
      const second = await store.tasks.list!("A", {
        pageSize: 2,
        contextId: "ctx",
        pageToken: first.nextPageToken,
      });
      expect(second.tasks.map((t) => t.id)).toEqual(["d", "c"]);
      const last = await store.tasks.list!("A", {
        pageSize: 2,
        contextId: "ctx",
        pageToken: second.nextPageToken,
      });
      expect(last.tasks.map((t) => t.id)).toEqual(["a"]);
      expect(last.nextPageToken).toBe("");
      const done = await store.tasks.list!("A", { pageSize: 10, state: "completed" });
      expect(done.tasks.map((t) => t.id)).toEqual(["b"]);
    } finally {
      await store.close();
    }
  });
});
