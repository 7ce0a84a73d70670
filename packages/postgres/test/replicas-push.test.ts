// Push replicas behind a load balancer share de-duplication by messageId through the PostgreSQL
// store: a proxy retry that lands on another replica is not handled again (it gets the stored
// answer, or a retryable "busy" while the first replica still runs it), and a claim whose replica
// died is taken over, flagged redelivered, after the visibility timeout.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { HandlerContext, InboundMessage } from "@molecule-ai/agent-core";
import { waitFor } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import type { PostgresStore } from "../src/index.js";
import { balance, usePostgres } from "./setup-db.js";

const pg = usePostgres({ emulator: true });

async function send(url: string, messageId: string, text: string): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: randomUUID(),
      method: "message/send",
      params: {
        message: { kind: "message", role: "user", messageId, parts: [{ kind: "text", text }] },
      },
    }),
  });
  return await res.json();
}

function answerOf(body: unknown): string | undefined {
  const m = /"text":"(answer [^"]*)"/.exec(JSON.stringify(body));
  return m?.[1];
}

describe("push replicas on PostgreSQL", () => {
  it("a retry on another replica gets the stored answer; one in flight is told to retry", async () => {
    const ws = await pg.emu.admin.createWorkspace({ name: "push-replicas" });
    const runs: Array<{ id: string; replica: number; redelivered: boolean }> = [];
    let gate: (() => void) | undefined;
    let onGate!: () => void;
    const gateSet = new Promise<void>((r) => (onGate = r));
    const stores: PostgresStore[] = [];
    const agents: RemoteAgent<PlatformClient>[] = [];
    for (const replica of [0, 1]) {
      const store = createPostgresStore({ connectionString: pg.dbUrl });
      const client = new PlatformClient({
        platformUrl: pg.emu.url,
        workspaceId: ws.id,
        token: ws.token!,
      });
      const agent = new RemoteAgent({
        client,
        store,
        register: false,
        delivery: { mode: "push", server: false, publicUrl: "http://lb.example/a2a" },
        handler: async (msg: InboundMessage, ctx: HandlerContext) => {
          runs.push({ id: msg.messageId!, replica, redelivered: ctx.redelivered });
          if (msg.text === "slow") {
            await new Promise<void>((r) => {
              gate = r;
              onGate();
            });
          }
          return `answer ${msg.text} from ${replica}`;
        },
      });
      stores.push(store);
      agents.push(agent);
    }
    await Promise.all(agents.map(async (a) => await a.start()));
    const lb = await balance(
      agents.map((a) => a.createPushHandler({ basePath: "/a2a", pathSecret: false })),
    );
    try {
      // Sequential retry: replica 0 answers, the retry lands on replica 1.
      const id = randomUUID();
      const first = await send(lb.url, id, "one");
      const retry = await send(lb.url, id, "one");
      expect(answerOf(first)).toBe("answer one from 0");
      expect(answerOf(retry)).toBe("answer one from 0"); // the stored answer, not a second run
      // Retry while the first delivery still runs: busy (retryable), then the stored answer.
      const slowId = randomUUID();
      const slow = send(lb.url, slowId, "slow"); // replica 0
      await gateSet; // replica 0 is running it
      const busy = await send(lb.url, slowId, "slow"); // replica 1
      expect(JSON.stringify(busy)).toContain("error");
      expect(answerOf(busy)).toBeUndefined();
      gate!();
      expect(answerOf(await slow)).toBe("answer slow from 0");
      expect(answerOf(await send(lb.url, slowId, "slow"))).toBe("answer slow from 0");
      expect(runs).toEqual([
        { id, replica: 0, redelivered: false },
        { id: slowId, replica: 0, redelivered: false },
      ]);
    } finally {
      await new Promise((r) => lb.server.close(r));
      for (const a of agents) await a.stop();
      for (const a of agents) await a.client.close();
      for (const s of stores) await s.close();
    }
  });

  it("a claim whose replica died is taken over after the visibility timeout, flagged", async () => {
    const dead = createPostgresStore({ connectionString: pg.dbUrl, visibilityTimeoutMs: 300 });
    const alive = createPostgresStore({ connectionString: pg.dbUrl, visibilityTimeoutMs: 300 });
    try {
      const mid = randomUUID();
      const claimed = await dead.shared.claimPush!("w-push", mid);
      expect(claimed.status).toBe("claimed");
      await dead.close(); // its process is gone: the claim is no longer kept alive
      expect((await alive.shared.claimPush!("w-push", mid)).status).toBe("busy");
      // Retried like a proxy retries, until the dead replica's claim has expired.
      const taken = await waitFor(
        async () => {
          const r = await alive.shared.claimPush!("w-push", mid);
          return r.status === "claimed" ? r : undefined;
        },
        { timeoutMs: 5_000, intervalMs: 50 },
      );
      expect(taken.claim.redelivered).toBe(true);
      await taken.claim.settle("ok");
      expect(await alive.shared.claimPush!("w-push", mid)).toEqual({
        status: "settled",
        reply: "ok",
      });
    } finally {
      await alive.close();
    }
  });
});
