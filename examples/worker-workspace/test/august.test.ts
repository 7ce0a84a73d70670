// The Worker under `wrangler dev` on the August-2026 platform (the server users run today),
// registered as a deploy step would: every workspace lands under the seeded Org Concierge
// (offline, no URL), which is then one of its peers; the platform's pushes are answered, the
// Worker calls a peer itself, runs its peer tools, and its Cron Trigger heartbeat keeps it online.
import { generatePathSecret, type PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDatabase, startWrangler, workspace, type Wrangler } from "./fixture.js";

let emu: Emulator;
let db: Awaited<ReturnType<typeof startDatabase>> | undefined;
let wrangler: Wrangler | undefined;
let worker: { id: string; client: PlatformClient };
let peer: { id: string; client: PlatformClient; agent: RemoteAgent<PlatformClient> };

/** The text of a peer call's answer (never queued here: the Worker answers at once). */
async function ask(text: string): Promise<string> {
  const r = await peer.client.callPeer(worker.id, text);
  if (r.status !== "completed") throw new Error(`${r.status}:\n${wrangler?.output()}`);
  return r.text;
}

beforeAll(async () => {
  // The Worker and the peer listen on 127.0.0.1, which the real server would refuse to register.
  emu = await startEmulator({ compat: "2026-08", lenientAgentUrls: true });
  db = await startDatabase();
  worker = await workspace(emu, "worker");
  const p = await workspace(emu, "peer");
  const agent = new RemoteAgent({
    client: p.client,
    handler: (msg) => `pong: ${msg.text}`,
    logger: {},
    delivery: { mode: "push", port: 0 },
  });
  await agent.start();
  peer = { ...p, agent };
  const token = await emu.admin.createToken(worker.id);
  const pathSecret = generatePathSecret();
  wrangler = await startWrangler(
    {
      MOLECULE_PLATFORM_URL: emu.url,
      MOLECULE_WORKSPACE_ID: worker.id,
      MOLECULE_WORKSPACE_TOKEN: token,
      MOLECULE_PATH_SECRET: pathSecret,
    },
    db.url,
  );
  await worker.client.register({
    url: `${wrangler.url}/a2a/${pathSecret}`,
    agentCard: { name: "worker-workspace", description: "A Molecule workspace in a Worker" },
  });
});

afterAll(async () => {
  await wrangler?.stop();
  await peer?.agent.stop();
  await peer?.client.close();
  await worker?.client.close();
  await emu?.close();
  await db?.server.stop();
});

/** Fires the Worker's Cron Trigger once and waits for the heartbeat it sends. */
async function cron(): Promise<void> {
  const before = emu.heartbeats(worker.id).length;
  const res = await fetch(`${wrangler!.url}/__scheduled?cron=*+*+*+*+*`);
  expect(res.status).toBe(200);
  await res.text();
  await expect.poll(() => emu.heartbeats(worker.id).length).toBeGreaterThan(before);
}

describe("a workspace in a Cloudflare Worker on the August-2026 platform", () => {
  it("answers a peer's call through the platform's proxy", async () => {
    expect(await ask("hello from a peer")).toContain("echo: hello from a peer");
  });

  it("calls a peer itself (callPeer out of the Worker) and answers with the peer's reply", async () => {
    const text = await ask(`ask ${peer.id}: are you there?`);
    expect(text).toContain("peer answered:");
    expect(text).toContain("pong: are you there?");
  });

  it("runs its peer tools, the Org Concierge's among them", async () => {
    const text = await ask("tools");
    expect(text).toContain("pong: ping");
    expect(text).toMatch(/call_org_concierge\S*: /);
  });

  it("stays online past the liveness window on its Cron Trigger heartbeat", async () => {
    for (let minute = 0; minute < 3; minute++) {
      await cron();
      emu.advanceClock(60_000);
      expect((await worker.client.getState()).status).toBe("online");
    }
  });
});
