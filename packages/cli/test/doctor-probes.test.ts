// `molecule-agent doctor`'s probes as the platform's newer clients make them (#2954, #2961): the
// platform answers on `/health` (the workspace-server's) or `/healthz` (a SaaS edge's: the server
// has none), either passes; the token is checked the way the agent uses it, a heartbeat with the
// workspace's token, only while an agent already beats (a heartbeat would mark a workspace no agent
// serves online), and never with a register (which replaces the agent card). Against the emulator
// over HTTP, and behind a stand-in edge that serves `/healthz` only.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { PlatformClient } from "@molecule-ai/agent-core";
import { doctor } from "./doctor-helpers.js";

let emu: Emulator;
let edge: Server;
let edgeUrl: string;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "doctor-probes-"));
  // An edge in front of the platform: `/healthz` its own, `/health` not passed on, the rest relayed.
  const upstream = new URL(emu.url);
  edge = createServer((req, res) => {
    if (req.url === "/healthz") return void res.writeHead(200).end("ok");
    if (req.url === "/health") return void res.writeHead(404).end("404 page not found");
    const up = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    req.pipe(up);
  });
  await new Promise<void>((r) => edge.listen(0, "127.0.0.1", r));
  edgeUrl = `http://127.0.0.1:${(edge.address() as AddressInfo).port}`;
});
afterAll(async () => {
  edge.closeAllConnections();
  await new Promise((r) => edge.close(r));
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

async function workspace(name: string, register = false): Promise<{ id: string; token: string }> {
  const ws = await emu.admin.createWorkspace({ name });
  if (register) {
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token!,
    });
    await client.register({ agentCard: { name }, deliveryMode: "poll" });
    await client.close();
  }
  return { id: ws.id, token: ws.token! };
}

const flags = (ws: { id: string; token?: string }, platformUrl = emu.url) => ({
  platformUrl,
  workspaceId: ws.id,
  ...(ws.token !== undefined ? { token: ws.token } : {}),
  timeout: "15",
});

describe("the platform check", () => {
  it("the workspace-server answers /health (it has no /healthz)", async () => {
    const ws = await workspace("direct", true);
    const r = await doctor(flags(ws));
    expect(r.checks["platform"]).toMatchObject({ status: "ok" });
    expect(r.checks["platform"]!.detail).toMatch(/answered in \d+ ms \(\/health\)$/);
  });

  it("behind an edge that serves /healthz only, the platform check passes and the rest go through it", async () => {
    const ws = await workspace("edge", true);
    const r = await doctor(flags(ws, edgeUrl));
    expect(r.checks["platform"]).toMatchObject({ status: "ok" });
    expect(r.checks["platform"]!.detail).toMatch(/\(\/healthz\)$/);
    expect(r.checks["token"]).toMatchObject({ status: "ok" });
    expect(r.checks["registration"]).toMatchObject({ status: "ok" });
  });

  it("neither answering 2xx fails, naming both", async () => {
    const nothing = createServer((_, res) => void res.writeHead(404).end());
    await new Promise<void>((r) => nothing.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(nothing.address() as AddressInfo).port}`;
      const r = await doctor(flags({ id: crypto.randomUUID(), token: "x" }, url));
      expect(r.checks["platform"]).toMatchObject({
        status: "fail",
        detail: `${url}/health answered HTTP 404 and /healthz HTTP 404`,
      });
    } finally {
      await new Promise((r) => nothing.close(r));
    }
  });
});

describe("the token check", () => {
  it("with an agent beating, a heartbeat proves the token (one per run, body workspace_id)", async () => {
    const ws = await workspace("beating", true);
    const before = emu.heartbeats(ws.id).length;
    const r = await doctor(flags(ws)); // two runs: text and --json
    expect(r.checks["token"]).toMatchObject({ status: "ok" });
    expect(r.checks["token"]!.detail).toMatch(/a heartbeat/);
    expect(emu.heartbeats(ws.id).length).toBe(before + 2);
    // Never a register: the card the agent registered is still the one the platform holds.
    expect((await emu.admin.getWorkspace(ws.id))["agent_card"]).toEqual({ name: "beating" });
  });

  it("the admin token is no agent's token: with an agent beating, the check fails", async () => {
    const ws = await workspace("admin-token", true);
    const r = await doctor(flags({ id: ws.id, token: emu.adminToken }));
    expect(r.checks["token"]).toMatchObject({ status: "fail" });
    expect(r.checks["token"]!.fix).toMatch(/revoked, rotated or belongs to another workspace/);
    expect(r.text + r.err).not.toContain(emu.adminToken);
  });

  it("no agent yet: no heartbeat is sent, and the workspace stays awaiting its agent", async () => {
    const ws = await workspace("idle");
    const r = await doctor(flags(ws));
    expect(r.checks["token"]).toMatchObject({ status: "ok" });
    expect(r.checks["registration"]).toMatchObject({ status: "fail" });
    expect(emu.heartbeats(ws.id)).toEqual([]);
    expect((await emu.admin.getWorkspace(ws.id))["status"]).toBe("awaiting_agent");
  });

  it("--token-file: a file holding the token is used; a missing one fails the check naming the file", async () => {
    const ws = await workspace("filed", true);
    const file = join(dir, "token");
    await writeFile(file, `${ws.token}\n`);
    const ok = await doctor({ ...flags({ id: ws.id }), tokenFile: file });
    expect(ok.checks["token"]).toMatchObject({ status: "ok" });
    const missing = join(dir, "no-such-token");
    const bad = await doctor({ ...flags({ id: ws.id }), tokenFile: missing });
    expect(bad.checks["token"]).toMatchObject({ status: "fail" });
    expect(bad.checks["token"]!.detail).toContain(missing);
    expect(bad.checks["token"]!.fix).toMatch(/MOLECULE_WORKSPACE_TOKEN_FILE/);
  });
});
