// A redelivered message handled once across Workers: two `wrangler dev` processes (two local
// workerd instances, nothing shared in memory) of one workspace, their claims in one PostgreSQL
// database through their Hyperdrive bindings (createPostgresClaims). The platform's proxy delivers
// a message to one, then the same message (same messageId, same content) to the other: the
// Worker's handler ran once (its call to the peer is counted by the peer) and both answers are the
// same. The same messageId with other content runs; a handler failure releases the claim, so the
// retry on the other Worker runs it again.
import { deliverInTurn, type ResendRig, rpc } from "@internal/test-utils";
import { generatePathSecret, type PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startDatabase, startWrangler, workspace, type Wrangler } from "./fixture.js";

let emu: Emulator;
let db: Awaited<ReturnType<typeof startDatabase>> | undefined;
const wranglers: Wrangler[] = [];
let pathSecret: string;
let worker: { id: string; client: PlatformClient };
let peer: { id: string; client: PlatformClient; agent: RemoteAgent<PlatformClient> };
/** The texts the peer was called with, in order (each is one run of the Worker's handler). */
const peerCalls: string[] = [];
/** Texts the peer fails on (every time, while listed). */
const failing = new Set<string>();

beforeAll(async () => {
  emu = await startEmulator({ lenientAgentUrls: true });
  db = await startDatabase();
  worker = await workspace(emu, "worker");
  const p = await workspace(emu, "peer");
  const agent = new RemoteAgent({
    client: p.client,
    handler: (msg) => {
      peerCalls.push(msg.text);
      if (failing.has(msg.text)) throw new Error("the peer fails");
      return `pong ${peerCalls.length}: ${msg.text}`;
    },
    logger: {},
    onDeadLetter: () => undefined, // the failure test's message, failed on every retry
    delivery: { mode: "push", port: 0 },
  });
  await agent.start();
  peer = { ...p, agent };
  pathSecret = generatePathSecret();
  const vars = {
    MOLECULE_PLATFORM_URL: emu.url,
    MOLECULE_WORKSPACE_ID: worker.id,
    MOLECULE_WORKSPACE_TOKEN: await emu.admin.createToken(worker.id),
    MOLECULE_PATH_SECRET: pathSecret,
  };
  // One after the other: two bundlings at once would double the load of this step.
  wranglers.push(await startWrangler(vars, db.url));
  wranglers.push(await startWrangler(vars, db.url));
});

afterAll(async () => {
  await Promise.all(wranglers.map((w) => w.stop()));
  await peer?.agent.stop();
  await peer?.client.close();
  await worker?.client.close();
  await emu?.close();
  await db?.server.stop();
});

interface RpcAnswer {
  result?: { parts?: { text?: string }[] };
  error?: { code: number; message: string; data?: { code?: string; retryable?: boolean } };
}

/**
 * The platform delivers `text` under `messageId` to Worker `n` (its URL registered, as a load
 * balancer would route it), through its A2A proxy.
 */
async function deliver(n: 0 | 1, messageId: string, text: string): Promise<RpcAnswer> {
  // By name: the emulator, as the real server, keeps a registered http://127.0.0.1 URL.
  const url = `${wranglers[n]!.url.replace("127.0.0.1", "localhost")}/a2a/${pathSecret}`;
  await worker.client.register({ url, agentCard: { name: "worker-workspace" } });
  expect((await emu.admin.getWorkspace(worker.id))["url"]).toBe(url);
  // Through the canvas route, with the bearer the canvas sends (the admin token; August wants it).
  const message = { kind: "message", role: "user", messageId, parts: [{ kind: "text", text }] };
  const proxy = `${emu.url}/workspaces/${worker.id}/a2a`;
  const canvas = { id: messageId, bearer: emu.adminToken };
  return (await rpc(proxy, "message/send", { message }, canvas)) as RpcAnswer;
}

/** Both instances, for the shared scenarios. */
const rig: ResendRig = {
  deliver: (n, messageId, text) => deliver(n, messageId, text),
  get peerId() {
    return peer.id;
  },
  peerCalls,
  failing,
};

describe("a resend handled once across Workers (wrangler dev x2, claims in PostgreSQL)", () => {
  it("the same message delivered to the other Worker gets the first answer; the handler ran once", async () => {
    const r = await deliverInTurn(rig, "resend-1", [
      { to: 0, text: "once" },
      { to: 1, text: "once" },
    ]);
    expect(r.answers[0]).toMatch(/peer answered: .*: once/);
    expect(r.answers[1]).toBe(r.answers[0]);
    expect(r.runs).toEqual([1, 0]);
  });

  it("the same messageId with other content is another message: it runs on the other Worker", async () => {
    const r = await deliverInTurn(rig, "resend-2", [
      { to: 0, text: "one" },
      { to: 1, text: "two" },
    ]);
    expect(r.answers).toEqual([expect.stringContaining(": one"), expect.stringContaining(": two")]);
    expect(r.calls).toEqual(["one", "two"]);
  });

  it("a handler failure releases the claim: the retry on the other Worker runs it again", async () => {
    const d = [
      { to: 0, text: "flaky" },
      { to: 1, text: "flaky" },
    ] as const;
    const r = await deliverInTurn(rig, "resend-3", [...d], true);
    expect(r.answers).toEqual([-32603, expect.stringContaining(": flaky")]);
    expect(r.runs[0]).toBeGreaterThan(0);
    expect(r.runs[1]).toBe(1);
  });

  it("the claim is in the database both Workers share, settled with the answer", async () => {
    const { Client } = await import("pg");
    const c = new Client({ connectionString: db!.url });
    await c.connect();
    try {
      const { rows } = await c.query<{ state: string; deliveries: number; reply: string }>(
        "SELECT state, deliveries, reply FROM molecule_push_claims WHERE workspace_id = $1 AND message_id = 'resend-1'",
        [worker.id],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.state).toBe("done");
      expect(rows[0]!.deliveries).toBe(1);
      expect(rows[0]!.reply).toContain(": once");
    } finally {
      await c.end();
    }
  });

  it("the Cron Trigger deletes settled claims past their retention and keeps the others", async () => {
    const { Client } = await import("pg");
    const c = new Client({ connectionString: db!.url });
    await c.connect();
    const left = async (messageId: string) =>
      (
        await c.query(
          "SELECT 1 FROM molecule_push_claims WHERE workspace_id = $1 AND message_id = $2",
          [worker.id, messageId],
        )
      ).rowCount;
    try {
      await c.query(
        "UPDATE molecule_push_claims SET settled_at = now() - interval '8 days' WHERE workspace_id = $1 AND message_id = 'resend-2'",
        [worker.id],
      );
      expect(await left("resend-2")).toBe(2);
      const res = await fetch(`${wranglers[0]!.url}/__scheduled?cron=*+*+*+*+*`);
      expect(res.status).toBe(200);
      // The deletion is the scheduled event's waitUntil work: it may end after the response.
      await vi.waitFor(async () => expect(await left("resend-2")).toBe(0), { timeout: 30_000 });
      expect(await left("resend-1")).toBe(1);
    } finally {
      await c.end();
    }
  });
});
