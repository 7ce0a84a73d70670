// A failing write to the PostgreSQL store surfaces, never swallowed: a replica whose reply outbox
// cannot be saved (a trigger refuses the writes: a deterministic fault inside the real database)
// emits `storeUnwritable` with a typed PostgresStoreError, holds the answer until the save works,
// then emits `storeWritable` and delivers it.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { RemoteAgent } from "@molecule-ai/agent-core";
import type { AgentEvent } from "@molecule-ai/agent-core";
import { waitFor } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres({ emulator: true, pool: true });

describe("a store that cannot write", () => {
  it("the outbox save fails: storeUnwritable (typed), then storeWritable and the answer is sent", async () => {
    const ws = await pg.workspaceClient("pg-unwritable");
    const sender = await pg.workspaceClient("pg-sender");
    const peer = sender.client;
    const store = createPostgresStore({ connectionString: pg.dbUrl });
    const events: AgentEvent[] = [];
    const agent = new RemoteAgent({
      client: ws.client,
      store,
      logger: {},
      pollIntervalMs: 20,
      handler: (msg) => `answer to ${msg.messageId}`,
      onEvent: (e) => {
        if (e.type === "storeUnwritable" || e.type === "storeWritable") events.push(e);
      },
    });
    try {
      await agent.start();
      await pg.db.query(`
        CREATE FUNCTION refuse_write() RETURNS trigger LANGUAGE plpgsql AS
          $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$;
        CREATE TRIGGER refuse_write BEFORE INSERT OR UPDATE ON molecule_replica_state
          FOR EACH ROW EXECUTE FUNCTION refuse_write();`);

      const id = randomUUID();
      await peer.callPeer(ws.id, "question", { messageId: id });
      await waitFor(() => events.length > 0, { timeoutMs: 30_000 });
      const down = events[0]!;
      expect(down.type).toBe("storeUnwritable");
      const error = (down as Extract<AgentEvent, { type: "storeUnwritable" }>).error;
      expect(error).toMatchObject({ name: "PostgresStoreError", code: "store_unavailable" });
      expect(String((error as Error).message)).toMatch(/No space left on device/);
      expect(agent.pendingReplies).toBe(1); // held, not dropped

      await pg.db.query("DROP TRIGGER refuse_write ON molecule_replica_state");
      expect(await agent.flushReplies(10_000)).toBe(true);
      expect(events.map((e) => e.type)).toEqual(["storeUnwritable", "storeWritable"]);
      const answered = pg.emu
        .activity(sender.id)
        .some((r) => JSON.stringify(r["request_body"] ?? "").includes(`answer to ${id}`));
      expect(answered).toBe(true);
    } finally {
      await agent.stop();
      await store.close();
    }
  });
});
