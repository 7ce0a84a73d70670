// A redelivered message across instances of the Next.js app: two `next start` processes of the
// run's one build (test/global-setup.ts), two instances with nothing shared in memory, serving one
// workspace, registered in turn with the emulator as a load balancer would route. The Node.js
// route claims in PostgreSQL (`DATABASE_URL`, lib/claims.ts): the same message (same messageId,
// same content) delivered to the other instance runs the handler once (its call to the peer is
// counted by the peer) and gets the same answer; the same messageId with other content runs; a
// failure releases the claim so a retry runs it again. The edge route has no store (no TCP in the
// edge runtime): a resend is answered once by the same instance and runs again on another one, as
// the README says.
import { deliverInTurn, type ResendRig, rpc } from "@internal/test-utils";
import { generatePathSecret, type PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { start, startDatabase, workspace, type NextServer } from "./next-fixture.js";

let emu: Emulator;
let db: Awaited<ReturnType<typeof startDatabase>> | undefined;
const servers: NextServer[] = [];
let app: { id: string; client: PlatformClient };
let edgeApp: { id: string; client: PlatformClient };
const secret = generatePathSecret();
const edgeSecret = generatePathSecret();
const cronSecret = generatePathSecret();
let peer: { id: string; client: PlatformClient; agent: RemoteAgent<PlatformClient> };
/** The texts the peer was called with, in order (each is one run of a route's handler). */
const peerCalls: string[] = [];
/** Texts the peer fails on (every time, while listed). */
const failing = new Set<string>();

beforeAll(async () => {
  emu = await startEmulator({ lenientAgentUrls: true });
  db = await startDatabase("next_claims");
  app = await workspace(emu, "next-app");
  edgeApp = await workspace(emu, "next-app-edge");
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
  const env = {
    MOLECULE_PLATFORM_URL: emu.url,
    MOLECULE_WORKSPACE_ID: app.id,
    MOLECULE_WORKSPACE_TOKEN: await emu.admin.createToken(app.id),
    MOLECULE_PATH_SECRET: secret,
    MOLECULE_EDGE_WORKSPACE_ID: edgeApp.id,
    MOLECULE_EDGE_WORKSPACE_TOKEN: await emu.admin.createToken(edgeApp.id),
    MOLECULE_EDGE_PATH_SECRET: edgeSecret,
    DATABASE_URL: db.url,
    CRON_SECRET: cronSecret,
  };
  servers.push(await start(env));
  servers.push(await start(env));
}, 400_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await peer?.agent.stop();
  await peer?.client.close();
  await app?.client.close();
  await edgeApp?.client.close();
  await emu?.close();
  await db?.server.stop();
});

interface RpcAnswer {
  result?: { parts?: { text?: string }[] };
  error?: { code: number; message: string };
}

/**
 * The platform delivers `text` under `messageId` to instance `n` of workspace `to` (its route's URL
 * registered, as a load balancer would route it), through its A2A proxy.
 */
async function deliver(
  n: 0 | 1,
  messageId: string,
  text: string,
  to: "node" | "edge" = "node",
): Promise<RpcAnswer> {
  const ws = to === "node" ? app : edgeApp;
  const path = to === "node" ? `/api/molecule/${secret}` : `/api/molecule-edge/${edgeSecret}`;
  // By name: the emulator, as the real server, keeps a registered http://127.0.0.1 URL.
  const url = `${servers[n]!.url.replace("127.0.0.1", "localhost")}${path}`;
  await ws.client.register({ url, agentCard: { name: "next" } });
  expect((await emu.admin.getWorkspace(ws.id))["url"]).toBe(url);
  // Through the canvas route, with the bearer the canvas sends (the admin token; August wants it).
  const message = { kind: "message", role: "user", messageId, parts: [{ kind: "text", text }] };
  const proxy = `${emu.url}/workspaces/${ws.id}/a2a`;
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

const textOf = (a: RpcAnswer) => a.result?.parts?.map((p) => p.text).join("") ?? "";

describe("a resend handled once across Next.js instances (Node.js route, claims in PostgreSQL)", () => {
  it("the same message delivered to the other instance gets the first answer; the handler ran once", async () => {
    const r = await deliverInTurn(rig, "resend-1", [
      { to: 0, text: "once" },
      { to: 1, text: "once" },
    ]);
    expect(r.answers[0]).toMatch(/peer answered: .*: once/);
    expect(r.answers[1]).toBe(r.answers[0]);
    expect(r.runs).toEqual([1, 0]);
  });

  it("the same messageId with other content is another message: it runs on the other instance", async () => {
    const r = await deliverInTurn(rig, "resend-2", [
      { to: 0, text: "one" },
      { to: 1, text: "two" },
    ]);
    expect(r.answers).toEqual([expect.stringContaining(": one"), expect.stringContaining(": two")]);
    expect(r.calls).toEqual(["one", "two"]);
  });

  it("a handler failure releases the claim: the retry on the other instance runs it again", async () => {
    const d = [
      { to: 0, text: "flaky" },
      { to: 1, text: "flaky" },
    ] as const;
    const r = await deliverInTurn(rig, "resend-3", [...d], true);
    expect(r.answers).toEqual([-32603, expect.stringContaining(": flaky")]);
    expect(r.runs[0]).toBeGreaterThan(0);
    expect(r.runs[1]).toBe(1);
  });

  it("the cron route deletes settled claims past their retention and keeps the others", async () => {
    const { Client } = await import("pg");
    const c = new Client({ connectionString: db!.url });
    await c.connect();
    const left = async (messageId: string) =>
      (
        await c.query(
          "SELECT 1 FROM molecule_push_claims WHERE workspace_id = $1 AND message_id = $2",
          [app.id, messageId],
        )
      ).rowCount;
    try {
      await c.query(
        "UPDATE molecule_push_claims SET settled_at = now() - interval '8 days' WHERE workspace_id = $1 AND message_id = 'resend-2'",
        [app.id],
      );
      expect(await left("resend-2")).toBe(2);
      const res = await fetch(`${servers[1]!.url}/api/molecule-heartbeat`, {
        headers: { authorization: `Bearer ${cronSecret}` },
      });
      expect(await res.json()).toEqual({ ok: true, claimsDeleted: 2 });
      expect(await left("resend-2")).toBe(0);
      expect(await left("resend-1")).toBe(1);
    } finally {
      await c.end();
    }
  });
});

describe("the edge route without a store (what the README says it loses)", () => {
  it("answers a resend once on the same instance, and runs it again on another instance", async () => {
    const before = peerCalls.length;
    const first = await deliver(0, "edge-1", `ask ${peer.id}: edge`, "edge");
    const same = await deliver(0, "edge-1", `ask ${peer.id}: edge`, "edge");
    expect(textOf(same)).toBe(textOf(first));
    expect(peerCalls.slice(before)).toEqual(["edge"]);
    const other = await deliver(1, "edge-1", `ask ${peer.id}: edge`, "edge");
    expect(textOf(other)).toContain(": edge");
    expect(peerCalls.slice(before)).toEqual(["edge", "edge"]);
  });
});
