// createPostgresClaims: the push claims of serverless instances (no LISTEN, no poll, no keep-alive
// timer). Two instances of one workspace, each with its own pool (as two functions), over real HTTP
// and through the emulator's proxy: a resend is answered once with the first answer; another
// content under the same id runs; a failure releases the claim; a resend while it runs is told to
// retry; an instance that died mid-message has its claim taken over once it expires, and a message
// that kills its instance every time is dead-lettered; an unreachable database runs nothing. A
// RemoteAgent replica on createPostgresStore and a serverless instance claim in the same table.
import { describe, expect, it } from "vitest";
import { sendA2AMessage } from "@internal/test-utils";
import { MoleculeError, RemoteAgent } from "@molecule-ai/agent-core";
import { startA2AServer, type A2AHandlerOptions } from "@molecule-ai/agent-core/a2a";
import { createPostgresClaims, createPostgresStore, type PostgresClaims } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres({ emulator: true, pool: true });

/** A JSON-RPC answer, as far as these tests read it. */
interface RpcAnswer {
  result?: { parts?: { text?: string }[] };
  error?: { code: number; data?: { code?: string; retryable?: boolean; deliveries?: number } };
}

const send = async (url: string, messageId: string, text: string, bearer?: string) =>
  (await sendA2AMessage(url, messageId, text, bearer)) as RpcAnswer;

const textOf = (a: RpcAnswer) => a.result?.parts?.map((p) => p.text).join("");

/** The visibility timeout passing for the running claims of `ws` (nothing keeps them alive). */
const expire = (ws: string) =>
  pg.db.query(
    "UPDATE molecule_push_claims SET claimed_until = now() - interval '1 ms' WHERE workspace_id = $1 AND state = 'claimed'",
    [ws],
  );

/**
 * Two instances of workspace `ws`, each with its own claims (own pool); the handler counts its
 * runs in the database (`runs` table), as functions that share nothing else would.
 */
async function instances(
  ws: string,
  onMessage?: A2AHandlerOptions["onMessage"],
  options: { maxDeliveries?: number; onError?: A2AHandlerOptions["onError"] } = {},
) {
  await pg.db.query("CREATE TABLE IF NOT EXISTS runs (ws text, text text)");
  const all: PostgresClaims[] = [];
  const start = async () => {
    const claims = createPostgresClaims({
      connectionString: pg.dbUrl,
      ...(options.maxDeliveries ? { maxDeliveries: options.maxDeliveries } : {}),
    });
    all.push(claims);
    return await startA2AServer({
      agentCard: { name: "fn" },
      workspaceId: ws,
      claims,
      ...(options.onError ? { onError: options.onError } : {}),
      onMessage:
        onMessage ??
        (async (m) => {
          const text = m.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
          await pg.db.query("INSERT INTO runs VALUES ($1, $2)", [ws, text]);
          return `ran: ${text}`;
        }),
    });
  };
  const [a, b] = [await start(), await start()];
  return {
    a,
    b,
    runs: async () =>
      (await pg.db.query<{ text: string }>("SELECT text FROM runs WHERE ws = $1", [ws])).rows.map(
        (r) => r.text,
      ),
    close: async () => {
      await a.close();
      await b.close();
      await Promise.all(all.map((c) => c.close()));
    },
  };
}

describe("createPostgresClaims: serverless instances handle a message once", () => {
  it("a resend to the other instance gets the first answer; the handler ran once", async () => {
    const i = await instances("ws-resend");
    try {
      const first = await send(i.a.url, "m-1", "hello");
      const again = await send(i.b.url, "m-1", "hello");
      expect(textOf(first)).toBe("ran: hello");
      expect(textOf(again)).toBe("ran: hello");
      expect(await i.runs()).toEqual(["hello"]);
    } finally {
      await i.close();
    }
  });

  it("the same messageId with other content runs: claimed apart", async () => {
    const i = await instances("ws-content");
    try {
      await send(i.a.url, "m-2", "first");
      expect(textOf(await send(i.b.url, "m-2", "forged"))).toBe("ran: forged");
      expect((await i.runs()).sort()).toEqual(["first", "forged"]);
    } finally {
      await i.close();
    }
  });

  it("a handler failure releases the claim: the retry on the other instance runs it", async () => {
    let fail = true;
    let count = 0;
    const i = await instances("ws-fail", () => {
      count++;
      if (fail) throw new Error("model down");
      return "ok";
    });
    try {
      expect((await send(i.a.url, "m-3", "x")).error?.code).toBe(-32603);
      fail = false;
      expect(textOf(await send(i.b.url, "m-3", "x"))).toBe("ok");
      expect(textOf(await send(i.a.url, "m-3", "x"))).toBe("ok");
      expect(count).toBe(2);
    } finally {
      await i.close();
    }
  });

  it("a resend while the first runs gets message_busy (retryable) and does not run", async () => {
    let count = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const running = new Promise<void>((r) => (entered = r));
    const i = await instances("ws-busy", async () => {
      count++;
      entered();
      await gate;
      return "slow";
    });
    try {
      const first = send(i.a.url, "m-4", "x");
      await running;
      const busy = await send(i.b.url, "m-4", "x");
      expect(busy.error?.data).toEqual({ code: "message_busy", retryable: true });
      release();
      expect(textOf(await first)).toBe("slow");
      expect(textOf(await send(i.b.url, "m-4", "x"))).toBe("slow");
      expect(count).toBe(1);
    } finally {
      release();
      await i.close();
    }
  });

  it("a claim whose instance died is taken over once it expires; past maxDeliveries it is dead", async () => {
    let count = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // Resolved as the first and the second run begin.
    const began = [0, 1].map(() => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    });
    const i = await instances(
      "ws-died",
      async (m) => {
        count++;
        began[count - 1]?.resolve();
        if (m.parts.some((p) => p.kind === "text" && p.text === "hang")) await gate;
        return "answered";
      },
      { maxDeliveries: 2 },
    );
    const hung: Promise<RpcAnswer>[] = [];
    try {
      hung.push(send(i.a.url, "m-5", "hang"));
      await began[0]!.promise;
      expect((await send(i.b.url, "m-5", "hang")).error?.data?.code).toBe("message_busy");
      await expire("ws-died");
      hung.push(send(i.b.url, "m-5", "hang")); // taken over: its second delivery
      await began[1]!.promise;
      expect(count).toBe(2);
      await expire("ws-died");
      const dead = await send(i.a.url, "m-5", "hang");
      expect(dead.error?.data).toEqual({ code: "delivery_limit", retryable: false, deliveries: 2 });
      expect(count).toBe(2);
      const { rows } = await pg.db.query(
        "SELECT state FROM molecule_push_claims WHERE workspace_id = 'ws-died'",
      );
      expect(rows).toEqual([{ state: "dead" }]);
    } finally {
      release();
      await Promise.all(hung);
      await i.close();
    }
  });

  it("an unreachable database runs nothing: store_unavailable, retryable, reported", async () => {
    const reported: unknown[] = [];
    let count = 0;
    const claims = createPostgresClaims({ connectionString: "postgres://u:p@127.0.0.1:9/none" });
    const server = await startA2AServer({
      agentCard: { name: "fn" },
      workspaceId: "ws-down",
      claims,
      onError: (e) => reported.push(e),
      onMessage: () => `ran ${++count}`,
    });
    try {
      const r = await send(server.url, "m-7", "x");
      expect(r.error?.data).toEqual({ code: "store_unavailable", retryable: true });
      expect(count).toBe(0);
      expect(reported[0]).toBeInstanceOf(MoleculeError);
      expect((reported[0] as MoleculeError).code).toBe("store_unavailable");
      expect(String((reported[0] as Error).message)).not.toContain("u:p@");
    } finally {
      await server.close();
      await claims.close();
    }
  });

  it("a RemoteAgent replica (createPostgresStore) and a serverless instance claim in one table", async () => {
    const { id, client } = await pg.workspaceClient("mixed");
    let count = 0;
    const store = createPostgresStore({ connectionString: pg.dbUrl });
    const agent = new RemoteAgent({
      client,
      store,
      logger: {},
      delivery: { mode: "push", port: 0 },
      handler: () => `replica answer ${++count}`,
    });
    await agent.start();
    const claims = createPostgresClaims({ connectionString: pg.dbUrl });
    const fn = await startA2AServer({
      agentCard: { name: "fn" },
      workspaceId: id,
      claims,
      onMessage: () => `function answer ${++count}`,
    });
    try {
      const proxy = `${pg.emu.url}/workspaces/${id}/a2a`;
      // the canvas route, with the admin bearer the canvas holds (August 2026 refuses it without)
      const first = await send(proxy, "m-8", "hi", pg.emu.adminToken); // the replica, registered by its start
      expect(textOf(first)).toContain("replica answer 1");
      await client.register({ url: fn.url, agentCard: { name: "fn" } });
      const again = await send(proxy, "m-8", "hi", pg.emu.adminToken); // redelivered to the serverless instance
      expect(textOf(again)).toContain("replica answer 1");
      expect(count).toBe(1);
    } finally {
      await fn.close();
      await claims.close();
      await agent.stop();
      await store.close();
    }
  });

  it("cleanup() deletes settled claims past retentionMs; migrate: false claims on the schema as it is", async () => {
    const i = await instances("ws-cleanup");
    const claims = createPostgresClaims({
      connectionString: pg.dbUrl,
      migrate: false,
      retentionMs: 3_600_000,
    });
    try {
      await send(i.a.url, "m-9", "old");
      await send(i.a.url, "m-10", "new");
      await pg.db.query(
        "UPDATE molecule_push_claims SET settled_at = now() - interval '2 hours' WHERE message_id = 'm-9'",
      );
      expect(await claims.cleanup()).toBe(1);
      const { rows } = await pg.db.query(
        "SELECT message_id FROM molecule_push_claims WHERE workspace_id = 'ws-cleanup'",
      );
      expect(rows).toEqual([{ message_id: "m-10" }]);
      // The deleted claim no longer de-duplicates: past the window, a resend runs again.
      expect(textOf(await send(i.b.url, "m-9", "old"))).toBe("ran: old");
      expect((await i.runs()).sort()).toEqual(["new", "old", "old"]);
    } finally {
      await claims.close();
      await i.close();
    }
  });

  it("checks its options", () => {
    expect(() => createPostgresClaims({ connectionString: pg.dbUrl, tablePrefix: "X;" })).toThrow(
      /^createPostgresClaims: tablePrefix must match/,
    );
    expect(() => createPostgresClaims({ connectionString: pg.dbUrl, maxDeliveries: 0 })).toThrow(
      /^createPostgresClaims: maxDeliveries must be a positive integer/,
    );
    expect(() => createPostgresClaims({} as never)).toThrow(/pass \{ connectionString \}/);
  });
});
