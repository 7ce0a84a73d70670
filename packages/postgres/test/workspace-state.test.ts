// Agents of several workspaces on ONE PostgreSQL store keep their state apart (DESIGN 3b: every
// store keys state by workspace): each agent's reply outbox is its own row, so after a restart each
// resends only its own unsent answers, never another workspace's.
import { describe, expect, it } from "vitest";
import { RemoteAgent, type CursorStore, type PlatformClient } from "@molecule-ai/agent-core";
import type { OutboxRecord } from "@molecule-ai/agent-core/store";
import { waitFor } from "@internal/test-utils";
import { createPostgresStore, type PostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres({ emulator: true, pool: true });

/** The answers the platform logged into `id`'s inbox: who sent each, and what it answers. */
function answersIn(id: string): Array<{ from: string | null; to: string; text: string }> {
  const out: Array<{ from: string | null; to: string; text: string }> = [];
  for (const r of pg.emu.activity(id)) {
    const msg = (r["request_body"] as { params?: { message?: Record<string, unknown> } })?.params
      ?.message;
    const meta = msg?.["metadata"] as Record<string, unknown> | undefined;
    const to = meta?.["molecule_in_reply_to"];
    if (msg?.["role"] !== "agent" || typeof to !== "string") continue;
    const parts = (msg["parts"] as Array<{ text?: string }> | undefined) ?? [];
    const text = parts.map((p) => p.text ?? "").join("");
    out.push({ from: r["source_id"] as string | null, to, text });
  }
  return out;
}

/** A SHA-256 digest as the agent keeps it (hex). */
const digest = (c: string): string => c.repeat(64);

function agentOf(client: PlatformClient, store: PostgresStore, handled: string[]): RemoteAgent {
  return new RemoteAgent({
    client,
    store,
    retryBaseMs: 60_000, // a refused answer waits in the outbox (no retry during the test)
    drainTimeoutMs: 100,
    handler: (m) => {
      handled.push(m.text);
      return `answer of ${client.workspaceId} to ${m.text}`;
    },
  });
}

/** A store on the test's tables as replica `replicaId`. */
const openAs = (replicaId: string, workspaceId?: string): PostgresStore =>
  createPostgresStore({
    connectionString: pg.dbUrl,
    tablePrefix: "wso_",
    replicaId,
    visibilityTimeoutMs: 1_000,
    leaseMs: 1_000,
    ...(workspaceId !== undefined ? { workspaceId } : {}),
  });
/** An unsent answer as the agent saves it. */
const record = (id: string): OutboxRecord => ({
  id,
  text: `answer ${id}`,
  to: { source: "peer_agent", sourceId: "caller" },
  queuedAt: new Date().toISOString(),
});
/** The ids of the answers a state loads. */
const ids = async (s: CursorStore): Promise<string[]> =>
  ((await s.load())?.outbox ?? []).map((r) => r.id);

describe("one PostgreSQL store, agents of two workspaces", () => {
  it("keeps each agent's reply outbox apart: after a restart each resends only its own answers", async () => {
    const a = await pg.workspaceClient("agent-a");
    const b = await pg.workspaceClient("agent-b");
    const callerA = await pg.workspaceClient("caller-of-a");
    const callerB = await pg.workspaceClient("caller-of-b");
    const open = (): PostgresStore =>
      createPostgresStore({ connectionString: pg.dbUrl, tablePrefix: "wss_", replicaId: "r1" });
    const handled: string[] = [];
    const first = open();
    const agents: RemoteAgent[] = [];
    const stores: PostgresStore[] = [first];
    try {
      // The platform refuses every answer to the two callers (503): both stay in the outboxes.
      const faults = [callerA, callerB].map((c) =>
        pg.emu.injectFault({ path: `/workspaces/${c.id}/a2a`, status: 503, count: 10_000 }),
      );
      const agentA = agentOf(a.client, first, handled);
      const agentB = agentOf(b.client, first, handled);
      agents.push(agentA, agentB);
      await agentA.start();
      await agentB.start();
      const toA = await callerA.client.callPeer(a.id, "question for A");
      const toB = await callerB.client.callPeer(b.id, "question for B");
      await waitFor(() => agentA.pendingReplies === 1 && agentB.pendingReplies === 1, {
        timeoutMs: 20_000,
      });
      await agentA.stop();
      await agentB.stop();
      await first.close();
      // One row per (replica, workspace), each holding its own answer.
      const { rows } = await pg.db.query<{ workspace_id: string; n: number }>(
        `SELECT workspace_id, jsonb_array_length(state->'outbox') AS n FROM wss_replica_state
          WHERE replica_id = 'r1' ORDER BY workspace_id`,
      );
      expect(rows).toEqual(
        [
          { workspace_id: a.id, n: 1 },
          { workspace_id: b.id, n: 1 },
        ].toSorted((x, y) => x.workspace_id.localeCompare(y.workspace_id)),
      );
      for (const remove of faults) remove();
      expect(answersIn(callerA.id)).toEqual([]);
      expect(answersIn(callerB.id)).toEqual([]);

      // The restart: new agents on a new store over the same database, same replica id.
      const second = open();
      stores.push(second);
      const againA = agentOf(a.client, second, handled);
      const againB = agentOf(b.client, second, handled);
      agents.push(againA, againB);
      await againA.start();
      await againB.start();
      await waitFor(() => againA.pendingReplies === 0 && againB.pendingReplies === 0, {
        timeoutMs: 20_000,
      });
      await againA.stop();
      await againB.stop();
      // Each caller got its own answer once, from its own agent; nobody else's answer went out.
      expect(answersIn(callerA.id)).toEqual([
        { from: a.id, to: toA.messageId, text: `answer of ${a.id} to question for A` },
      ]);
      expect(answersIn(callerB.id)).toEqual([
        { from: b.id, to: toB.messageId, text: `answer of ${b.id} to question for B` },
      ]);
      expect(handled.toSorted()).toEqual(["question for A", "question for B"]); // ran once each
    } finally {
      for (const agent of agents) await agent.stop();
      for (const s of stores) await s.close();
    }
  });

  it("keeps each workspace's platformPush without the workspaceId option", async () => {
    const store = createPostgresStore({ connectionString: pg.dbUrl, tablePrefix: "wsp_" });
    try {
      await store.stateFor("ws-1").save({ platformPush: { bearer: digest("a"), signs: true } });
      await store.stateFor("ws-2").save({ platformPush: { bearer: digest("b") } });
      expect(store.stateFor("ws-1")).toBe(store.stateFor("ws-1"));
      const other = createPostgresStore({ connectionString: pg.dbUrl, tablePrefix: "wsp_" });
      try {
        expect((await other.stateFor("ws-1").load())?.platformPush).toEqual({
          bearer: digest("a"),
          signs: true,
        });
        expect((await other.stateFor("ws-2").load())?.platformPush).toEqual({
          bearer: digest("b"),
        });
        expect(await other.stateFor("ws-3").load()).toBeUndefined();
        // The unkeyed state (no workspaceId option) is no workspace's.
        expect(await other.state.load()).toBeUndefined();
      } finally {
        await other.close();
      }
    } finally {
      await store.close();
    }
  });

  it("adopts a silent replica's outbox only into the same workspace, and the rows saved before keys by workspace only with the store's workspaceId", async () => {
    const dead = openAs("dead");
    const stores: PostgresStore[] = [dead];
    try {
      await dead.stateFor("ws-1").save({ outbox: [record("of-ws-1")] });
      await dead.stateFor("ws-2").save({ outbox: [record("of-ws-2")] });
      // A row saved before schema version 11 (no workspace), as an agent-core without stateFor does.
      await dead.state.save({ outbox: [record("unkeyed")] });
      await pg.db.query(`UPDATE wso_replica_state SET seen_at = now() - interval '1 hour'`);
      const live = openAs("live");
      stores.push(live);
      expect(await ids(live.stateFor("ws-2"))).toEqual(["of-ws-2"]);
      expect(await ids(live.stateFor("ws-3"))).toEqual([]);
      expect(await ids(live.stateFor("ws-2"))).toEqual(["of-ws-2"]); // now its own row
      // The store declared for ws-1 takes ws-1's rows and the unkeyed one.
      const declared = openAs("declared", "ws-1");
      stores.push(declared);
      expect((await ids(declared.stateFor("ws-1"))).toSorted()).toEqual(["of-ws-1", "unkeyed"]);
      expect(declared.state).toBe(declared.stateFor("ws-1"));
      const { rows } = await pg.db.query<{ replica_id: string; workspace_id: string }>(
        `SELECT replica_id, workspace_id FROM wso_replica_state
          WHERE jsonb_array_length(coalesce(state->'outbox', '[]')) > 0
          ORDER BY replica_id, workspace_id`,
      );
      expect(rows).toEqual([
        { replica_id: "declared", workspace_id: "ws-1" },
        { replica_id: "live", workspace_id: "ws-2" },
      ]);
    } finally {
      for (const s of stores) await s.close();
    }
  });

  it("v11 keys replica_state by workspace; an outbox saved before it goes only to the store's declared workspace", async () => {
    const store = createPostgresStore({ connectionString: pg.dbUrl, tablePrefix: "up11_" });
    const stores: PostgresStore[] = [store];
    try {
      await store.migrate();
      // The schema as version 10 left it, with the outbox of a replica gone silent.
      await pg.db.query(`DELETE FROM up11_schema_migrations WHERE version = 11`);
      await pg.db.query(`ALTER TABLE up11_replica_state DROP CONSTRAINT up11_replica_state_pkey`);
      await pg.db.query(`ALTER TABLE up11_replica_state DROP COLUMN workspace_id`);
      await pg.db.query(`ALTER TABLE up11_replica_state ADD PRIMARY KEY (replica_id)`);
      await pg.db.query(
        `INSERT INTO up11_replica_state (replica_id, state, seen_at)
         VALUES ('old', $1, now() - interval '1 hour')`,
        [JSON.stringify({ outbox: [record("before-v11")] })],
      );
      expect(await store.migrate()).toEqual([11]);
      const open = (replicaId: string, workspaceId?: string): PostgresStore => {
        const s = createPostgresStore({
          connectionString: pg.dbUrl,
          tablePrefix: "up11_",
          replicaId,
          ...(workspaceId !== undefined ? { workspaceId } : {}),
        });
        stores.push(s);
        return s;
      };
      // A store shared by workspaces (no workspaceId) does not know whose it is: nobody takes it.
      expect(await ids(open("shared").stateFor("ws-2"))).toEqual([]);
      expect(await ids(open("declared", "ws-1").stateFor("ws-1"))).toEqual(["before-v11"]);
    } finally {
      for (const s of stores) await s.close();
    }
  });
});
