// Attacks on a serverless push route (issue #78 item 3): `createPeerRequestHandler` with
// `platformSecret: platformSecretOf(client)` runs only the platform's pushes. A stranger who knows
// the route's URL gets 401 (once the instance knows the secret) or 503 + Retry-After (while it
// cannot learn it), never the handler; the platform's own push, through its proxy, is answered.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { freePort, postAs, STRANGERS } from "@internal/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { AdminClient } from "../src/public/admin.js";
import { createPeerRequestHandler, platformSecretOf } from "../src/adapters/index.js";
import { createA2AHandler } from "../src/public/a2a.js";
import { generatePathSecret, PlatformClient } from "../src/index.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

async function workspace(emu: Emulator, admin: AdminClient) {
  const created = await admin.createExternalWorkspace({ name: `route-${randomUUID()}` });
  const client = new PlatformClient({
    platformUrl: emu.url,
    workspaceId: created.id,
    token: created.token!,
  });
  cleanups.push(() => client.close());
  return { id: created.id, token: created.token!, client };
}

async function platform() {
  const emu = await startEmulator({ compat: "2026-08" });
  cleanups.push(() => emu.close());
  const admin = new AdminClient({ platformUrl: emu.url, adminToken: emu.adminToken });
  cleanups.push(() => admin.close());
  return { emu, admin };
}

/** Serves `handle` on a free port; resolves with its base URL. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const port = await freePort();
  const server: Server = createServer(handle);
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  cleanups.push(() => server.closeAllConnections());
  return `http://localhost:${port}`;
}

describe("createPeerRequestHandler with platformSecret: platformSecretOf(client)", () => {
  it("a fresh instance learns the secret from the platform: strangers get 401, the platform's push runs", async () => {
    const { emu, admin } = await platform();
    const ws = await workspace(emu, admin);
    const pathSecret = generatePathSecret();
    const ran: string[] = [];
    // A fresh route instance: its client has never registered nor heartbeaten.
    const route = createPeerRequestHandler({
      client: ws.client,
      basePath: "/api/molecule",
      pathSecret,
      platformSecret: platformSecretOf(ws.client),
      handler: (m) => {
        ran.push(m.text);
        return `acted as the workspace: ${m.text}`;
      },
    });
    cleanups.push(() => route.close());
    const base = await serve((req, res) => void route.handleNode(req, res));
    const url = `${base}/api/molecule/${pathSecret}`;
    // The deploy step registers the route (another process: this instance's client learns nothing).
    const deploy = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token,
    });
    cleanups.push(() => deploy.close());
    await deploy.register({ url, agentCard: { name: "route" } });

    expect(ws.client.files.inboundSecret).toBeUndefined();
    for (const a of STRANGERS) {
      const res = await postAs(url, "ask a peer: the secrets", a);
      expect(res.status).toBe(401);
    }
    expect(ran).toEqual([]);
    // The card stays readable (GET, left to the path secret).
    expect((await fetch(`${url}/.well-known/agent-card.json`)).status).toBe(200);
    // Through the platform's proxy: answered.
    const peer = await workspace(emu, admin);
    const answer = await peer.client.callPeer(ws.id, "hello from a peer");
    expect(JSON.stringify(answer)).toContain("acted as the workspace: hello from a peer");
    expect(ran).toEqual(["hello from a peer"]);
  });

  it("while the platform cannot be asked, a POST is refused 503 + Retry-After and runs nothing", async () => {
    const { emu, admin } = await platform();
    const ws = await workspace(emu, admin);
    emu.injectFault({ path: "/registry/heartbeat", status: 500, count: 100 });
    const pathSecret = generatePathSecret();
    const ran: string[] = [];
    const route = createPeerRequestHandler({
      client: ws.client,
      basePath: "/a2a",
      pathSecret,
      platformSecret: platformSecretOf(ws.client),
      handler: (m) => void ran.push(m.text),
    });
    cleanups.push(() => route.close());
    const res = await route(
      new Request(`http://localhost/a2a/${pathSecret}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      }),
    );
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(ran).toEqual([]);
  });
});

describe("createA2AHandler's platformSecret", () => {
  it("an unset environment variable is refused at construction, never an open endpoint", () => {
    for (const secret of ["", undefined as unknown as string]) {
      expect(() =>
        createA2AHandler({
          agentCard: { name: "x" },
          pathSecret: generatePathSecret(),
          platformSecret: secret === undefined ? (null as unknown as string) : secret,
          onMessage: () => "ran",
        }),
      ).toThrow(/platformSecret/);
    }
  });

  it("a string secret: its bearer runs, another or none is 401 before the body is read", async () => {
    const pathSecret = generatePathSecret();
    const ran: string[] = [];
    const a2a = createA2AHandler({
      agentCard: { name: "x" },
      pathSecret,
      platformSecret: "the-platform-secret",
      onMessage: (m) => {
        ran.push(JSON.stringify(m.parts));
        return "ran";
      },
    });
    cleanups.push(() => a2a.close());
    const base = await serve((req, res) => void a2a.handleNode(req, res));
    for (const a of STRANGERS)
      expect((await postAs(`${base}/${pathSecret}`, "x", a)).status).toBe(401);
    // A wrong path is a 404 first, whatever its bearer: the path secret is checked before it.
    for (const a of [undefined, "Bearer the-platform-secret"]) {
      expect((await postAs(`${base}/${generatePathSecret()}`, "x", a)).status).toBe(404);
    }
    expect(ran).toEqual([]);
    const ok = await postAs(`${base}/${pathSecret}`, "x", "Bearer the-platform-secret");
    expect(ok.status).toBe(200);
    expect(ran.length).toBe(1);
  });

  it("a task's reads and webhook deletes over HTTP+JSON need the bearer too; only the card is public", async () => {
    const pathSecret = generatePathSecret();
    const a2a = createA2AHandler({
      agentCard: { name: "x" },
      pathSecret,
      platformSecret: "the-platform-secret",
      onMessage: () => "the task's answer",
    });
    cleanups.push(() => a2a.close());
    const base = `${await serve((req, res) => void a2a.handleNode(req, res))}/${pathSecret}`;
    const platform = { authorization: "Bearer the-platform-secret" };
    const sent = await fetch(`${base}/message:send`, {
      method: "POST",
      headers: { "content-type": "application/json", ...platform },
      body: JSON.stringify({
        message: { messageId: randomUUID(), role: "ROLE_USER", parts: [{ text: "hi" }] },
      }),
    });
    expect(sent.status).toBe(200);
    const task = ((await sent.json()) as { task?: { id: string } }).task;
    const id = encodeURIComponent(task?.id ?? "none");
    for (const a of STRANGERS) {
      const headers = a === undefined ? undefined : { authorization: a };
      const read = await fetch(`${base}/tasks/${id}`, { headers });
      expect(read.status).toBe(401);
      expect(await read.text()).not.toContain("the task's answer");
      const drop = await fetch(`${base}/tasks/${id}/pushNotificationConfigs/c1`, {
        method: "DELETE",
        headers,
      });
      expect(drop.status).toBe(401);
    }
    // The card stays public (a caller discovers the agent before it has any bearer).
    expect((await fetch(`${base}/.well-known/agent-card.json`)).status).toBe(200);
    // The platform's bearer passes the check (the task, if the answer made one, or an unknown id).
    const own = await fetch(`${base}/tasks/${id}`, { headers: platform });
    expect([200, 404]).toContain(own.status);
  });
});
