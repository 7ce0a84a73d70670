// A redelivered message across instances of the Next.js app: two `next start` processes of one
// build (two instances, nothing shared in memory) serving one workspace, registered in turn with
// the emulator as a load balancer would route. The Node.js route claims in PostgreSQL
// (`DATABASE_URL`, lib/claims.ts): the same message (same messageId, same content) delivered to
// the other instance runs the handler once (its call to the peer is counted by the peer) and gets
// the same answer; the same messageId with other content runs; a failure releases the claim so a
// retry runs it again. The edge route has no store (no TCP in the edge runtime): a resend is
// answered once by the same instance and runs again on another one, as the README says.
import { sendA2AMessage } from "@internal/test-utils";
import { generatePathSecret, type PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build, start, startDatabase, workspace, type NextServer } from "./next-fixture.js";

let emu: Emulator;
let db: Awaited<ReturnType<typeof startDatabase>> | undefined;
const servers: NextServer[] = [];
let app: { id: string; client: PlatformClient };
let edgeApp: { id: string; client: PlatformClient };
const secret = generatePathSecret();
const edgeSecret = generatePathSecret();
let peer: { id: string; client: PlatformClient; agent: RemoteAgent<PlatformClient> };
/** The texts the peer was called with, in order (each is one run of a route's handler). */
const peerCalls: string[] = [];
/** Texts the peer fails on (every time, while listed). */
const failing = new Set<string>();

beforeAll(async () => {
  await build();
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
  return (await sendA2AMessage(`${emu.url}/workspaces/${ws.id}/a2a`, messageId, text)) as RpcAnswer;
}

const textOf = (a: RpcAnswer) => a.result?.parts?.map((p) => p.text).join("") ?? "";

describe("a resend handled once across Next.js instances (Node.js route, claims in PostgreSQL)", () => {
  it("the same message delivered to the other instance gets the first answer; the handler ran once", async () => {
    const before = peerCalls.length;
    const first = await deliver(0, "resend-1", `ask ${peer.id}: once`);
    const again = await deliver(1, "resend-1", `ask ${peer.id}: once`);
    expect(textOf(first)).toContain("peer answered:");
    expect(textOf(first)).toContain(": once");
    expect(textOf(again)).toBe(textOf(first));
    expect(peerCalls.slice(before)).toEqual(["once"]);
  });

  it("the same messageId with other content is another message: it runs on the other instance", async () => {
    const before = peerCalls.length;
    const first = await deliver(0, "resend-2", `ask ${peer.id}: one`);
    const other = await deliver(1, "resend-2", `ask ${peer.id}: two`);
    expect(textOf(first)).toContain(": one");
    expect(textOf(other)).toContain(": two");
    expect(peerCalls.slice(before)).toEqual(["one", "two"]);
  });

  it("a handler failure releases the claim: the retry on the other instance runs it again", async () => {
    failing.add("flaky");
    const failed = await deliver(0, "resend-3", `ask ${peer.id}: flaky`);
    expect(failed.error?.code).toBe(-32603);
    const calls = peerCalls.filter((t) => t === "flaky").length;
    expect(calls).toBeGreaterThan(0);
    failing.delete("flaky");
    const retried = await deliver(1, "resend-3", `ask ${peer.id}: flaky`);
    expect(textOf(retried)).toContain(": flaky");
    expect(peerCalls.filter((t) => t === "flaky")).toHaveLength(calls + 1);
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
