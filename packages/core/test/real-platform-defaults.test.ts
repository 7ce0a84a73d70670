// SDK defaults that work on the real April-2026 server: local id validation, the `q` filter
// fallback, the delete 500 that still removed, the registered-URL read-back, the stale-URL 404.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AdminClient } from "../src/public/admin.js";
import { derivePathSecret, startA2AServer } from "../src/public/a2a.js";
import {
  isMoleculeError,
  MoleculeNotFoundError,
  MoleculePeerError,
  PlatformClient,
  RemoteAgent,
} from "../src/index.js";

const ID = "5ad841ef-bafe-4f6b-ba79-632fc76e330b";
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** A fake platform on 127.0.0.1 that records every request line. */
async function fakePlatform(route: Route): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    req.on("end", () => route(req, res));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

const peers = [
  { id: "11111111-1111-4111-8111-111111111111", name: "Researcher", role: null },
  { id: "22222222-2222-4222-8222-222222222222", name: "writer", role: "Drafts SUMMARIES" },
  { id: "33333333-3333-4333-8333-333333333333", name: "critic", role: "reviews" },
];

/** The peers route of a platform whose `q` filter crashes (500, empty body) like the real one. */
function peersRoute(baseline: boolean): Route {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname.endsWith("/activity")) {
      // The capability probe: 200 on the baseline, 410 on a server with cursors.
      return json(res, baseline ? 200 : 410, baseline ? [] : { error: "cursor expired" });
    }
    if (url.pathname.endsWith("/events/stream")) return json(res, 404, { error: "no" });
    if (url.searchParams.has("q")) return void res.writeHead(500).end();
    json(res, 200, peers);
  };
}

describe("workspace ids are checked locally", () => {
  it("a malformed id is invalid_argument before any request; an uppercase UUID is lowercased", async () => {
    const platform = await fakePlatform((_req, res) => json(res, 500, { error: "failed" }));
    expect(() => new PlatformClient({ platformUrl: platform.url, workspaceId: "ws-1" })).toThrow(
      /workspaceId must be a UUID .*got "ws-1"/,
    );
    const client = new PlatformClient({
      platformUrl: platform.url,
      workspaceId: ID.toUpperCase(),
      token: "t0ken-t0ken-t0ken",
    });
    expect(client.workspaceId).toBe(ID);
    const admin = new AdminClient({ platformUrl: platform.url, adminToken: "admin-s3cret" });
    cleanups.push(
      () => client.close(),
      () => admin.close(),
    );
    // Each call's refusal is caught as it is made: one awaited while a later one already failed
    // would leave that one unhandled for a moment.
    const calls = [
      client.callPeer("not-a-uuid", "hi"),
      client.discoverPeer("peer-1"),
      client.delegate("x", "task"),
      client.getWorkspace("1234"),
      client.revokeToken("tok"),
      admin.deleteWorkspace("not-a-uuid"),
      admin.pause(""),
      admin.setSecrets("w", { A: "1" }),
      admin.createExternalWorkspace({ name: "child", parentId: "parent" }),
    ].map((call) => call.catch((e: unknown) => e));
    for (const call of calls) {
      const err = await call;
      expect(isMoleculeError(err, "invalid_argument") ? "invalid_argument" : String(err)).toBe(
        "invalid_argument",
      );
      expect((err as { retryable: boolean }).retryable).toBe(false);
    }
    expect(platform.seen).toEqual([]);
  });

  it("a token pasted as an id is not quoted back", () => {
    const token = "Oz3SpUi3abcdefghijklmnopqrstuvwxyz0123456";
    let message = "";
    try {
      void new PlatformClient({ platformUrl: "http://127.0.0.1:9", workspaceId: token });
    } catch (err) {
      message = String(err);
    }
    expect(message).toMatch(/got a 41-character string/);
    expect(message).not.toContain(token);
  });
});

describe("listPeers({ q })", () => {
  it("filters locally on the April-2026 platform and never sends q there", async () => {
    const platform = await fakePlatform(peersRoute(true));
    const client = new PlatformClient({ platformUrl: platform.url, workspaceId: ID, token: "t" });
    cleanups.push(() => client.close());
    expect((await client.listPeers({ q: "summar" })).map((p) => p.name)).toEqual(["writer"]);
    expect((await client.listPeers({ q: "RESEARCH" })).map((p) => p.name)).toEqual(["Researcher"]);
    expect(await client.listPeers({ q: "zzz" })).toEqual([]);
    expect(platform.seen.filter((l) => l.includes("q="))).toEqual([]);
  });

  it("falls back to the local filter when a newer platform answers 500 to q", async () => {
    const platform = await fakePlatform(peersRoute(false));
    const client = new PlatformClient({ platformUrl: platform.url, workspaceId: ID, token: "t" });
    cleanups.push(() => client.close());
    expect((await client.listPeers({ q: "crit" })).map((p) => p.name)).toEqual(["critic"]);
    expect(platform.seen.filter((l) => l.includes("q=crit"))).toHaveLength(1);
  });

  it("against the 2026-04 emulator: a peer without a role does not break q", async () => {
    const emu = await startEmulator({ compat: "2026-04" });
    cleanups.push(() => emu.close());
    const root = await emu.admin.createWorkspace({ name: "root-one" });
    await emu.admin.createWorkspace({ name: "no-role-sibling" });
    await emu.admin.createWorkspace({ name: "analyst", role: "Numbers" });
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: root.id,
      token: root.token!,
    });
    cleanups.push(() => client.close());
    expect((await client.listPeers({ q: "numb" })).map((p) => p.name)).toEqual(["analyst"]);
    expect((await client.listPeers({ q: "no-role" })).map((p) => p.name)).toEqual([
      "no-role-sibling",
    ]);
  });
});

describe("AdminClient.deleteWorkspace", () => {
  it("counts `500 workspace marked removed, but N stop call(s) failed` as removed, with a warning", async () => {
    const platform = await fakePlatform((req, res) =>
      req.url?.includes("11111111")
        ? json(res, 500, {
            error:
              "workspace marked removed, but 1 stop call(s) failed: Cannot connect to the Docker daemon",
          })
        : json(res, 500, { error: "failed to delete" }),
    );
    const warnings: string[] = [];
    const admin = new AdminClient({
      platformUrl: platform.url,
      adminToken: "admin-s3cret",
      logger: { warn: (m: string) => warnings.push(m) },
    });
    cleanups.push(() => admin.close());
    await expect(admin.deleteWorkspace(peers[0]!.id)).resolves.toBeUndefined();
    expect(warnings.join("\n")).toMatch(/removed the workspace but could not stop its containers/);
    const err = await admin.deleteWorkspace(peers[1]!.id).catch((e: unknown) => e);
    expect(isMoleculeError(err)).toBe(true);
    expect((err as { status: number }).status).toBe(500);
  });
});

describe("push delivery on the April-2026 platform", () => {
  let emu: Emulator;
  beforeAll(async () => {
    // The sticky-URL case needs a stored http://127.0.0.1 URL, which only the lenient register
    // rule accepts (the strict emulator's opt-in; the default before it).
    emu = await startEmulator({ compat: "2026-04", ...({ lenientAgentUrls: true } as object) });
  });
  afterAll(async () => await emu.close());

  it("the push path secret is derived from the token: the same in every run", async () => {
    const ws = await emu.admin.createWorkspace({ name: "stable" });
    const a = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! });
    const b = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! });
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const secret = await a.pushPathSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await b.pushPathSecret()).toBe(secret);
    expect(secret).not.toContain(ws.token!);
    expect(derivePathSecret("other-token", `molecule-push-path-secret:v1:${ws.id}`)).not.toBe(
      secret,
    );
    const agent = new RemoteAgent({ client: a, delivery: "push", handler: () => "ok" });
    cleanups.push(() => agent.stop());
    await agent.start();
    expect(agent.pushUrl).toMatch(new RegExp(`^http://localhost:\\d+/${secret}$`));
    expect((await a.getWorkspace()).url).toBe(agent.pushUrl);
  });

  it("throws push_url_not_held when the platform keeps an http://127.0.0.1 URL on re-register", async () => {
    const ws = await emu.admin.createWorkspace({ name: "sticky" });
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token!,
    });
    cleanups.push(() => client.close());
    const old = "http://127.0.0.1:9/Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eA";
    await client.register({ url: old, agentCard: { name: "sticky" } });
    const agent = new RemoteAgent({ client, delivery: "push", handler: () => "ok" });
    cleanups.push(() => agent.stop());
    const err = await agent.start().catch((e: unknown) => e);
    expect(isMoleculeError(err, "push_url_not_held") ? "push_url_not_held" : String(err)).toBe(
      "push_url_not_held",
    );
    const message = (err as Error).message;
    expect(message).toContain("http://127.0.0.1:9/<secret>");
    expect(message).toMatch(
      /keeps an existing http:\/\/127\.0\.0\.1… URL when a workspace re-registers/,
    );
    expect(message).toMatch(/port: 9, pathSecret/);
    expect(message).not.toContain("Zm9vYmFy");
    expect(agent.pushUrl).toBeUndefined(); // its server is closed
  });

  it("a call to a peer whose held URL it no longer serves is a stale URL, not a missing peer", async () => {
    const target = await emu.admin.createWorkspace({ name: "restarted" });
    const caller = await emu.admin.createWorkspace({ name: "caller" });
    // The peer serves another secret than the one the platform holds (it restarted).
    const server = await startA2AServer({
      agentCard: { name: "restarted" },
      onMessage: () => "hi",
    });
    cleanups.push(() => server.close());
    const stale = server.url.replace(/[^/]+$/, "a".repeat(43));
    const t = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: target.id,
      token: target.token!,
    });
    const c = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: caller.id,
      token: caller.token!,
    });
    cleanups.push(
      () => t.close(),
      () => c.close(),
    );
    await t.register({ url: stale, agentCard: { name: "restarted" } });
    const err = await c.callPeer(target.id, "hello").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoleculePeerError);
    expect(err).not.toBeInstanceOf(MoleculeNotFoundError);
    expect((err as MoleculePeerError).code).toBe("peer_url_stale");
    expect((err as Error).message).not.toMatch(/does not exist/);
    expect((err as Error).message).toMatch(/its own endpoint answered 404/);
    // The real URL answers.
    await t.register({ url: server.url, agentCard: { name: "restarted" } });
    expect(await c.callPeer(target.id, "hello")).toMatchObject({ text: "hi" });
  });
});
