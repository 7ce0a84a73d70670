// A fleet: one process runs a poll agent per workspace, all on ONE store with the default pool
// (10 connections). Every agent starts and handles its workspace's messages, and the store holds
// one LISTEN connection for all of them (not one per agent), none once it is closed.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { waitFor } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";
import { sendMessages } from "./replicas.js";

const pg = usePostgres({ emulator: true, pool: true });

const APP = "molecule_fleet_test";

/** The pids of the store's sessions on the test database (all of them, or only its LISTEN ones). */
async function sessions(listenOnly = false): Promise<number[]> {
  const { rows } = await pg.db.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = $1
        AND ($2::boolean IS FALSE OR query LIKE 'LISTEN %')`,
    [APP, listenOnly],
  );
  return rows.map((r) => r.pid);
}

describe("a fleet of agents on one store", () => {
  it("12 workspaces, 12 agents started with one Promise.all, default pool: all start and handle", async () => {
    const n = 12;
    const url = new URL(pg.dbUrl);
    url.searchParams.set("application_name", APP);
    const store = createPostgresStore({ connectionString: url.toString() }); // maxConnections 10
    const handled = new Map<string, string>(); // messageId -> workspace id
    const agents = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const ws = await pg.emu.admin.createWorkspace({ name: `fleet-${i}`, deliveryMode: "poll" });
        const client = new PlatformClient({
          platformUrl: pg.emu.url,
          workspaceId: ws.id,
          token: ws.token!,
        });
        const agent = new RemoteAgent({
          client,
          store,
          pollIntervalMs: 200,
          handler: (msg) => void handled.set(msg.messageId!, ws.id),
        });
        return { ws, client, agent };
      }),
    );
    let started = 0;
    const starting = Promise.all(
      agents.map(async ({ agent }) => {
        await agent.start();
        started++;
      }),
    );
    try {
      // Bounded: with one pool connection held per agent, the 11th start waits forever.
      await waitFor(() => started === n, { timeoutMs: 30_000, intervalMs: 20 });
      await starting;
      const sent = new Map<string, string>();
      const sendEach = async (): Promise<void> => {
        await Promise.all(
          agents.map(async ({ ws }) => {
            for (const id of await sendMessages(pg.emu, ws.id, 2)) sent.set(id, ws.id);
          }),
        );
        await waitFor(() => handled.size === sent.size, { timeoutMs: 30_000, intervalMs: 20 });
      };
      await sendEach();
      expect(handled).toEqual(sent); // each message by its own workspace's agent
      const listen = await sessions(true);
      expect(listen).toHaveLength(1); // one LISTEN session serves every agent

      // The LISTEN session dies: the store opens another one and every agent goes on.
      await pg.db.query("SELECT pg_terminate_backend($1)", [listen[0]]);
      await waitFor(async () => {
        const now = await sessions(true);
        return now.length === 1 && now[0] !== listen[0];
      });
      await sendEach();
      expect(handled).toEqual(sent);
    } finally {
      await Promise.all(agents.map(async ({ agent }) => await agent.stop()));
      for (const { client } of agents) await client.close();
    }
    // The last agent's stop ends the LISTEN session; the store's close every other one.
    await waitFor(async () => (await sessions(true)).length === 0);
    await store.close();
    await waitFor(async () => (await sessions()).length === 0, { timeoutMs: 30_000 });
  });
  it("agents stopped on a long-lived store are let go (each restart's poll is not kept)", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const store = createPostgresStore({ connectionString: pg.dbUrl, tablePrefix: "let_go_" });
    const ws = await pg.emu.admin.createWorkspace({ name: "restarted", deliveryMode: "poll" });
    // Each run in its own function: a suspended async frame may still hold its last locals.
    const run = async (): Promise<WeakRef<RemoteAgent>> => {
      const client = new PlatformClient({
        platformUrl: pg.emu.url,
        workspaceId: ws.id,
        token: ws.token!,
      });
      const agent = new RemoteAgent({ client, store, handler: () => {} });
      await agent.start();
      await agent.stop();
      await client.close();
      return new WeakRef(agent);
    };
    const stopped: Array<WeakRef<RemoteAgent>> = [];
    try {
      for (let i = 0; i < 3; i++) stopped.push(await run());
      // A WeakRef keeps its target until the current job ends: collect in a later one.
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      expect(stopped.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    } finally {
      await store.close();
    }
  });
});
