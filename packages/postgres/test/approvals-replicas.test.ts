// Approval requests that survive a restart on PostgreSQL (issue #81): the request an agent waits
// on is kept in the store per workspace (`pendingApprovalsFor`), not only in a file of the
// replica's own, so a replica of the same workspace that takes over after a kill -9 resumes the
// same request (one request on the canvas) and sees its one decision; a request for another input
// under the same key is never resumed; each workspace's requests are its own.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { readLines } from "@internal/test-utils";
import { createPostgresStore, type PostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const CHILD = fileURLToPath(new URL("./fixtures/approval-child.mjs", import.meta.url));
const pg = usePostgres({ emulator: true, pool: true, tmp: true });
const children: ChildProcess[] = [];
const clients: PlatformClient[] = [];
let admin: AdminClient;
beforeAll(() => {
  admin = new AdminClient({ platformUrl: pg.emu.url, adminToken: pg.emu.adminToken });
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill();
  for (const c of clients.splice(0)) await c.close();
});
afterAll(async () => await admin?.close());

/** A replica process asking for approval (fixtures/approval-child.mjs). */
function replica(env: Record<string, string>) {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const out = readLines(child.stdout!);
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, out, exited };
}

/** The workspace's requests once the platform lists `n` of them. */
async function requests(client: PlatformClient, n: number) {
  for (;;) {
    const rows = await client.listApprovals();
    if (rows.length >= n) return rows;
    await new Promise((r) => setImmediate(r));
  }
}

const openAs = (replicaId: string): PostgresStore =>
  createPostgresStore({ connectionString: pg.dbUrl, tablePrefix: "ap_", replicaId });

const MIGRATE = { action: "migrate the billing db", reason: "schema v7", taskId: "t-1" };

/** A workspace on the emulator and a client of it (closed after the test). */
async function workspace(name: string) {
  const ws = await pg.emu.admin.createWorkspace({ name, deliveryMode: "poll" });
  const client = new PlatformClient({
    platformUrl: pg.emu.url,
    workspaceId: ws.id,
    token: ws.token!,
  });
  clients.push(client);
  return { ws, client };
}

/** An agent (not started) on `store`. */
const agentOn = (client: PlatformClient, store: PostgresStore): RemoteAgent =>
  new RemoteAgent({ client, store, handler: () => "ok", delivery: "none" });

describe("approval requests on PostgreSQL", () => {
  it("a replica killed (kill -9) while it waits: another replica resumes the same request, and one decision is seen", async () => {
    const { ws, client } = await workspace("approvals-kill");
    const env = (name: string) => ({
      PLATFORM_URL: pg.emu.url,
      WS_ID: ws.id,
      WS_TOKEN: ws.token!,
      DB_URL: pg.dbUrl,
      PREFIX: "ap_",
      REPLICA_ID: `replica-${name}`,
      KEY: "call-1",
      // Each replica's own state folder (no shared volume).
      APPROVALS_FILE: join(pg.dir, `kill-${name}`, "approvals.json"),
    });
    const a = replica(env("a"));
    const [opened] = await requests(client, 1);
    // Killed at once: perhaps before the request's id reached the store (B adopts it then).
    a.child.kill("SIGKILL");
    await a.exited;
    expect(a.out.lines.some((l) => l.startsWith("decision"))).toBe(false);

    const b = replica(env("b"));
    await b.out.line((l) => l === "asking");
    await admin.decideApproval(ws.id, opened!.id, "approved", { decidedBy: "erin" });
    const line = await b.out.line((l) => l.startsWith("decision "));
    expect(JSON.parse(line.slice("decision ".length))).toMatchObject({
      approvalId: opened!.id,
      approved: true,
      decidedBy: "erin",
    });
    expect(await b.exited).toBe(0);
    expect(b.out.lines.filter((l) => l.startsWith("decision "))).toHaveLength(1);
    // One request on the canvas, answered, and forgotten by the store.
    const rows = await client.listApprovals();
    expect(rows.map((r) => [r.id, r.status])).toEqual([[opened!.id, "approved"]]);
    const kept = await pg.db.query(`SELECT * FROM ap_approvals WHERE workspace_id = $1`, [ws.id]);
    expect(kept.rows).toEqual([]);
  });

  it("two replicas with their own state folders: the second resumes the request the first stopped waiting on", async () => {
    const { ws, client } = await workspace("approvals-abort");
    const a = openAs("abort-a");
    const b = openAs("abort-b");
    try {
      const stop = new AbortController();
      const first = agentOn(client, a)
        .requestApproval(MIGRATE, {
          key: "call-1",
          pollIntervalMs: 50,
          signal: stop.signal,
          file: join(pg.dir, "abort-a", "approvals.json"),
        })
        .catch((err: unknown) => err);
      const [opened] = await requests(client, 1);
      const kept = b.pendingApprovalsFor(ws.id);
      expect(b.pendingApprovalsFor(ws.id)).toBe(kept);
      while ((await kept.get("call-1"))?.approvalId !== opened!.id)
        await new Promise((r) => setImmediate(r));
      stop.abort(new Error("replica a stopped"));
      expect(await first).toMatchObject({ message: "replica a stopped" });

      const second = agentOn(client, b).requestApproval(MIGRATE, {
        key: "call-1",
        pollIntervalMs: 50,
        file: join(pg.dir, "abort-b", "approvals.json"),
      });
      await admin.decideApproval(ws.id, opened!.id, "denied", { decidedBy: "erin" });
      expect(await second).toMatchObject({ approvalId: opened!.id, approved: false });
      expect(await client.listApprovals()).toHaveLength(1);
      expect(await kept.list()).toEqual([]);
      // Another workspace's requests are its own.
      expect(await a.pendingApprovalsFor("another-workspace").list()).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("a request for another input under the same key is not resumed by another replica", async () => {
    const { ws, client } = await workspace("approvals-digest");
    const a = openAs("digest-a");
    const b = openAs("digest-b");
    try {
      const stop = new AbortController();
      const first = agentOn(client, a)
        .requestApproval(MIGRATE, { key: "call-1", pollIntervalMs: 50, signal: stop.signal })
        .catch(() => undefined);
      const [opened] = await requests(client, 1);
      while ((await a.pendingApprovalsFor(ws.id).get("call-1"))?.approvalId !== opened!.id)
        await new Promise((r) => setImmediate(r));
      stop.abort();
      await first;
      const other = { ...MIGRATE, action: "drop the billing db" };
      const second = agentOn(client, b).requestApproval(other, {
        key: "call-1",
        pollIntervalMs: 50,
      });
      const rows = await requests(client, 2);
      const asked = rows.find((r) => r.id !== opened!.id)!;
      expect(asked.action).toBe("drop the billing db");
      await admin.decideApproval(ws.id, asked.id, "approved", { decidedBy: "erin" });
      expect(await second).toMatchObject({ approvalId: asked.id, approved: true });
      const left = (await client.listApprovals()).find((r) => r.id === opened!.id);
      expect(left?.status).toBe("pending");
    } finally {
      await a.close();
      await b.close();
    }
  });
});
