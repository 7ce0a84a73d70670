// The Worker (src/worker.ts) under `wrangler dev`: the npm `wrangler` package's local workerd, no
// network, bundling core's edge build (`workerd` export condition). Registered with the emulator
// as a deploy step would: a peer's call answered through the platform's proxy, the Worker's own
// `callPeer` and peer tools answered, and the Cron Trigger's heartbeat keeping it online past the
// liveness window (wrangler's `/__scheduled` route, `--test-scheduled`).
import { generatePathSecret, type PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@internal/test-utils";
import { startDatabase, startWrangler, workspace, type Wrangler } from "./fixture.js";

let emu: Emulator;
let db: Awaited<ReturnType<typeof startDatabase>> | undefined;
let wrangler: Wrangler | undefined;
let workerUrl: string;
let pathSecret: string;
let worker: { id: string; client: PlatformClient };
let peer: { id: string; client: PlatformClient; agent: RemoteAgent<PlatformClient> };
let peerHandled = 0; // messages the peer's handler ran

const status = async () => (await worker.client.getState()).status;

/** The text of a peer call's answer (never queued here: the Worker answers at once). */
async function ask(text: string): Promise<string> {
  const r = await peer.client.callPeer(worker.id, text);
  if (r.status === "queued") throw new Error("the call was queued");
  expect(r.status).toBe("completed");
  return r.text;
}

beforeAll(async () => {
  // The Worker and the peer listen on 127.0.0.1, which the real server would refuse to register.
  emu = await startEmulator({ lenientAgentUrls: true });
  db = await startDatabase();
  worker = await workspace(emu, "worker");
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
  const token = await emu.admin.createToken(worker.id);
  pathSecret = generatePathSecret();
  wrangler = await startWrangler(
    {
      MOLECULE_PLATFORM_URL: emu.url,
      MOLECULE_WORKSPACE_ID: worker.id,
      MOLECULE_WORKSPACE_TOKEN: token,
      MOLECULE_PATH_SECRET: pathSecret,
    },
    db.url,
  );
  workerUrl = wrangler.url;
  // The deploy step: register the Worker's push URL once, by host name as a deployment's is (the
  // platform signs its pushes to a host name; to an IP literal only with MOLECULE_A2A_ALWAYS_AUTH).
  await worker.client.register({
    url: `${workerUrl.replace("127.0.0.1", "localhost")}/a2a/${pathSecret}`,
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

/** A message/send asking the Worker to call `peerId` (what a stranger would send). */
const askPeerBody = (peerId: string): string =>
  JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "message/send",
    params: {
      message: {
        kind: "message",
        messageId: "m-stranger",
        role: "user",
        parts: [{ kind: "text", text: `ask ${peerId}: hi` }],
      },
    },
  });

/** A message/send posted straight to the Worker at `path`, not through the platform. */
const sendDirect = (path: string) =>
  fetch(`${workerUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "message/send",
      params: {
        message: {
          kind: "message",
          messageId: "m-1",
          role: "user",
          parts: [{ kind: "text", text: "tools" }],
        },
      },
    }),
  });

describe("a stranger who knows the Worker's push URL (issue #78)", () => {
  it("cannot ask a peer or run the peer tools as the workspace: no bearer, or any but the platform's, is 401", async () => {
    const handled = peerHandled;
    const token = await emu.admin.createToken(worker.id);
    for (const text of [`ask ${peer.id}: what do you know?`, "tools"]) {
      for (const authorization of [undefined, "Bearer not-it", `Bearer ${token}`]) {
        const res = await fetch(`${workerUrl}/a2a/${pathSecret}`, {
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
    expect(peerHandled).toBe(handled); // no handler ran: one would have called the peer
    expect(await ask("hello after the stranger")).toContain("echo: hello after the stranger");
  });
});

describe("a workspace in a Cloudflare Worker (wrangler dev, workerd)", () => {
  it("answers a peer's call through the platform's proxy", async () => {
    expect(await ask("hello from a peer")).toContain("echo: hello from a peer");
  });

  it("refuses a message sent straight to the Worker without the path secret (handler not run)", async () => {
    for (const path of ["/a2a/not-the-secret", "/a2a", "/a2a/"]) {
      const res = await sendDirect(path);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain("pong");
    }
  });

  it("with MOLECULE_PATH_SECRET unset, answers no stranger: every request 503, no peer called, the log says what to set (issue 59)", async () => {
    const handledBefore = peerHandled;
    const open = await startWrangler(
      {
        MOLECULE_PLATFORM_URL: emu.url,
        MOLECULE_WORKSPACE_ID: worker.id,
        MOLECULE_WORKSPACE_TOKEN: await emu.admin.createToken(worker.id),
      },
      db!.url,
    );
    try {
      const statuses: number[] = [];
      for (const path of ["/a2a", "/a2a/", "/a2a/anything", "/a2a/.well-known/agent-card.json"]) {
        const res = await fetch(`${open.url}${path}`, {
          method: path.endsWith(".json") ? "GET" : "POST",
          headers: { "content-type": "application/json" },
          ...(path.endsWith(".json") ? {} : { body: askPeerBody(peer.id) }),
        });
        statuses.push(res.status);
        expect(await res.text()).not.toContain("pong");
      }
      expect(statuses).toEqual([503, 503, 503, 503]);
      expect(peerHandled).toBe(handledBefore); // no peer call was made as the workspace
      await waitFor(() => open.output().includes("MOLECULE_PATH_SECRET is not set"), {
        timeoutMs: 30_000,
      });
    } finally {
      await open.stop();
    }
  });

  it("calls a peer itself (callPeer out of the Worker) and answers with the peer's reply", async () => {
    const text = await ask(`ask ${peer.id}: are you there?`);
    expect(text).toContain("peer answered:");
    expect(text).toContain("pong: are you there?");
  });

  it("builds its peer tools per request and runs them, the Org Concierge's among them", async () => {
    const text = await ask("tools");
    expect(text).toMatch(/call_peer\S*: /);
    expect(text).toContain("pong: ping");
    // Every workspace lands under the seeded Org Concierge (offline, no URL): its tool is built and
    // run like any other (its failure is its answer), never a failed request.
    expect(text).toMatch(/call_org_concierge\S*: /);
  });

  it("stays online past the liveness window on its Cron Trigger heartbeat; awaiting its agent without it, still answers, back online on the next", async () => {
    const cron = async () => {
      const before = emu.heartbeats(worker.id).length;
      const res = await fetch(`${workerUrl}/__scheduled?cron=*+*+*+*+*`);
      expect(res.status).toBe(200);
      await res.text();
      // `waitUntil` work finishes after the response: wait for the heartbeat to arrive.
      await expect.poll(() => emu.heartbeats(worker.id).length).toBeGreaterThan(before);
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
    // Marked so, it is still pushed to (the server does not check the status when it forwards): a
    // call in that window is answered, and the next cron heartbeat recovers it.
    expect(await ask("while stale")).toContain("echo: while stale");
    await cron();
    expect(await status()).toBe("online");
  });
});
