// The Next.js app under `next build && next start`, with a workspace in a Node.js runtime route and
// another in an edge runtime route (`runtime = "edge"`, core's edge build), each registered with
// the emulator (latest: the August-2026 platform users run today) by the deploy step
// (scripts/register.ts): a peer's call answered through the platform's proxy, the route's own
// `callPeer` and peer tools (the Org Concierge's among them) answered, and a Vercel Cron route's
// heartbeat keeping it online past the liveness window. The build (the run's one, in
// test/global-setup.ts) runs without any Molecule environment: nothing is built at module scope.
// One `next start` for the file (and one more without CRON_SECRET).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { generatePathSecret, type PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { waitFor } from "@internal/test-utils";
import { baseEnv, root, run, start, workspace, type NextServer } from "./next-fixture.js";

const cronSecret = generatePathSecret();
const pathSecret = generatePathSecret();

let emu: Emulator;
let server: NextServer | undefined;
let appUrl: string;
let app: { id: string; client: PlatformClient };
let edgeApp: { id: string; client: PlatformClient };
let edgeSecret: string;
let peerHandled = 0; // messages the peer's handler ran
/** What the run's `next build` printed (test/global-setup.ts): it saw no Molecule environment. */
const buildOutput = inject("buildOutput");
let peer: { id: string; client: PlatformClient; agent: RemoteAgent<PlatformClient> };

const status = async (w = app) => (await w.client.getState()).status;

async function ask(text: string, to = app): Promise<string> {
  const r = await peer.client.callPeer(to.id, text);
  if (r.status === "queued") throw new Error("the call was queued");
  expect(r.status).toBe("completed");
  return r.text;
}

beforeAll(async () => {
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
    MOLECULE_PATH_SECRET: pathSecret,
    CRON_SECRET: cronSecret,
    MOLECULE_EDGE_WORKSPACE_ID: edgeApp.id,
    MOLECULE_EDGE_WORKSPACE_TOKEN: await emu.admin.createToken(edgeApp.id),
    MOLECULE_EDGE_PATH_SECRET: edgeSecret,
  };
  server = await start(env);
  appUrl = server.url;
  // The deploy step, as documented: node scripts/register.ts. By host name, as a deployment's URL
  // is: the platform signs its pushes to a host name (an IP literal only with
  // MOLECULE_A2A_ALWAYS_AUTH), and the routes run only pushes that carry its bearer.
  const APP_URL = appUrl.replace("127.0.0.1", "localhost");
  await run(process.execPath, ["scripts/register.ts"], { ...baseEnv(), ...env, APP_URL });
  await run(process.execPath, ["scripts/register.ts", "edge"], { ...baseEnv(), ...env, APP_URL });
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

describe("a stranger who knows the push routes' URLs (issue #78)", () => {
  it("cannot ask a peer or run the peer tools as the workspace: no bearer, or any but the platform's, is 401 (Node.js and edge)", async () => {
    const handled = peerHandled;
    const token = await emu.admin.createToken(app.id);
    const routes = [
      `${appUrl}/api/molecule/${pathSecret}`,
      `${appUrl}/api/molecule-edge/${edgeSecret}`,
    ];
    for (const url of routes) {
      for (const text of [`ask ${peer.id}: what do you know?`, "tools"]) {
        for (const authorization of [
          undefined,
          "Bearer not-it",
          `Bearer ${cronSecret}`,
          `Bearer ${token}`,
        ]) {
          const res = await fetch(url, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              ...(authorization !== undefined ? { authorization } : {}),
            },
            body: JSON.stringify({
              jsonrpc: "2.0",
              id: 1,
              method: "message/send",
              params: {
                message: {
                  kind: "message",
                  messageId: `m-${Math.random()}`,
                  role: "user",
                  parts: [{ kind: "text", text }],
                },
              },
            }),
          });
          expect(res.status).toBe(401);
          expect(await res.text()).not.toContain("pong");
        }
      }
    }
    // No handler ran: one would have called the peer.
    expect(peerHandled).toBe(handled);
    // The platform's push still runs.
    expect(await ask("hello after the stranger")).toContain("echo: hello after the stranger");
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

  it("builds its peer tools per message and runs them, the Org Concierge's among them", async () => {
    const text = await ask("tools");
    expect(text).toMatch(/call_peer\S*: /);
    expect(text).toContain("pong: ping");
    // Every workspace lands under the seeded Org Concierge (offline, no URL): its tool is built and
    // run like any other (its failure is its answer), never a failed message.
    expect(text).toMatch(/call_org_concierge\S*: /);
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
    // Stale, an external workspace is awaiting its agent on the August-2026 platform (not offline).
    expect(await status()).toBe("awaiting_agent");
    expect(await ask("while stale")).toContain("echo: while stale");
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

  it("builds its peer tools per message in the edge route and runs them, the Org Concierge's among them", async () => {
    const text = await ask("tools", edgeApp);
    expect(text).toMatch(/call_peer\S*: /);
    expect(text).toContain("pong: ping");
    expect(text).toMatch(/call_org_concierge\S*: /);
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
    expect(await status(edgeApp)).toBe("awaiting_agent"); // stale (see the Node.js route's test)
    expect(await ask("while stale", edgeApp)).toContain("echo: while stale");
    await edgeCron();
    expect(await status(edgeApp)).toBe("online");
  });
});
