// Approvals that survive a restart on PostgreSQL (issue #81 item 3): the tool calls a person is
// asked about (`pendingToolCalls`) are kept per workspace and shared by its replicas, so a call
// asked about by one replica is completed by another after a restart, once; a call's status only
// moves forward (a replica saving the copy it loaded never undoes another's claim); and the
// store's `pendingToolCallsFor` takes an approved call for running on one replica only, even when
// two claim it at the same moment.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RemoteAgent, type PlatformClient } from "@molecule-ai/agent-core";
import { AdminClient } from "@molecule-ai/agent-core/admin";
import { ALREADY_RUN, durableToolCallVerdict, toolCallDigest } from "@molecule-ai/agent-core/org";
import { waitFor } from "@internal/test-utils";
import { createPostgresStore, type PostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres({ emulator: true, pool: true, tmp: true });

/** A store on the test's tables as replica `replicaId`. */
const openAs = (replicaId: string): PostgresStore =>
  createPostgresStore({ connectionString: pg.dbUrl, tablePrefix: "tc_", replicaId });

/** An agent on `store` (not started: its state is read and written on use). */
const agentOn = (client: PlatformClient, store: PostgresStore): RemoteAgent =>
  new RemoteAgent({ client, store, handler: () => "ok" });

const INPUT = { path: "/etc/motd", text: "hello" };
const DIGEST = toolCallDigest("write_file", INPUT);

describe("pending tool calls on PostgreSQL", () => {
  it("a call asked about on replica A is seen after a restart by replica B, which completes it once", async () => {
    const { client } = await pg.workspaceClient("tool-calls-restart");
    const a = openAs("replica-a");
    const b = openAs("replica-b");
    try {
      const onA = agentOn(client, a);
      await onA.pendingToolCalls.record({
        key: "call-1",
        tool: "write_file",
        input: INPUT,
        messageKey: "caller\nm-1",
        run: "run-state-1",
      });
      // A stale copy: what replica A's state held while the call was pending.
      const stale = await onA.pendingToolCalls.list();
      expect(stale.find((c) => c.key === "call-1")?.status).toBe("pending");
      await a.close(); // replica A is restarted (its process, and memory, gone)

      const onB = agentOn(client, b);
      const seen = await onB.pendingToolCalls.get("call-1");
      expect(seen).toMatchObject({
        key: "call-1",
        tool: "write_file",
        input: INPUT,
        digest: DIGEST,
        status: "pending",
        messageKey: "caller\nm-1",
        run: "run-state-1",
      });
      expect(await onB.pendingToolCalls.claim("call-1", DIGEST)).toBe(true);
      const ran = [await onB.pendingToolCalls.claim("call-1", DIGEST)];
      await onB.pendingToolCalls.finish(["call-1"]);

      // Replica A again, with its copy from before the claim: saving it never moves the call back,
      // and a restarted replica reads it as done (never runs it).
      const a2 = openAs("replica-a");
      try {
        await a2.stateFor(client.workspaceId).save({ pendingToolCalls: stale });
        const again = agentOn(client, a2);
        expect((await again.pendingToolCalls.get("call-1"))?.status).toBe("done");
        ran.push(await again.pendingToolCalls.claim("call-1", DIGEST));
        expect((await a2.pendingToolCallsFor(client.workspaceId).get("call-1"))?.status).toBe(
          "done",
        );
      } finally {
        await a2.close();
      }
      expect(ran).toEqual([false, false]);
      const { rows } = await pg.db.query(
        `SELECT workspace_id, status FROM tc_tool_calls WHERE call_key = 'call-1'`,
      );
      expect(rows).toEqual([{ workspace_id: client.workspaceId, status: "done" }]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("two live agents' own pendingToolCalls (the adapters' default) claim an approved call once between them", async () => {
    const { client } = await pg.workspaceClient("tool-calls-live");
    const a = openAs("live-a");
    const b = openAs("live-b");
    try {
      const onA = agentOn(client, a);
      const onB = agentOn(client, b);
      // Both loaded the call while it was pending (both replicas running).
      await onA.pendingToolCalls.record({ key: "live-1", tool: "write_file", input: INPUT });
      expect((await onB.pendingToolCalls.get("live-1"))?.status).toBe("pending");
      const won = await Promise.all([
        onA.pendingToolCalls.claim("live-1", DIGEST),
        onB.pendingToolCalls.claim("live-1", DIGEST),
      ]);
      expect(won.filter(Boolean)).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("two replicas claiming the same approved call at once: one runs it", async () => {
    const { client } = await pg.workspaceClient("tool-calls-race");
    const ws = client.workspaceId;
    const a = openAs("race-a");
    const b = openAs("race-b");
    try {
      const keys = Array.from({ length: 20 }, (_, i) => `race-${i}`);
      const onA = agentOn(client, a);
      for (const key of keys)
        await onA.pendingToolCalls.record({ key, tool: "write_file", input: INPUT });
      const callsA = a.pendingToolCallsFor(ws);
      const callsB = b.pendingToolCallsFor(ws);
      expect(a.pendingToolCallsFor(ws)).toBe(callsA);
      for (const key of keys) {
        const won = await Promise.all([callsA.claim(key, DIGEST), callsB.claim(key, DIGEST)]);
        expect(won.filter(Boolean)).toHaveLength(1);
        expect((await callsB.get(key))?.status).toBe("running");
      }
      // Another digest (another input than the one asked about) is never taken.
      await callsB.record({ key: "other-input", tool: "write_file", input: { path: "/" } });
      expect(await callsA.claim("other-input", DIGEST)).toBe(false);
      // A call taken already is recorded no more: the record kept is answered.
      expect(
        (await callsB.record({ key: "race-0", tool: "write_file", input: INPUT })).status,
      ).toBe("running");
      // Another workspace's calls are its own.
      expect(await a.pendingToolCallsFor("another-workspace").list()).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("an approval asked on replica A, killed while the person decides, is completed by replica B, and the call runs once", async () => {
    const { client } = await pg.workspaceClient("tool-calls-decide");
    const ws = client.workspaceId;
    const admin = new AdminClient({ platformUrl: pg.emu.url, adminToken: pg.emu.adminToken });
    // The pending request's id is kept in a file (core's ApprovalWaiter), on a volume the
    // replicas share here; the call itself is kept in PostgreSQL.
    const file = join(pg.dir, "approvals.json");
    const call = { key: "decide-1", tool: "write_file", input: INPUT, messageKey: "caller\nm-9" };
    const asked: string[] = [];
    const verdictOn = (replica: string, store: PostgresStore, signal?: AbortSignal) => {
      const agent = agentOn(client, store);
      return durableToolCallVerdict(
        store.pendingToolCallsFor(ws),
        call,
        async (request) => {
          asked.push(replica);
          return await agent.requestApproval(request, {
            key: `pg:${call.key}`,
            file,
            pollIntervalMs: 20,
            ...(signal === undefined ? {} : { signal }),
          });
        },
        { label: "test" },
      );
    };
    const a = openAs("decide-a");
    const b = openAs("decide-b");
    const c = openAs("decide-c");
    try {
      const kill = new AbortController();
      const onA = verdictOn("a", a, kill.signal).catch((err: unknown) => err);
      await waitFor(async () => (await client.listApprovals()).some((r) => r.status === "pending"));
      kill.abort(); // replica A dies while the person decides
      expect(await onA).toBeInstanceOf(Error);
      await a.close();
      expect((await b.pendingToolCallsFor(ws).get(call.key))?.status).toBe("pending");

      const onB = verdictOn("b", b);
      await waitFor(() => asked.length === 2);
      const [row] = await client.listApprovals();
      await admin.decideApproval(ws, row!.id, "approved", { decidedBy: "dana" });
      expect(await onB).toBeUndefined(); // replica B runs the call
      await b.pendingToolCallsFor(ws).finish([call.key]);
      // Another replica given the same call again (a redelivered message) runs nothing, asks nobody.
      expect(await verdictOn("c", c)).toBe(ALREADY_RUN);
      expect(asked).toEqual(["a", "b"]);
      expect(await client.listApprovals()).toHaveLength(1); // one request in all
    } finally {
      await admin.close();
      await a.close();
      await b.close();
      await c.close();
    }
  });
});
