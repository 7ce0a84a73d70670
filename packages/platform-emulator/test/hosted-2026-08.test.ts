/* oxlint-disable typescript/no-explicit-any */
// The platform as hosted users run it (shared/reference/platform-hosted.md), over real HTTP: the
// rate limiter (`middleware/ratelimit.go` at aeec8e47), the SaaS tenant guard
// (`middleware/tenant_guard.go`), peer answers unwrapped (and the OFFSEC-003 opt-in), and an
// outage/restart of the platform (`stopListening` / `listenAgain`).
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { parseCli } from "../src/cli-options.js";
import { firstLines, run } from "./cli-helpers.js";
import type { Emulator } from "../src/index.js";
import { describeWorkspace, writeEnvFiles } from "../src/startup-workspaces.js";
import { emulator, envelope, makeWs, req, startAgent, until, type Res } from "./helpers.js";

const ORG = "4f6d2c1e-8a3b-4c5d-9e7f-0a1b2c3d4e5f";
const OTHER_ORG = "11111111-2222-4333-8444-555555555555";
const T0 = Date.UTC(2026, 7, 20, 12, 0, 0);

/** Opens `GET /ws` and resolves with the answer: `101`, or the refusal's status, headers and body. */
function openSocket(
  emu: Emulator,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${emu.url.replace(/^http/, "ws")}/ws`, { headers });
    ws.on("error", reject);
    ws.once("open", () => {
      ws.terminate();
      resolve({ status: 101, headers: {}, body: "" });
    });
    ws.once("unexpected-response", (_rq, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
  });
}

const rl = (r: Res) => [
  r.headers.get("x-ratelimit-limit"),
  r.headers.get("x-ratelimit-remaining"),
  r.headers.get("x-ratelimit-reset"),
];

describe("rate limit (ratelimit.go)", () => {
  let emu: Emulator;
  afterAll(async () => emu?.close());

  it("keys by X-Molecule-Org-Id (trimmed) over the bearer, by the bearer over the IP", async () => {
    emu = await emulator({ rateLimit: 5, clock: { now: () => T0 } });
    const health = (headers: Record<string, string> = {}, token?: string) =>
      req(emu, "GET", "/health", { headers, ...(token !== undefined ? { token } : {}) });
    // One org, two bearers: one bucket (and padding, which HTTP clients strip, changes nothing).
    expect(rl(await health({ "X-Molecule-Org-Id": "org-a" }, "tok-1"))[1]).toBe("4");
    expect(rl(await health({ "X-Molecule-Org-Id": "  org-a " }, "tok-2"))[1]).toBe("3");
    expect(rl(await health({ "X-Molecule-Org-Id": "org-a" }))[1]).toBe("2");
    // Another org: its own bucket.
    expect(rl(await health({ "X-Molecule-Org-Id": "org-b" }, "tok-1"))[1]).toBe("4");
    // No org header: the bearer's bucket (tok-1 was counted under org-a/org-b, not here).
    expect(rl(await health({}, "tok-1"))[1]).toBe("4");
    expect(rl(await health({}, "tok-1"))[1]).toBe("3");
    expect(rl(await health({}, "tok-2"))[1]).toBe("4");
    // Neither: the client IP's bucket; an empty org header counts as absent.
    expect(rl(await health())[1]).toBe("4");
    expect(rl(await health({ "X-Molecule-Org-Id": " " }))[1]).toBe("3");
    await emu.close();
  });

  it("a fixed window from the key's first request: Reset rounds down (59 at its start, 0 in its last second), the 429 says the same N", async () => {
    emu = await emulator({ rateLimit: 2, clock: { now: () => T0 } });
    const h = { "X-Molecule-Org-Id": ORG };
    const first = await req(emu, "GET", "/health", { headers: h });
    expect(first.status).toBe(200);
    // Exactly 60 s left reads 59: the server reads its clock a moment after the bucket's start.
    expect(rl(first)).toEqual(["2", "1", "59"]);
    emu.advanceClock(500);
    expect(rl(await req(emu, "GET", "/health", { headers: h }))).toEqual(["2", "0", "59"]);
    emu.advanceClock(58_499); // 58.999 s into the window: 1.001 s left
    const over = await req(emu, "GET", "/health", { headers: h });
    expect(over.status).toBe(429);
    expect(rl(over)).toEqual(["2", "0", "1"]);
    expect(over.headers.get("retry-after")).toBe("1");
    expect(over.json).toEqual({ error: "rate limit exceeded", retry_after: 1 });
    emu.advanceClock(1); // 59 s in: the last second reads 0
    const last = await req(emu, "GET", "/health", { headers: h });
    expect(last.status).toBe(429);
    expect(rl(last)).toEqual(["2", "0", "0"]);
    expect(last.headers.get("retry-after")).toBe("0");
    expect(last.json).toEqual({ error: "rate limit exceeded", retry_after: 0 });
    // Refused requests used no token: the next window starts full.
    emu.advanceClock(1_000);
    const next = await req(emu, "GET", "/health", { headers: h });
    expect(next.status).toBe(200);
    expect(rl(next)).toEqual(["2", "1", "59"]);
    await emu.close();
  });

  it("every answer carries the headers (200, 401, unknown route, 429); the 429 comes before auth and has no security headers", async () => {
    emu = await emulator({ rateLimit: 3, clock: { now: () => T0 } });
    const ok = await req(emu, "GET", "/health");
    expect(rl(ok)).toEqual(["3", "2", "59"]);
    expect(ok.headers.get("x-frame-options")).toBe("DENY");
    const unauth = await req(emu, "GET", "/workspaces", { token: "nope" });
    expect(unauth.status).toBe(401);
    expect(rl(unauth)).toEqual(["3", "2", "59"]); // the bearer's own bucket
    const unknown = await req(emu, "GET", "/no/such/route");
    expect(unknown.status).toBe(404);
    expect(rl(unknown)).toEqual(["3", "1", "59"]);
    await req(emu, "GET", "/health");
    const over = await req(emu, "GET", "/health");
    expect(over.status).toBe(429);
    expect(rl(over)).toEqual(["3", "0", "59"]);
    expect(over.headers.get("x-frame-options")).toBeNull();
    // Admin routes too: the limiter runs before authentication.
    for (let i = 0; i < 3; i++) await req(emu, "GET", "/workspaces", { token: emu.adminToken });
    const admin = await req(emu, "GET", "/workspaces", { token: emu.adminToken });
    expect(admin.status).toBe(429);
    await emu.close();
  });

  it("GET /ws upgrades count too, and are refused 429 before the socket's own checks", async () => {
    emu = await emulator({ rateLimit: 2, clock: { now: () => T0 } });
    const ws = await makeWs(emu, "sock"); // its register is the bearer's first request
    const h = { Authorization: `Bearer ${ws.token}`, "X-Workspace-ID": ws.id };
    expect((await openSocket(emu, h)).status).toBe(101);
    const over = await openSocket(emu, h);
    expect(over.status).toBe(429);
    expect(JSON.parse(over.body)).toEqual({ error: "rate limit exceeded", retry_after: 59 });
    expect([over.headers["retry-after"], over.headers["x-ratelimit-remaining"]]).toEqual([
      "59",
      "0",
    ]);
    expect(over.headers["x-frame-options"]).toBeUndefined();
    await emu.close();
  });

  it("off in development mode (the default) unless rateLimit is set; 600 a minute with devMode: false", async () => {
    emu = await emulator();
    expect((await req(emu, "GET", "/health")).headers.get("x-ratelimit-limit")).toBe("unlimited");
    expect((await req(emu, "GET", "/health")).headers.get("x-ratelimit-remaining")).toBeNull();
    await emu.close();
    emu = await emulator({ devMode: false, clock: { now: () => T0 } });
    expect(rl(await req(emu, "GET", "/health"))).toEqual(["600", "599", "59"]);
    await emu.close();
    emu = await emulator({ devMode: false, rateLimit: 7 });
    expect((await req(emu, "GET", "/health")).headers.get("x-ratelimit-limit")).toBe("7");
    expect(parseCli(["--rate-limit", "9"]).emulator.rateLimit).toBe(9);
  });
});

describe("SaaS tenant guard (tenant_guard.go)", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await emulator({ orgId: ORG, rateLimit: 1000 });
  });
  afterAll(async () => emu.close());

  const MISSING = {
    error: "missing tenant routing header",
    code: "TENANT_ORG_HEADER_REQUIRED",
    required_header: "X-Molecule-Org-Id",
    detail:
      "SaaS tenant API requests must include X-Molecule-Org-Id matching the organization UUID.",
  };

  it("without the header: 400 TENANT_ORG_HEADER_REQUIRED, before auth, with the rate-limit headers", async () => {
    for (const [method, path] of [
      ["GET", "/workspaces"],
      ["GET", "/health/"],
      ["GET", "/registry/discover/x"],
      ["POST", "/registry/register/x"],
      ["GET", "/cp"],
    ] as const) {
      const r = await req(emu, method, path, { token: emu.adminToken });
      expect([path, r.status, r.json]).toEqual([path, 400, MISSING]);
      expect(r.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(r.headers.get("x-ratelimit-limit")).toBe("1000");
    }
    // An unauthenticated request too (routing is checked before authentication).
    expect((await req(emu, "GET", "/workspaces")).status).toBe(400);
  });

  it("another org's id: a bare 404 with an empty body (also through a Fly-Replay-Src state)", async () => {
    for (const headers of [
      { "X-Molecule-Org-Id": OTHER_ORG },
      { "X-Molecule-Org-Id": ORG.toUpperCase() }, // compared exactly
      { "Fly-Replay-Src": `instance=1;region=ord;state=${OTHER_ORG}` },
    ] as Record<string, string>[]) {
      const r = await req(emu, "GET", "/workspaces", { token: emu.adminToken, headers });
      expect([r.status, r.text]).toEqual([404, ""]);
      expect(r.headers.get("content-length")).toBe("0");
      expect(r.headers.get("content-type")).toBeNull();
    }
  });

  it("the allowlist (exact), /cp/*, the right org, a Fly-Replay-Src state and a same-origin canvas pass", async () => {
    expect((await req(emu, "GET", "/health")).json).toEqual({ status: "ok" });
    for (const path of ["/buildinfo", "/metrics", "/cp/auth/me"]) {
      const r = await req(emu, "GET", path);
      expect([path, r.status === 400]).toEqual([path, false]);
    }
    // Register and heartbeat are the agents' boot signals: their own auth answers.
    const created = await emu.admin.createWorkspace({ name: "t1", deliveryMode: "poll" });
    const reg = await req(emu, "POST", "/registry/register", {
      body: { id: created.id, agent_card: { name: "t1" }, delivery_mode: "poll" },
      token: created.token,
    });
    expect(reg.status).toBe(200);
    const beat = await req(emu, "POST", "/registry/heartbeat", {
      body: { workspace_id: created.id },
      token: created.token,
    });
    expect(beat.status).toBe(200);
    const list = (headers: Record<string, string>) =>
      req(emu, "GET", "/workspaces", { token: emu.adminToken, headers });
    expect((await list({ "X-Molecule-Org-Id": ORG })).status).toBe(200);
    expect((await list({ "Fly-Replay-Src": `instance=9;state=${ORG}` })).status).toBe(200);
    expect((await list({ Referer: `${emu.url}/canvas/` })).status).toBe(200);
    expect((await list({ Origin: emu.url })).status).toBe(200);
    // Not the same origin: a prefix of the host is not enough.
    expect((await list({ Referer: `${emu.url}.evil.example/` })).status).toBe(400);
    expect((await list({ Origin: "http://elsewhere.example" })).status).toBe(400);
  });

  it("GET /ws upgrades: 400 without the header, a bare 404 for another org, 101 with this one", async () => {
    const ws = await makeWs(emu, "sock");
    const h = { Authorization: `Bearer ${ws.token}`, "X-Workspace-ID": ws.id };
    const missing = await openSocket(emu, h);
    expect([missing.status, JSON.parse(missing.body)]).toEqual([400, MISSING]);
    expect(missing.headers["x-ratelimit-limit"]).toBe("1000");
    const other = await openSocket(emu, { ...h, "X-Molecule-Org-Id": OTHER_ORG });
    expect([other.status, other.body, other.headers["content-length"]]).toEqual([404, "", "0"]);
    expect((await openSocket(emu, { ...h, "X-Molecule-Org-Id": ORG })).status).toBe(101);
  });

  it("emu.admin sends the header; the canvas page loads and learns the org id it sends", async () => {
    const ws = await emu.admin.createWorkspace({ name: "t2", deliveryMode: "poll" });
    expect((await emu.admin.getWorkspace(ws.id))["name"]).toBe("t2");
    const page = await req(emu, "GET", "/canvas/");
    expect(page.status).not.toBe(400);
    const snap = await req(emu, "GET", "/canvas/api/org", { token: emu.adminToken });
    expect(snap.status).toBe(200);
    expect(snap.json.orgId).toBe(ORG);
    expect(emu.orgId).toBe(ORG);
  });

  it("a workspace's own calls need the header like any client", async () => {
    const ws = await makeWs(emu, "t3");
    const self = (headers: Record<string, string> = {}) =>
      req(emu, "GET", `/workspaces/${ws.id}/activity`, { token: ws.token, headers });
    expect((await self()).status).toBe(400);
    expect((await self({ "X-Molecule-Org-Id": ORG })).status).toBe(200);
  });

  it("--org-id: the option, and MOLECULE_ORG_ID in the printed and written export lines", async () => {
    expect(parseCli(["--org-id", ` ${ORG} `]).emulator.orgId).toBe(ORG);
    expect(parseCli([]).emulator.orgId).toBeUndefined();
    expect(() => parseCli(["--org-id", " "])).toThrow(/--org-id/);
    const ws = { name: "a", id: "w1", token: "t", reused: false };
    expect(describeWorkspace("http://x", ws, undefined, ORG)).toContain(
      `export MOLECULE_WORKSPACE_TOKEN=t\nexport MOLECULE_ORG_ID=${ORG}\n`,
    );
    expect(describeWorkspace("http://x", ws)).not.toContain("MOLECULE_ORG_ID");
    const dir = await mkdtemp(join(tmpdir(), "emu-org-"));
    try {
      const files = await writeEnvFiles(dir, "http://x", [ws], ORG);
      expect(await readFile(files.get("a") as string, "utf8")).toContain(
        `export MOLECULE_ORG_ID=${ORG}\n`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the command line: --org-id runs a tenant and prints MOLECULE_ORG_ID with each workspace's exports", async () => {
    const child = run(["--port", "0", "--org-id", ORG, "--workspace", "solo"]);
    // 2 banner lines, a blank line, the comment, 4 exports
    const lines = await firstLines(child, 2 + 2 + 4);
    const env = Object.fromEntries(
      lines.flatMap((l) => {
        const m = /^export (MOLECULE_[A-Z_]+)=(.+)$/.exec(l);
        return m ? [[m[1], m[2]]] : [];
      }),
    ) as Record<string, string>;
    expect(env["MOLECULE_ORG_ID"]).toBe(ORG);
    const get = (headers: Record<string, string>) =>
      req(
        env["MOLECULE_PLATFORM_URL"] as string,
        "GET",
        `/workspaces/${env["MOLECULE_WORKSPACE_ID"]}`,
        {
          token: env["MOLECULE_WORKSPACE_TOKEN"] as string,
          headers,
        },
      );
    expect((await get({})).status).toBe(400);
    expect((await get({ "X-Molecule-Org-Id": env["MOLECULE_ORG_ID"] as string })).status).toBe(200);
  });

  it("outside development, a call to a push workspace at a loopback host answers 502 not publicly routable", async () => {
    const prod = await emulator({ orgId: ORG, devMode: false });
    const agent = await startAgent();
    try {
      const h = { "X-Molecule-Org-Id": ORG };
      const caller = await makeWs(prod, "caller");
      const target = await makeWs(prod, "target", { url: agent.url }); // http://localhost:<port>
      const r = await req(prod, "POST", `/workspaces/${target.id}/a2a`, {
        body: envelope("hi"),
        token: caller.token,
        headers: { ...h, "X-Workspace-ID": caller.id },
      });
      expect([r.status, r.json]).toEqual([
        502,
        { error: "workspace URL is not publicly routable" },
      ]);
      expect(agent.received).toEqual([]);
    } finally {
      await prod.close();
      await agent.close();
    }
  });
});

/** An agent answering a Message for "msg" and a Task otherwise. */
async function peerAgent() {
  return startAgent((body) => {
    const text = body.params?.message?.parts?.[0]?.text;
    if (text === "msg" || body.params?.message?.metadata?.delegation_id !== undefined)
      return {
        jsonrpc: "2.0",
        id: body.id,
        result: {
          kind: "message",
          role: "agent",
          messageId: "r",
          parts: [{ kind: "text", text: "plain answer" }],
        },
      };
    return {
      jsonrpc: "2.0",
      id: body.id,
      result: {
        kind: "task",
        id: "t1",
        contextId: "c1",
        status: {
          state: "completed",
          message: {
            kind: "message",
            role: "agent",
            messageId: "m",
            parts: [{ kind: "text", text: "status" }],
          },
        },
        artifacts: [
          {
            artifactId: "a1",
            parts: [
              { kind: "text", text: "artifact" },
              { kind: "data", data: { x: 1 } },
            ],
          },
        ],
      },
    };
  });
}

const W = (t: string) => `[A2A_RESULT_FROM_PEER]\n${t}\n[/A2A_RESULT_FROM_PEER]`;

describe.each([
  ["latest", false],
  ["2026-05", false],
  ["2026-04", false],
  ["latest", true],
  ["2026-04", true],
] as const)("peer answers (%s, offsec003Wrapping %s)", (compat, wrap) => {
  let emu: Emulator;
  let agent: Awaited<ReturnType<typeof peerAgent>>;
  beforeAll(async () => {
    emu = await emulator({ compat, offsec003Wrapping: wrap });
    agent = await peerAgent();
  });
  afterAll(async () => {
    await emu.close();
    await agent.close();
  });
  const expected = (t: string) => (wrap ? W(t) : t);

  it("the proxy returns the peer's answer unchanged, or wrapped only with the opt-in", async () => {
    const caller = await makeWs(emu, "caller", { url: agent.url });
    const target = await makeWs(emu, "target", { url: agent.url });
    const call = (text: string) =>
      req(emu, "POST", `/workspaces/${target.id}/a2a`, {
        body: envelope(text),
        token: caller.token,
        headers: { "X-Workspace-ID": caller.id },
      });
    const m = await call("msg");
    expect(m.status).toBe(200);
    expect(m.json.result.parts).toEqual([{ kind: "text", text: expected("plain answer") }]);
    const t = (await call("task")).json.result;
    expect(t.artifacts[0].parts).toEqual([
      { kind: "text", text: expected("artifact") },
      { kind: "data", data: { x: 1 } },
    ]);
    expect(t.status.message.parts[0].text).toBe(expected("status"));
    // The activity row keeps what the peer said.
    const row = emu
      .activity(target.id)
      .find((r: any) => r.response_body?.result?.kind === "message");
    expect(row?.["response_body"]).toMatchObject({ result: { parts: [{ text: "plain answer" }] } });
  });

  it("the delegate_result row's text is the peer's, or wrapped only with the opt-in", async () => {
    if (compat === "2026-04") return; // its delegation shape is covered in conformance-a2a
    const src = await makeWs(emu, "src", { url: agent.url });
    const dst = await makeWs(emu, "dst", { url: agent.url });
    const r = await req(emu, "POST", `/workspaces/${src.id}/delegate`, {
      body: { target_id: dst.id, task: "summarise" },
      token: src.token,
    });
    expect(r.status).toBe(202);
    const id = r.json.delegation_id;
    let row: any;
    await until(() => {
      row = emu
        .activity(src.id)
        .find(
          (x: any) =>
            x.method === "delegate_result" &&
            x.status === "completed" &&
            x.response_body?.delegation_id === id,
        );
      return row !== undefined;
    });
    expect(row.response_body.text).toBe(expected("plain answer"));
  });
});

/** The error code of a new TCP connection to `url`'s port (`"connected"` when it connects). */
function connectError(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const sock = connect(Number(port), hostname);
    sock.once("connect", () => {
      sock.destroy();
      resolve("connected");
    });
    sock.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)));
  });
}

describe("a platform outage: stopListening / listenAgain", () => {
  it("refuses connections while stopped, ends open streams, and comes back on the same URL with the same state", async () => {
    const emu = await emulator();
    try {
      const ws = await makeWs(emu, "survivor");
      const stream = await fetch(`${emu.url}/workspaces/${ws.id}/events/stream`, {
        headers: { Authorization: `Bearer ${ws.token}` },
      });
      expect(stream.status).toBe(200);
      const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
      await reader.read(); // the first ping
      const url = emu.url;
      await emu.stopListening();
      await emu.stopListening(); // idempotent
      // The open stream was cut.
      const cut = await (async () => {
        for (;;) if ((await reader.read()).done) return "ended";
      })().catch(() => "reset");
      expect(["ended", "reset"]).toContain(cut);
      expect(await connectError(url)).toBe("ECONNREFUSED");
      await emu.listenAgain();
      await emu.listenAgain(); // no-op while listening
      expect(emu.url).toBe(url);
      const back = await req(emu, "GET", `/workspaces/${ws.id}`, { token: emu.adminToken });
      expect(back.status).toBe(200);
      expect(back.json.name).toBe("survivor");
      const beat = await req(emu, "POST", "/registry/heartbeat", {
        body: { workspace_id: ws.id },
        token: ws.token,
      });
      expect(beat.status).toBe(200);
    } finally {
      await emu.close();
    }
    await expect(emu.listenAgain()).rejects.toMatchObject({ code: "listen_failed" });
  });

  it("close() after stopListening() resolves", async () => {
    const emu = await emulator();
    await emu.stopListening();
    await expect(emu.close()).resolves.toBeUndefined();
    expect(await connectError(emu.url)).toBe("ECONNREFUSED");
  });
});
