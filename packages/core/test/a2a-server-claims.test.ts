// The `claims` option of the push handlers (`createA2AHandler`, `createPeerRequestHandler`): two
// instances of one workspace (two servers, nothing shared in memory) and a claim store in memory
// that both use, over real HTTP and through the emulator's proxy. A resend of a blocking send
// (same messageId, same content) runs the handler once and gets the same answer on the other
// instance; another content under the same id runs apart; a failure releases the claim; a resend
// while the first still runs is told to retry; a store that cannot be reached runs nothing.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createPeerRequestHandler } from "../src/adapters/index.js";
import { MoleculeError, PlatformClient, generatePathSecret } from "../src/index.js";
import {
  createA2AHandler,
  startA2AServer,
  type A2AHandlerOptions,
  type A2AServer,
  type PushClaimResult,
  type PushClaimStore,
} from "../src/public/a2a.js";

/** A claim's settle that fails, as a database that dropped the connection does. */
const failedSettle = () => Promise.reject(new Error("connection terminated"));

/**
 * Claims kept in this process for the test's two instances: the store's answers (claimed, settled
 * with the stored reply, busy while claimed, dead past `max` deliveries), nothing more.
 */
class TestClaims implements PushClaimStore {
  readonly rows = new Map<
    string,
    { state: "open" | "claimed" | "done"; reply?: string; deliveries: number }
  >();
  calls = 0;
  fail: Error | undefined;
  constructor(readonly max = 5) {}

  async claimPush(ws: string, id: string, o?: { content?: string }): Promise<PushClaimResult> {
    this.calls++;
    if (this.fail) throw this.fail;
    const key = `${ws}\n${id}\n${o?.content ?? ""}`;
    const row = this.rows.get(key);
    if (row?.state === "done") return { status: "settled", reply: row.reply };
    if (row?.state === "claimed") return { status: "busy" };
    const deliveries = (row?.deliveries ?? 0) + 1;
    if (deliveries > this.max) return { status: "dead", deliveries: deliveries - 1, first: true };
    this.rows.set(key, { state: "claimed", deliveries });
    return {
      status: "claimed",
      claim: {
        redelivered: deliveries > 1,
        settle: async (reply) => void this.rows.set(key, { state: "done", reply, deliveries }),
        release: async () => void this.rows.set(key, { state: "open", deliveries }),
      },
    };
  }
}

let emu: Emulator;
const servers: A2AServer[] = [];
let claims: TestClaims;
let runs: string[];

beforeAll(async () => {
  emu = await startEmulator({ lenientAgentUrls: true });
});
afterAll(async () => {
  await emu.close();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/**
 * Two instances of workspace `ws` sharing `claims` and, as instances behind its one registered URL
 * do, its path secret; the handler records each run.
 */
async function instances(
  ws: string,
  onMessage: A2AHandlerOptions["onMessage"] = (m) => {
    const text = m.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
    runs.push(text);
    return `answer ${runs.length}: ${text}`;
  },
  extra: Partial<A2AHandlerOptions> = {},
): Promise<[A2AServer, A2AServer]> {
  claims ??= new TestClaims();
  const pathSecret = generatePathSecret();
  const start = () =>
    startA2AServer({
      agentCard: { name: "claimed" },
      workspaceId: ws,
      pathSecret,
      claims,
      onMessage,
      ...extra,
    });
  const pair: [A2AServer, A2AServer] = [await start(), await start()];
  servers.push(...pair);
  return pair;
}

interface RpcAnswer {
  result?: {
    kind: string;
    contextId?: string;
    parts?: { text?: string }[];
    status?: { state: string };
  };
  error?: { code: number; message: string; data?: { code?: string; retryable?: boolean } };
}

/**
 * A blocking `message/send` (or `method`) of `text` under `messageId`, posted to `url` (with
 * `bearer`, as the canvas route needs on August 2026).
 */
async function send(
  url: string,
  messageId: string,
  text: string,
  method = "message/send",
  configuration?: unknown,
  bearer?: string,
): Promise<RpcAnswer> {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(bearer !== undefined ? { authorization: `Bearer ${bearer}` } : {}),
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method,
      params: {
        message:
          method === "SendMessage"
            ? { messageId, role: "ROLE_USER", parts: [{ text }] }
            : { kind: "message", messageId, role: "user", parts: [{ kind: "text", text }] },
        ...(configuration ? { configuration } : {}),
      },
    }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as RpcAnswer;
}

const textOf = (a: RpcAnswer) => a.result?.parts?.map((p) => p.text).join("");
const contextOf = (a: RpcAnswer) => a.result?.contextId;

describe("claims: a blocking send handled once across instances", () => {
  it("a resend to the other instance gets the first answer; the handler ran once", async () => {
    runs = [];
    claims = new TestClaims();
    const [a, b] = await instances("ws-resend");
    const first = await send(a.url, "m-1", "hello");
    const again = await send(b.url, "m-1", "hello");
    expect(runs).toEqual(["hello"]);
    expect(textOf(first)).toBe("answer 1: hello");
    expect(textOf(again)).toBe(textOf(first));
    // In the conversation the first instance issued: both derive it from the shared path secret.
    expect(contextOf(again)).toMatch(/^ctx-/);
    expect(contextOf(again)).toBe(contextOf(first));
    expect(claims.calls).toBe(2);
  });

  it("v1.0 SendMessage resent to the other instance is handled once too", async () => {
    runs = [];
    claims = new TestClaims();
    const [a, b] = await instances("ws-v1");
    const first = (await send(a.url, "m-v1", "hi", "SendMessage")) as { result?: unknown };
    const again = (await send(b.url, "m-v1", "hi", "SendMessage")) as { result?: unknown };
    expect(runs).toEqual(["hi"]);
    expect(JSON.stringify(again.result)).toContain("answer 1: hi");
    expect(JSON.stringify(first.result)).toContain("answer 1: hi");
  });

  it("the same messageId with other content is another message: it runs, claimed apart", async () => {
    runs = [];
    claims = new TestClaims();
    const [a, b] = await instances("ws-content");
    expect(textOf(await send(a.url, "m-2", "first"))).toBe("answer 1: first");
    expect(textOf(await send(b.url, "m-2", "forged"))).toBe("answer 2: forged");
    expect(runs).toEqual(["first", "forged"]);
  });

  it("workspaces sharing a store never get each other's answers", async () => {
    runs = [];
    claims = new TestClaims();
    const [a] = await instances("ws-one");
    const [other] = await instances("ws-two");
    await send(a.url, "m-3", "same");
    expect(textOf(await send(other.url, "m-3", "same"))).toBe("answer 2: same");
  });

  it("a handler failure releases the claim: a retry on the other instance runs it again", async () => {
    runs = [];
    claims = new TestClaims();
    let fail = true;
    const [a, b] = await instances("ws-fail", (m) => {
      runs.push(m.messageId);
      if (fail) throw new Error("the model timed out");
      return "done";
    });
    const failed = await send(a.url, "m-4", "x");
    expect(failed.error?.code).toBe(-32603);
    fail = false;
    expect(textOf(await send(b.url, "m-4", "x"))).toBe("done");
    expect(runs).toEqual(["m-4", "m-4"]);
    expect(textOf(await send(a.url, "m-4", "x"))).toBe("done");
    expect(runs).toHaveLength(2);
  });

  it("a resend while the first still runs is told to retry (message_busy, retryable), not run", async () => {
    runs = [];
    claims = new TestClaims();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const running = new Promise<void>((r) => (entered = r));
    const [a, b] = await instances("ws-busy", async (m) => {
      runs.push(m.messageId);
      entered();
      await gate;
      return "slow answer";
    });
    const first = send(a.url, "m-5", "x");
    await running;
    const busy = await send(b.url, "m-5", "x");
    expect(busy.error?.code).toBe(-32603);
    expect(busy.error?.data).toEqual({ code: "message_busy", retryable: true });
    release();
    expect(textOf(await first)).toBe("slow answer");
    expect(textOf(await send(b.url, "m-5", "x"))).toBe("slow answer");
    expect(runs).toEqual(["m-5"]);
  });

  it("a store that cannot be reached runs nothing: store_unavailable, retryable, reported", async () => {
    runs = [];
    claims = new TestClaims();
    claims.fail = new Error("connect ECONNREFUSED 127.0.0.1:5432");
    const reported: unknown[] = [];
    const [a] = await instances("ws-down", undefined, { onError: (e) => reported.push(e) });
    const r = await send(a.url, "m-6", "x");
    expect(r.error?.code).toBe(-32603);
    expect(r.error?.data).toEqual({ code: "store_unavailable", retryable: true });
    expect(runs).toEqual([]);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeInstanceOf(MoleculeError);
    expect((reported[0] as MoleculeError).code).toBe("store_unavailable");
    expect((reported[0] as MoleculeError).retryable).toBe(true);
    claims.fail = undefined;
    expect(textOf(await send(a.url, "m-6", "x"))).toBe("answer 1: x");
  });

  it("a message dead-lettered by the store gets delivery_limit and is not run", async () => {
    runs = [];
    claims = new TestClaims(1);
    const [a, b] = await instances("ws-dead", (m) => {
      runs.push(m.messageId);
      throw new Error("crash");
    });
    await send(a.url, "m-7", "x");
    const dead = await send(b.url, "m-7", "x");
    expect(dead.error?.data).toEqual({ code: "delivery_limit", retryable: false, deliveries: 1 });
    expect(runs).toEqual(["m-7"]);
  });

  it("a handler's Message is answered as is; its resend on the other instance gets its text", async () => {
    runs = [];
    claims = new TestClaims();
    const [a, b] = await instances("ws-message", (m) => {
      runs.push(m.messageId);
      return {
        kind: "message",
        messageId: "answer-1",
        role: "agent",
        parts: [{ kind: "text", text: "as a message" }],
      };
    });
    const first = await send(a.url, "m-10", "x");
    expect(first.result).toMatchObject({ kind: "message", messageId: "answer-1" });
    expect(textOf(await send(b.url, "m-10", "x"))).toBe("as a message");
    expect(runs).toEqual(["m-10"]);
  });

  it("an answer that cannot be stored is still sent, and reported (store_unavailable)", async () => {
    runs = [];
    claims = new TestClaims();
    const reported: unknown[] = [];
    const [a] = await instances("ws-settle", undefined, { onError: (e) => reported.push(e) });
    const claimPush = claims.claimPush.bind(claims);
    claims.claimPush = async (...args) => {
      const r = await claimPush(...args);
      if (r.status !== "claimed") return r;
      return { status: "claimed", claim: { ...r.claim, settle: failedSettle } };
    };
    expect(textOf(await send(a.url, "m-11", "x"))).toBe("answer 1: x");
    expect(reported).toHaveLength(1);
    expect((reported[0] as MoleculeError).code).toBe("store_unavailable");
    expect((reported[0] as Error).message).toMatch(/could not settle message m-11/);
  });

  it("streaming and non-blocking sends are not claimed", async () => {
    runs = [];
    claims = new TestClaims();
    const [a] = await instances("ws-tasks", undefined, { streaming: true });
    const bg = await send(a.url, "m-8", "bg", "message/send", { blocking: false });
    expect(bg.result?.kind).toBe("task");
    const res = await fetch(a.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "message/stream",
        params: {
          message: {
            kind: "message",
            messageId: "m-9",
            role: "user",
            parts: [{ kind: "text", text: "s" }],
          },
        },
      }),
    });
    await res.text();
    expect(claims.calls).toBe(0);
  });

  it("claims without a workspaceId is refused when the handler is built", () => {
    expect(() =>
      createA2AHandler({
        pathSecret: false,
        agentCard: { name: "x" },
        claims: new TestClaims(),
        onMessage: () => "",
      }),
    ).toThrow(/claims needs workspaceId/);
    expect(() =>
      createA2AHandler({
        pathSecret: false,
        agentCard: { name: "x" },
        workspaceId: "w",
        claims: {} as PushClaimStore,
        onMessage: () => "",
      }),
    ).toThrow(/claims must have a claimPush method/);
  });
});

describe("claims through the platform's proxy", () => {
  it("a resend of the same message through the proxy to another instance is answered once", async () => {
    runs = [];
    claims = new TestClaims();
    const ws = await emu.admin.createWorkspace({ name: "claimed" });
    const token = ws.token ?? (await emu.admin.createToken(ws.id));
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token });
    const [a, b] = await instances(ws.id);
    // Each delivery lands on another instance (as behind a load balancer): registered in turn.
    const proxied = async (url: string) => {
      await client.register({ url, agentCard: { name: "claimed" } });
      // The canvas route needs a bearer on August 2026: the admin token, as the canvas sends.
      const canvas = `${emu.url}/workspaces/${ws.id}/a2a`;
      return await send(canvas, "m-proxy", "via proxy", undefined, undefined, emu.adminToken);
    };
    const first = await proxied(a.url);
    const again = await proxied(b.url);
    expect(textOf(first)).toContain("answer 1: via proxy");
    expect(textOf(again)).toBe(textOf(first));
    expect(runs).toEqual(["via proxy"]);
    await client.close();
  });
});

describe("createPeerRequestHandler with claims", () => {
  const listening: Server[] = [];
  afterEach(async () => {
    await Promise.all(listening.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it("two instances (node:http) answer a resend once, keyed by the client's workspace", async () => {
    runs = [];
    claims = new TestClaims();
    const serve = async (): Promise<string> => {
      const handler = createPeerRequestHandler({
        client: { workspaceId: "ws-peer-request" },
        pathSecret: false,
        claims,
        handler: (m) => {
          runs.push(m.text);
          return `answer ${runs.length}: ${m.text}`;
        },
      });
      const server = createServer((req, res) => void handler.handleNode(req, res));
      listening.push(server);
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    };
    const [a, b] = [await serve(), await serve()];
    const first = await send(a, "m-pr", "hello");
    const again = await send(b, "m-pr", "hello");
    expect(textOf(first)).toBe("answer 1: hello");
    expect(textOf(again)).toBe(textOf(first));
    expect(runs).toEqual(["hello"]);
    expect([...claims.rows.keys()][0]).toMatch(/^ws-peer-request\n/);
  });
});
