/* oxlint-disable typescript/no-explicit-any */
// The real server's strict rules: agent URLs on register and dispatch, the sticky loopback URL on
// re-register, the recorded 2026-04 oddities, and X-Source-Workspace-Id since 2026-05.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/index.js";
import { emulator, envelope, makeWs, req, startAgent, type Agent, type Ws } from "./helpers.js";

const register = (emu: Emulator, ws: Ws, url: string) =>
  req(emu, "POST", "/registry/register", {
    body: { id: ws.id, url, agent_card: { name: "x" } },
    token: ws.token,
  });

// The older servers' rules (one opaque 400 for every refused URL; any 127.0.0.1 URL sticks):
// 2026-08 answers its URL check's own texts and keeps only a provisioner's URL (compat-2026-08's
// register test).
describe.each(["2026-05", "2026-04"] as const)("agent URL rules (%s)", (compat) => {
  let emu: Emulator;
  let agent: Agent;
  let ws: Ws;
  beforeAll(async () => {
    emu = await emulator({ compat });
    agent = await startAgent();
    ws = await makeWs(emu, "strict", { url: agent.url });
  });
  afterAll(async () => {
    await emu.close();
    await agent.close();
  });

  it.each([
    "http://127.0.0.1:8000/a2a",
    "http://127.1.2.3/a2a",
    "http://[::1]:8000/a2a",
    "http://10.0.0.5/a2a",
    "http://172.16.4.4/a2a",
    "http://192.168.1.10:9000/a2a",
    "http://[fd00::1]/a2a",
    "http://169.254.169.254/latest",
    "http://100.64.0.1/a2a",
    "http://0.0.0.0:8000/a2a",
    "ftp://localhost/a2a",
    "remote://no-inbound",
  ])("register refuses %s with the opaque 400, in dev mode too", async (url) => {
    const r = await register(emu, ws, url);
    expect([r.status, r.json]).toEqual([400, { error: "invalid request body" }]);
  });

  it("register accepts localhost by name and a public IP literal; the proxy dispatches to localhost", async () => {
    expect((await register(emu, ws, "https://8.8.8.8/a2a")).status).toBe(200);
    expect((await register(emu, ws, agent.url)).status).toBe(200);
    expect(agent.url).toMatch(/^http:\/\/localhost:\d+\/a2a$/);
    const r = await req(emu, "POST", `/workspaces/${ws.id}/a2a`, { body: envelope("hi") });
    expect(r.status).toBe(200);
    expect(agent.received.at(-1).params.message.parts[0].text).toBe("hi");
  });

  it("the sticky rule: a stored http://127.0.0.1 URL survives a re-register with another URL", async () => {
    // Only admin create (not URL-checked) or the leniency opt-in can store a loopback literal.
    const created = await emu.admin.createWorkspace({
      name: "sticky",
      url: "http://127.0.0.1:9/old",
    });
    const first = await req(emu, "POST", "/registry/register", {
      body: { id: created.id, url: agent.url, agent_card: { name: "sticky" } },
    });
    expect(first.status).toBe(200);
    expect((await emu.admin.getWorkspace(created.id))["url"]).toBe("http://127.0.0.1:9/old");
  });
});

describe("opt-ins: lenientAgentUrls (register) and devMode: false (dispatch)", () => {
  it("lenientAgentUrls lets register store loopback and private literals", async () => {
    const emu = await emulator({ lenientAgentUrls: true });
    const agent = await startAgent();
    try {
      const ws = await makeWs(emu, "lenient", { url: agent.url });
      const literal = agent.url.replace("localhost", "127.0.0.1");
      expect((await register(emu, ws, literal)).status).toBe(200);
      expect((await register(emu, ws, "http://10.0.0.5/a2a")).status).toBe(200);
      expect((await register(emu, ws, "ftp://localhost/a2a")).status).toBe(400);
    } finally {
      await emu.close();
      await agent.close();
    }
  });

  it("devMode: false keeps register unchanged but the proxy refuses loopback", async () => {
    const emu = await emulator({ devMode: false });
    const agent = await startAgent();
    try {
      const ws = await makeWs(emu, "prod", { url: agent.url });
      const r = await req(emu, "POST", `/workspaces/${ws.id}/a2a`, {
        body: envelope("hi"),
        token: emu.adminToken, // the canvas's bearer, which 2026-08 requires
      });
      expect([r.status, r.json]).toEqual([
        502,
        { error: "workspace URL is not publicly routable" },
      ]);
      expect(agent.received).toHaveLength(0);
    } finally {
      await emu.close();
      await agent.close();
    }
  });
});

describe.each(["latest", "2026-04"] as const)("recorded server oddities (%s)", (compat) => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await emulator({ compat });
  });
  afterAll(() => emu.close());

  it("malformed ids are the real server's 500s with its texts", async () => {
    const t = emu.adminToken;
    const ws = await makeWs(emu, "ids", { url: "http://localhost:9/a2a" });
    const create = await req(emu, "POST", "/workspaces", {
      body: { name: "c", runtime: "external", parent_id: "nope" },
      token: t,
    });
    const unknownParent = await req(emu, "POST", "/workspaces", {
      body: { name: "c", runtime: "external", parent_id: crypto.randomUUID() },
      token: t,
    });
    // 2026-08 checks the parent first (the recording's cases 10 and 11).
    expect([
      create.status,
      create.json.error,
      unknownParent.status,
      unknownParent.json.error,
    ]).toEqual(
      compat === "latest"
        ? [400, "parent_id is not a valid UUID", 422, "parent workspace does not exist"]
        : [500, "failed to create workspace", 500, "failed to create workspace"],
    );
    const reg = await req(emu, "POST", "/registry/register", {
      body: { id: "nope", url: "http://localhost:9/a2a", agent_card: {} },
      token: ws.token,
    });
    expect([reg.status, reg.json]).toEqual([500, { error: "registration failed" }]);
    const regBadUrl = await req(emu, "POST", "/registry/register", {
      body: { id: "nope", url: "http://127.0.0.1:9/a2a", agent_card: {} },
    });
    // 2026-08 checks the id before the URL.
    expect(regBadUrl.status).toBe(compat === "latest" ? 500 : 400);
    const hb = await req(emu, "POST", "/registry/heartbeat", {
      body: { workspace_id: "nope" },
      token: ws.token,
    });
    expect([hb.status, hb.json]).toEqual([500, { error: "failed to update" }]);
  });

  it("a trailing slash redirects with gin's body on GET and an empty 307 otherwise", async () => {
    const get = await req(emu, "GET", "/workspaces/?x=1", { token: emu.adminToken });
    expect(get.status).toBe(301);
    expect(get.headers.get("location")).toBe("/workspaces?x=1");
    expect(get.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(get.text).toBe('<a href="/workspaces?x=1">Moved Permanently</a>.\n\n');
    const post = await req(emu, "POST", "/workspaces/", { body: {}, token: emu.adminToken });
    expect([post.status, post.text, post.headers.get("location")]).toEqual([
      307,
      "",
      "/workspaces",
    ]);
  });

  it("peers ?q=: a role-less candidate crashes 2026-04 (500, empty body); with roles it filters", async () => {
    const root = await makeWs(emu, "q-root", { url: "http://localhost:9/a2a" });
    const kid = await emu.admin.createWorkspace({ name: "q-kid", parentId: root.id, role: "sre" });
    const peers = (q: string, w: Ws) =>
      req(emu, "GET", `/registry/${w.id}/peers?q=${q}`, { token: w.token });
    const roots = await peers("zzz", root); // the other roots of this org have no role
    expect([roots.status, roots.text]).toEqual(compat === "latest" ? [200, "[]"] : [500, ""]);
    // A child whose only candidate (its parent) has no role: same crash; parents with roles filter.
    const kidWs = { id: kid.id, token: kid.token as string };
    expect((await peers("q-root", kidWs)).status).toBe(compat === "latest" ? 200 : 500);
    const sre = await emu.admin.createWorkspace({ name: "q-sre", role: "sre" });
    const child = await emu.admin.createWorkspace({ name: "q-leaf", parentId: sre.id, role: "x" });
    const leaf = { id: child.id, token: child.token as string };
    const hit = await peers("SR", leaf);
    expect(hit.status).toBe(200);
    expect(hit.json.map((p: any) => p.name)).toEqual(["q-sre"]);
    expect((await peers("zzz", leaf)).json).toEqual([]);
  });
});

// #2323 (`a2a_proxy.go` 259-280 at 50c3bdfd): without X-Workspace-ID the newer servers take the
// caller from the bearer; X-Source-Workspace-Id ("a forgeable display hint") is read by none.
// 2026-08 also refuses a call with no live bearer (401): the canvas sends the admin token.
describe.each(["latest", "2026-04"] as const)(
  "the A2A caller without X-Workspace-ID (%s)",
  (compat) => {
    let emu: Emulator;
    let agent: Agent;
    let target: Ws, sibling: Ws, cousin: Ws;
    beforeAll(async () => {
      emu = await emulator({ compat });
      agent = await startAgent();
      const p1 = await makeWs(emu, "p1", { url: agent.url });
      const p2 = await makeWs(emu, "p2", { url: agent.url });
      target = await makeWs(emu, "target", { parentId: p1.id, url: agent.url });
      sibling = await makeWs(emu, "sibling", { parentId: p1.id, url: agent.url });
      cousin = await makeWs(emu, "cousin", { parentId: p2.id, url: agent.url });
    });
    afterAll(async () => {
      await emu.close();
      await agent.close();
    });

    const call = (token?: string, headers: Record<string, string> = {}) =>
      req(emu, "POST", `/workspaces/${target.id}/a2a`, {
        body: envelope("hello"),
        headers,
        ...(token !== undefined ? { token } : {}),
      });
    const lastSource = () => emu.activity(target.id).at(-1)?.["source_id"];
    /** The canvas's bearer: none before 2026-08, the admin token on it. */
    const canvas = (): string | undefined => (compat === "latest" ? emu.adminToken : undefined);

    it("a workspace's bearer names the caller in latest; the baseline leaves the call the canvas's", async () => {
      expect((await call(sibling.token)).status).toBe(200);
      expect(lastSource()).toBe(compat === "latest" ? sibling.id : null);
    });

    it("X-Source-Workspace-Id names no caller in either contract, whatever the bearer", async () => {
      expect((await call(canvas(), { "X-Source-Workspace-Id": sibling.id })).status).toBe(200);
      expect(lastSource()).toBeNull();
      const claimed = await call(sibling.token, { "X-Source-Workspace-Id": target.id });
      expect(claimed.status).toBe(200);
      expect(lastSource()).toBe(compat === "latest" ? sibling.id : null);
    });

    it("the admin token leaves the call the canvas's; a bearer that is no live token does too before 2026-08, which refuses it (401)", async () => {
      expect((await call(emu.adminToken)).status).toBe(200);
      expect(lastSource()).toBeNull();
      const stale = await call("not-a-token");
      expect([stale.status, stale.json?.error]).toEqual(
        compat === "latest" ? [401, "invalid caller auth token"] : [200, undefined],
      );
      expect(lastSource()).toBeNull(); // 2026-08 stored nothing: still the admin token's call
    });

    it("a caller named by its bearer is held to the hierarchy rules", async () => {
      const r = await call(cousin.token);
      const denied = "access denied: workspaces cannot communicate per hierarchy rules";
      expect([r.status, r.json.error]).toEqual(
        compat === "latest" ? [403, denied] : [200, undefined],
      );
    });

    it("X-Workspace-ID still wins over the bearer's workspace", async () => {
      const r = await call(sibling.token, { "X-Workspace-ID": sibling.id });
      expect(r.status).toBe(200);
      expect(lastSource()).toBe(sibling.id);
    });
  },
);
