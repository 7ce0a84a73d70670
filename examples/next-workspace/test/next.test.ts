// The Next.js app under `next build && next start`, with a workspace in a Node.js runtime route and
// another in an edge runtime route (`runtime = "edge"`, core's edge build), each registered with
// the emulator by the deploy step (scripts/register.ts): a peer's call answered through the
// platform's proxy, the route's own `callPeer` and peer tools answered, and a Vercel Cron route's
// heartbeat keeping it online past the liveness window. The build runs without any Molecule
// environment: nothing is built at module scope. One build and one `next start` for the file.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { generatePathSecret, type PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@internal/test-utils";
import { baseEnv, build, root, run, start, workspace, type NextServer } from "./next-fixture.js";

const cronSecret = generatePathSecret();

let emu: Emulator;
let server: NextServer | undefined;
let appUrl: string;
let app: { id: string; client: PlatformClient };
let edgeApp: { id: string; client: PlatformClient };
let edgeSecret: string;
let peerHandled = 0; // messages the peer's handler ran
let buildOutput: string;
let peer: { id: string; client: PlatformClient; agent: RemoteAgent<PlatformClient> };

const status = async (w = app) => (await w.client.getState()).status;

async function ask(text: string, to = app): Promise<string> {
  const r = await peer.client.callPeer(to.id, text);
  if (r.status === "queued") throw new Error("the call was queued");
  expect(r.status).toBe("completed");
  return r.text;
}

beforeAll(async () => {
  // The build sees no Molecule environment at all.
  buildOutput = await build();
  // The app and the peer listen on 127.0.0.1, which the real server would refuse to register.
  emu = await startEmulator({ lenientAgentUrls: true });
  app = await workspace(emu, "next-app");
  edgeApp = await workspace(emu, "next-app-edge");
  edgeSecret = generatePathSecret();
  const p = await workspace(emu, "peer");
  const agent = new RemoteAgent({
    client: p.client,
    handler: (msg) => {
      peerHandled++;
      return `pong: ${msg.text}`;
    },
    logger: {},
    delivery: { mode: "push", port: 0 },
  });
  await agent.start();
  peer = { ...p, agent };
  const env = {
    MOLECULE_PLATFORM_URL: emu.url,
    MOLECULE_WORKSPACE_ID: app.id,
    MOLECULE_WORKSPACE_TOKEN: await emu.admin.createToken(app.id),
    MOLECULE_PATH_SECRET: generatePathSecret(),
    CRON_SECRET: cronSecret,
    MOLECULE_EDGE_WORKSPACE_ID: edgeApp.id,
    MOLECULE_EDGE_WORKSPACE_TOKEN: await emu.admin.createToken(edgeApp.id),
    MOLECULE_EDGE_PATH_SECRET: edgeSecret,
  };
  server = await start(env);
  appUrl = server.url;
  // The deploy step, as documented: node scripts/register.ts.
  await run(process.execPath, ["scripts/register.ts"], { ...baseEnv(), ...env, APP_URL: appUrl });
  await run(process.execPath, ["scripts/register.ts", "edge"], {
    ...baseEnv(),
    ...env,
    APP_URL: appUrl,
  });
}, 400_000);

afterAll(async () => {
  await server?.stop();
  await peer?.agent.stop();
  await peer?.client.close();
  await app?.client.close();
  await edgeApp?.client.close();
  await emu?.close();
});

describe("the cron routes with CRON_SECRET unset (issue 59)", () => {
  it("refuse `Bearer undefined`, no bearer and any other, Node.js and edge, send no heartbeat, and say what to set", async () => {
    const open = await start({
      MOLECULE_PLATFORM_URL: emu.url,
      MOLECULE_WORKSPACE_ID: app.id,
      MOLECULE_WORKSPACE_TOKEN: await emu.admin.createToken(app.id),
      MOLECULE_PATH_SECRET: generatePathSecret(),
      MOLECULE_EDGE_WORKSPACE_ID: edgeApp.id,
      MOLECULE_EDGE_WORKSPACE_TOKEN: await emu.admin.createToken(edgeApp.id),
      MOLECULE_EDGE_PATH_SECRET: generatePathSecret(),
    });
    try {
      const beats = () => emu.heartbeats(app.id).length + emu.heartbeats(edgeApp.id).length;
      const before = beats();
      const statuses: number[] = [];
      for (const route of ["molecule-heartbeat", "molecule-edge-heartbeat"]) {
        for (const headers of [
          { authorization: "Bearer undefined" },
          { authorization: "Bearer " },
          {} as Record<string, string>,
          { authorization: `Bearer ${cronSecret}` },
        ]) {
          const res = await fetch(`${open.url}/api/${route}`, { headers });
          statuses.push(res.status);
          await res.text();
        }
      }
      expect(statuses).toEqual(Array(8).fill(503));
      expect(beats()).toBe(before);
      await waitFor(() => open.output().includes("CRON_SECRET is not set"), { timeoutMs: 30_000 });
    } finally {
      await open.stop();
    }
  });
});

describe("a workspace in a Next.js app (next build && next start, Node.js runtime)", () => {
  it("answers a peer's call through the platform's proxy", async () => {
    expect(await ask("hello from a peer")).toContain("echo: hello from a peer");
  });

  it("calls a peer itself (callPeer from the route) and answers with the peer's reply", async () => {
    const text = await ask(`ask ${peer.id}: are you there?`);
    expect(text).toContain("peer answered:");
    expect(text).toContain("pong: are you there?");
  });

  it("builds its peer tools per message and runs them", async () => {
    const text = await ask("tools");
    expect(text).toMatch(/call_peer\S*: /);
    expect(text).toContain("pong: ping");
  });

  it("the cron route refuses a request without CRON_SECRET and sends no heartbeat", async () => {
    const before = emu.heartbeats(app.id).length;
    const res = await fetch(`${appUrl}/api/molecule-heartbeat`, {
      headers: { authorization: "Bearer wrong" },
    });
    expect(res.status).toBe(401);
    await res.text();
    expect(emu.heartbeats(app.id).length).toBe(before);
  });

  it("stays online past the liveness window on the Vercel Cron route's heartbeat", async () => {
    const cron = async () => {
      const before = emu.heartbeats(app.id).length;
      const res = await fetch(`${appUrl}/api/molecule-heartbeat`, {
        headers: { authorization: `Bearer ${cronSecret}` },
      });
      expect(res.status).toBe(200);
      await res.text();
      expect(emu.heartbeats(app.id).length).toBeGreaterThan(before);
    };
    await cron();
    for (let minute = 0; minute < 3; minute++) {
      emu.advanceClock(60_000);
      expect(await status()).toBe("online");
      await cron();
    }
    emu.advanceClock(91_000);
    expect(await status()).toBe("offline");
    expect(await ask("while offline")).toContain("echo: while offline");
    await cron();
    expect(await status()).toBe("online");
  });
});

/** A Vercel Cron call of the edge route's heartbeat; the heartbeat reached the platform. */
async function edgeCron(): Promise<void> {
  const before = emu.heartbeats(edgeApp.id).length;
  const res = await fetch(`${appUrl}/api/molecule-edge-heartbeat`, {
    headers: { authorization: `Bearer ${cronSecret}` },
  });
  expect(res.status).toBe(200);
  await res.text();
  expect(emu.heartbeats(edgeApp.id).length).toBeGreaterThan(before);
}

describe('the same workspace in an edge route (`runtime = "edge"`, core\'s edge build)', () => {
  it("is built for the edge runtime (Next's edge functions list its push and cron routes)", async () => {
    const manifest = JSON.parse(
      await readFile(join(root, ".next", "server", "middleware-manifest.json"), "utf8"),
    ) as { functions: Record<string, unknown> };
    expect(Object.keys(manifest.functions).sort()).toEqual([
      "/api/molecule-edge-heartbeat/route",
      "/api/molecule-edge/[...path]/route",
    ]);
  });

  it("builds without a Node.js module or API in the edge bundles (Next warns of each one)", () => {
    expect(buildOutput).toContain("/api/molecule-edge/[...path]");
    expect(buildOutput).not.toMatch(/A Node\.js (module is loaded|API is used)/);
  });

  it("answers a peer's call through the platform's proxy", async () => {
    expect(await ask("hello from a peer", edgeApp)).toContain("echo: hello from a peer");
  });

  it("calls a peer itself (callPeer from the edge route) and answers with the peer's reply", async () => {
    const text = await ask(`ask ${peer.id}: are you there?`, edgeApp);
    expect(text).toContain("peer answered:");
    expect(text).toContain("pong: are you there?");
  });

  it("builds its peer tools per message in the edge route and runs them", async () => {
    const text = await ask("tools", edgeApp);
    expect(text).toMatch(/call_peer\S*: /);
    expect(text).toContain("pong: ping");
  });

  it("refuses a push to a wrong path secret (or the Node route's) and runs no handler", async () => {
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "message/send",
      params: {
        message: {
          kind: "message",
          messageId: "m-attack",
          role: "user",
          parts: [{ kind: "text", text: "tools" }],
        },
      },
    });
    const handled = peerHandled;
    for (const secret of [generatePathSecret(), edgeSecret.slice(0, -1), "x"]) {
      const res = await fetch(`${appUrl}/api/molecule-edge/${secret}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain("pong");
    }
    // No handler ran: one running "tools" would have called the peer.
    expect(peerHandled).toBe(handled);
  });

  it("the edge cron route refuses a request without CRON_SECRET and sends no heartbeat", async () => {
    const before = emu.heartbeats(edgeApp.id).length;
    const res = await fetch(`${appUrl}/api/molecule-edge-heartbeat`, {
      headers: { authorization: "Bearer wrong" },
    });
    expect(res.status).toBe(401);
    await res.text();
    expect(emu.heartbeats(edgeApp.id).length).toBe(before);
  });

  it("stays online past the liveness window on the edge cron route's heartbeat", async () => {
    await edgeCron();
    expect(await status(edgeApp)).toBe("online");
    for (let minute = 0; minute < 3; minute++) {
      emu.advanceClock(60_000);
      expect(await status(edgeApp)).toBe("online");
      await edgeCron();
    }
    emu.advanceClock(91_000);
    expect(await status(edgeApp)).toBe("offline");
    expect(await ask("while offline", edgeApp)).toContain("echo: while offline");
    await edgeCron();
    expect(await status(edgeApp)).toBe("online");
  });
});

// The same build on the August-2026 platform (the server users run today): every workspace lands
// under the seeded Org Concierge (offline, no URL), which is then one of the routes' peers.
describe("both routes on the August-2026 platform (the same build, its own next start)", () => {
  let august: Emulator;
  let augustServer: NextServer | undefined;
  const routes: Record<"node" | "edge", { id: string; client: PlatformClient }> = {} as never;
  let caller: { id: string; client: PlatformClient; agent: RemoteAgent<PlatformClient> };

  beforeAll(async () => {
    august = await startEmulator({ compat: "2026-08", lenientAgentUrls: true });
    routes.node = await workspace(august, "next-app");
    routes.edge = await workspace(august, "next-app-edge");
    const p = await workspace(august, "peer");
    const agent = new RemoteAgent({
      client: p.client,
      handler: (msg) => `pong: ${msg.text}`,
      logger: {},
      delivery: { mode: "push", port: 0 },
    });
    await agent.start();
    caller = { ...p, agent };
    const env = {
      MOLECULE_PLATFORM_URL: august.url,
      MOLECULE_WORKSPACE_ID: routes.node.id,
      MOLECULE_WORKSPACE_TOKEN: await august.admin.createToken(routes.node.id),
      MOLECULE_PATH_SECRET: generatePathSecret(),
      CRON_SECRET: cronSecret,
      MOLECULE_EDGE_WORKSPACE_ID: routes.edge.id,
      MOLECULE_EDGE_WORKSPACE_TOKEN: await august.admin.createToken(routes.edge.id),
      MOLECULE_EDGE_PATH_SECRET: generatePathSecret(),
    };
    augustServer = await start(env);
    const deploy = { ...baseEnv(), ...env, APP_URL: augustServer.url };
    await run(process.execPath, ["scripts/register.ts"], deploy);
    await run(process.execPath, ["scripts/register.ts", "edge"], deploy);
  }, 120_000);

  afterAll(async () => {
    await augustServer?.stop();
    await caller?.agent.stop();
    await caller?.client.close();
    await routes.node?.client.close();
    await routes.edge?.client.close();
    await august?.close();
  });

  async function askAugust(text: string, route: "node" | "edge"): Promise<string> {
    const r = await caller.client.callPeer(routes[route].id, text);
    if (r.status !== "completed") throw new Error(`${r.status}:\n${augustServer?.output()}`);
    return r.text;
  }

  it.each(["node", "edge"] as const)(
    "the %s route answers a peer, calls a peer itself and runs its peer tools (the Org Concierge's too)",
    async (route) => {
      expect(await askAugust("hello from a peer", route)).toContain("echo: hello from a peer");
      const asked = await askAugust(`ask ${caller.id}: are you there?`, route);
      expect(asked).toContain("pong: are you there?");
      const tools = await askAugust("tools", route);
      expect(tools).toContain("pong: ping");
      expect(tools).toMatch(/call_org_concierge\S*: /);
    },
  );

  it.each([
    ["node", "molecule-heartbeat"],
    ["edge", "molecule-edge-heartbeat"],
  ] as const)(
    "the %s route stays online past the liveness window on its cron route's heartbeat",
    async (route, path) => {
      const { id, client } = routes[route];
      for (let minute = 0; minute < 3; minute++) {
        const before = august.heartbeats(id).length;
        const res = await fetch(`${augustServer!.url}/api/${path}`, {
          headers: { authorization: `Bearer ${cronSecret}` },
        });
        expect(res.status).toBe(200);
        await res.text();
        expect(august.heartbeats(id).length).toBeGreaterThan(before);
        august.advanceClock(60_000);
        expect((await client.getState()).status).toBe("online");
      }
    },
  );
});
