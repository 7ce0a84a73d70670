// Approvals that survive a restart on PostgreSQL (issue #81 item 3): the tool calls a person is
// asked about (`pendingToolCalls`) are kept per workspace and shared by its replicas, so a call
// asked about by one replica is completed by another after a restart, once; a call's status only
// moves forward (a replica saving the copy it loaded never undoes another's claim); and the
// store's `pendingToolCallsFor` takes an approved call for running on one replica only, even when
// two claim it at the same moment.
import { describe, expect, it } from "vitest";
import { RemoteAgent, type PlatformClient } from "@molecule-ai/agent-core";
import { toolCallDigest } from "@molecule-ai/agent-core/org";
import { createPostgresStore, type PostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres({ emulator: true, pool: true });

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
      // A stale copy: an agent of replica A that loaded the call while it was pending.
      const staleA = agentOn(client, a);
      expect((await staleA.pendingToolCalls.get("call-1"))?.status).toBe("pending");
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
        await a2.stateFor(client.workspaceId).save({
          pendingToolCalls: await staleA.pendingToolCalls.list(),
        });
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
});
