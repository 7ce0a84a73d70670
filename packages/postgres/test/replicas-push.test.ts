// Push replicas behind a load balancer share de-duplication by messageId (within the message's
// content: no sender of a push is authenticated) through the PostgreSQL store: a proxy retry that lands on another replica is not handled again (it gets the stored
// answer, or a retryable "busy" while the first replica still runs it), a claim whose replica
// died is taken over, flagged redelivered, after the visibility timeout, and a message that never
// settles is dead-lettered after maxDeliveries (the sender gets a JSON-RPC error, not another run).
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { HandlerContext, InboundMessage, RemoteAgentOptions } from "@molecule-ai/agent-core";
import { sendA2AMessage, waitFor } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import type { PostgresStore } from "../src/index.js";
import { balance, usePostgres } from "./setup-db.js";

const pg = usePostgres({ emulator: true });

const send = sendA2AMessage;

/** A push replica of `ws` (a framework route, no registration) on its own PostgreSQL store. */
function pushReplica(
  ws: { id: string; token?: string | undefined },
  options: Pick<
    RemoteAgentOptions<PlatformClient>,
    "handler" | "onDeadLetter" | "drainTimeoutMs" | "logger"
  >,
  storeOptions: { maxDeliveries?: number } = {},
): { agent: RemoteAgent<PlatformClient>; store: PostgresStore } {
  const store = createPostgresStore({ connectionString: pg.dbUrl, ...storeOptions });
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
    ...options,
  });
  return { agent, store };
}

function answerOf(body: unknown): string | undefined {
  const m = /"text":"(answer [^"]*)"/.exec(JSON.stringify(body));
  return m?.[1];
}

describe("push replicas on PostgreSQL", () => {
  it("a retry on another replica gets the stored answer; one in flight is told to retry", async () => {
    const ws = await pg.emu.admin.createWorkspace({ name: "push-replicas", deliveryMode: "poll" });
    const runs: Array<{ id: string; replica: number; redelivered: boolean }> = [];
    let gate: (() => void) | undefined;
    let onGate!: () => void;
    const gateSet = new Promise<void>((r) => (onGate = r));
    const stores: PostgresStore[] = [];
    const agents: RemoteAgent<PlatformClient>[] = [];
    for (const replica of [0, 1]) {
      const { agent, store } = pushReplica(ws, {
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
    // What the platform sends with its pushes: these requests stand in for its.
    const bearer = agents[0]!.client.files.inboundSecret;
    const lb = await balance(
      agents.map((a) => a.createPushHandler({ basePath: "/a2a", pathSecret: false })),
    );
    try {
      // Sequential retry: replica 0 answers, the retry lands on replica 1.
      const id = randomUUID();
      const first = await send(lb.url, id, "one", bearer);
      const retry = await send(lb.url, id, "one", bearer);
      expect(answerOf(first)).toBe("answer one from 0");
      expect(answerOf(retry)).toBe("answer one from 0"); // the stored answer, not a second run
      // Retry while the first delivery still runs: busy (retryable), then the stored answer.
      const slowId = randomUUID();
      const slow = send(lb.url, slowId, "slow", bearer); // replica 0
      await gateSet; // replica 0 is running it
      const busy = await send(lb.url, slowId, "slow", bearer); // replica 1
      expect(JSON.stringify(busy)).toContain("error");
      expect(answerOf(busy)).toBeUndefined();
      gate!();
      expect(answerOf(await slow)).toBe("answer slow from 0");
      expect(answerOf(await send(lb.url, slowId, "slow", bearer))).toBe("answer slow from 0");
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

  it("another message under a settled messageId (other content) runs: never the stored answer of the first", async () => {
    const ws = await pg.emu.admin.createWorkspace({ name: "push-reused-id", deliveryMode: "poll" });
    const runs: Array<{ text: string; replica: number }> = [];
    const replicas = [0, 1].map((replica) =>
      pushReplica(ws, {
        handler: (msg: InboundMessage) => {
          runs.push({ text: msg.text, replica });
          return `answer ${msg.text} from ${replica}`;
        },
      }),
    );
    await Promise.all(replicas.map(async (r) => await r.agent.start()));
    // What the platform sends with its pushes: these requests stand in for its.
    const bearer = replicas[0]!.agent.client.files.inboundSecret;
    const lb = await balance(
      replicas.map((r) => r.agent.createPushHandler({ basePath: "/a2a", pathSecret: false })),
    );
    try {
      const id = randomUUID();
      expect(answerOf(await send(lb.url, id, "from x", bearer))).toBe("answer from x from 0");
      // No sender of a push is authenticated: Y's message under X's id is told apart by content.
      expect(answerOf(await send(lb.url, id, "from y", bearer))).toBe("answer from y from 1");
      // Resends (each on the other replica) get their own message's stored answer.
      expect(answerOf(await send(lb.url, id, "from x", bearer))).toBe("answer from x from 0");
      expect(answerOf(await send(lb.url, id, "from y", bearer))).toBe("answer from y from 1");
      expect(runs).toEqual([
        { text: "from x", replica: 0 },
        { text: "from y", replica: 1 },
      ]);
    } finally {
      await new Promise((r) => lb.server.close(r));
      for (const r of replicas) await r.agent.stop();
      for (const r of replicas) await r.agent.client.close();
      for (const r of replicas) await r.store.close();
    }
  });

  it("a claim whose replica died is taken over after the visibility timeout, flagged", async () => {
    // 3 s: the claim must still hold at the "busy" check below, after the dead replica's close,
    // however slow the machine (at 300 ms it expired first once, beside a second CI run).
    const dead = createPostgresStore({ connectionString: pg.dbUrl, visibilityTimeoutMs: 3_000 });
    const alive = createPostgresStore({ connectionString: pg.dbUrl, visibilityTimeoutMs: 3_000 });
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
        { timeoutMs: 30_000, intervalMs: 50 },
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

  it("claims count deliveries: past maxDeliveries the message is dead, once, and listed", async () => {
    const opts = { connectionString: pg.dbUrl, visibilityTimeoutMs: 300, maxDeliveries: 2 };
    const [a, b, c] = [0, 1, 2].map(() => createPostgresStore(opts));
    try {
      const mid = randomUUID();
      expect((await a!.shared.claimPush!("w-dead", mid)).status).toBe("claimed");
      await a!.close(); // died: the claim expires
      const second = await waitFor(
        async () => {
          const r = await b!.shared.claimPush!("w-dead", mid);
          return r.status === "claimed" ? r : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      expect(second.claim.redelivered).toBe(true);
      await second.claim.release(); // stopped before it settled: still counted
      expect(await c!.shared.claimPush!("w-dead", mid)).toEqual({
        status: "dead",
        deliveries: 2,
        first: true,
      });
      expect(await b!.shared.claimPush!("w-dead", mid)).toEqual({
        status: "dead",
        deliveries: 2,
        first: false,
      });
      expect(await c!.deadLetters("w-dead")).toMatchObject([
        { delivery: "push", workspaceId: "w-dead", messageId: mid, deliveries: 2 },
      ]);
    } finally {
      await b!.close();
      await c!.close();
    }
  });

  it("replicas: a message whose runs never settle gets a JSON-RPC error on any replica", async () => {
    const ws = await pg.emu.admin.createWorkspace({ name: "push-dead", deliveryMode: "poll" });
    const started: number[] = [];
    const dead: string[] = [];
    const replica = (i: number) =>
      pushReplica(
        ws,
        {
          drainTimeoutMs: 50,
          logger: {},
          onDeadLetter: (_msg, error) => void dead.push((error as { code: string }).code),
          handler: async (_msg, ctx) => {
            started.push(i);
            await new Promise((_, reject) =>
              ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true }),
            );
          },
        },
        { maxDeliveries: 1 },
      );
    const [r0, r1] = [replica(0), replica(1)];
    await r0.agent.start();
    await r1.agent.start();
    // What the platform sends with its pushes: these requests stand in for its.
    const bearer = r0.agent.client.files.inboundSecret;
    const lb = await balance(
      [r0, r1].map((r) => r.agent.createPushHandler({ basePath: "/a2a", pathSecret: false })),
    );
    try {
      const id = randomUUID();
      const first = send(lb.url, id, "stuck", bearer); // replica 0 runs it and never finishes
      await waitFor(() => started.length === 1);
      await r0.agent.stop(); // aborted: released, not settled
      expect(JSON.stringify(await first)).toContain("error");
      const second = await send(lb.url, id, "stuck", bearer);
      expect(second.error?.code).toBe(-32603);
      expect(second.error?.data?.code).toBe("delivery_limit");
      expect(started).toEqual([0]); // never run again
      expect(dead).toEqual(["delivery_limit"]); // reported once, by the replica that found it
      expect(await r1.store.deadLetters(ws.id)).toMatchObject([
        { delivery: "push", messageId: id },
      ]);
    } finally {
      await new Promise((r) => lb.server.close(r));
      for (const r of [r0, r1]) {
        await r.agent.stop();
        await r.agent.client.close();
        await r.store.close();
      }
    }
  });
});
