/* oxlint-disable typescript/no-explicit-any */
// Conformance: plugin download, rate limiting, the SSE event stream, fault injection, state file.
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { list } from "tar";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../src/index.js";
import { emulator, envelope, makeWs, req, type Ws } from "./helpers.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "emu-test-"));
  const root = join(dir, "plugins", "hello");
  await mkdir(join(root, "skills", "greet"), { recursive: true });
  await writeFile(join(root, "plugin.yaml"), "name: hello\nversion: 1.0.0\n");
  await writeFile(join(root, "skills", "greet", "SKILL.md"), "# Greet\n");
  await writeFile(join(dir, "outside.txt"), "secret");
  await symlink(join(dir, "outside.txt"), join(root, "link-outside"));
  await mkdir(join(dir, "plugins", "Bad_Name"), { recursive: true });
  await writeFile(join(dir, "plugins", "Bad_Name", "plugin.yaml"), "x");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function entries(buf: ArrayBuffer): Promise<string[]> {
  const names: string[] = [];
  const parser = list({ onReadEntry: (e) => names.push(e.path) });
  await new Promise<void>((resolve, reject) => {
    Readable.from([Buffer.from(buf)])
      .pipe(parser)
      .on("finish", resolve)
      .on("error", reject);
    parser.on("end", resolve);
  });
  return names.sort();
}

describe.each(["latest", "2026-04"] as const)("plugins (%s)", (compat) => {
  let emu: Emulator;
  let ws: Ws;
  beforeAll(async () => {
    emu = await emulator({ compat, pluginsDir: join(dir, "plugins") });
    ws = await makeWs(emu, "plug");
  });
  afterAll(async () => emu.close());

  const dl = (path: string, token?: string) =>
    fetch(
      `${emu.url}/workspaces/${ws.id}/plugins/${path}`,
      token ? { headers: { Authorization: `Bearer ${token}` } } : {},
    );

  it("download returns a gzip tar relative to the plugin root, directories included, symlinks skipped", async () => {
    const r = await dl("hello/download", ws.token);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/gzip");
    expect(r.headers.get("content-disposition")).toBe('attachment; filename="hello.tar.gz"');
    expect(r.headers.get("x-plugin-name")).toBe("hello");
    expect(r.headers.get("x-plugin-source")).toBe("local://hello");
    const buf = await r.arrayBuffer();
    expect(Number(r.headers.get("content-length"))).toBe(buf.byteLength);
    const names = await entries(buf);
    expect(names).toEqual(["plugin.yaml", "skills/", "skills/greet/", "skills/greet/SKILL.md"]);
  });

  it("download needs the workspace's own token (admin rejected once it has one)", async () => {
    expect((await dl("hello/download")).status).toBe(401);
    expect((await dl("hello/download", emu.adminToken)).status).toBe(401);
  });

  const j = async (p: string) => {
    const r = await dl(p, ws.token);
    const isJson = (r.headers.get("content-type") ?? "").includes("json");
    return { status: r.status, body: isJson ? await r.json() : null };
  };

  it("plugin name and source rules", async () => {
    expect(await j("a..b/download")).toEqual({
      status: 400,
      body: { error: "invalid plugin name" },
    });
    expect(await j("missing/download")).toEqual({
      status: 404,
      body: { error: "failed to fetch plugin from local", source: "local://missing" },
    });
    expect((await j("Bad_Name/download")).status).toBe(502);
    expect((await j("hello/download?source=local://hello")).status).toBe(200);
    expect((await j("hello/download?source=hello")).status).toBe(200);
    expect((await j("hello/download?source=local://other")).body).toMatchObject({
      resolved_name: "other",
      requested_name: "hello",
    });
    expect((await j("hello/download?source=github://o/r")).status).toBe(422);
    expect((await j("hello/download?source=ftp://x")).body).toMatchObject({
      error: "failed to resolve plugin source",
    });
  });

  it("install on an external workspace is 503 workspace container not running (2026-08: 422, pull instead); list is []", async () => {
    const r = await req(emu, "POST", `/workspaces/${ws.id}/plugins`, {
      body: { source: "local://hello" },
      token: ws.token,
    });
    // 2026-08: the recording's "POST plugins install (external)".
    expect([r.status, r.json.error]).toEqual(
      compat === "latest"
        ? [422, "plugin install via push is not supported for external runtimes"]
        : [503, "workspace container not running"],
    );
    expect(
      (await req(emu, "GET", `/workspaces/${ws.id}/plugins`, { token: ws.token })).json,
    ).toEqual([]);
  });
});

describe("rate limiting", () => {
  it("429 with Retry-After and X-RateLimit-* once the per-IP window is exhausted; the clock refills it", async () => {
    const emu = await emulator({ rateLimit: 3 });
    try {
      const first = await req(emu, "GET", "/health");
      expect(first.headers.get("x-ratelimit-limit")).toBe("3");
      expect(first.headers.get("x-ratelimit-remaining")).toBe("2");
      expect(Number(first.headers.get("x-ratelimit-reset"))).toBeGreaterThan(0);
      await req(emu, "GET", "/health");
      await req(emu, "GET", "/health");
      const limited = await req(emu, "GET", "/health");
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(limited.json).toEqual({
        error: "rate limit exceeded",
        retry_after: Number(limited.headers.get("retry-after")),
      });
      emu.advanceClock(60_000);
      expect((await req(emu, "GET", "/health")).status).toBe(200);
    } finally {
      await emu.close();
    }
  });
});

async function readEvents(res: Response, until: (frames: string[]) => boolean): Promise<string[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const dec = new TextDecoder();
  let buf = "";
  const frames: string[] = [];
  while (!until(frames)) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value);
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      frames.push(buf.slice(0, i));
      buf = buf.slice(i + 2);
    }
  }
  await reader.cancel();
  return frames;
}

describe.each(["latest", "2026-04"] as const)("event stream (%s)", (compat) => {
  let emu: Emulator;
  let ws: Ws;
  beforeAll(async () => {
    emu = await emulator({ compat, sseKeepAliveMs: 50 });
    ws = await makeWs(emu, "sse", { mode: "poll" });
  });
  afterAll(async () => emu.close());

  it("needs the workspace bearer; unknown workspace 404", async () => {
    expect((await req(emu, "GET", `/workspaces/${ws.id}/events/stream`)).status).toBe(401);
    const r = await req(
      emu,
      "GET",
      `/workspaces/00000000-0000-0000-0000-000000000000/events/stream`,
      { token: emu.adminToken },
    );
    expect(r.json).toEqual({ error: "workspace not found" });
  });

  it("streams ACTIVITY_LOGGED with the row id, and ping comments", async () => {
    const ac = new AbortController();
    const res = await fetch(`${emu.url}/workspaces/${ws.id}/events/stream`, {
      headers: { Authorization: `Bearer ${ws.token}` },
      signal: ac.signal,
    });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const framesP = readEvents(
      res,
      (f) =>
        f.some((x) => x.includes("ACTIVITY_LOGGED")) && f.filter((x) => x === ": ping").length >= 2,
    );
    // The response headers came: the emulator subscribed the stream before sending them.
    await req(emu, "POST", `/workspaces/${ws.id}/notify`, {
      body: { message: "hi" },
      token: ws.token,
    });
    const frames = await framesP;
    const ev = frames.find((f) => f.includes("ACTIVITY_LOGGED")) as string;
    const data = JSON.parse(
      ev
        .split("\n")
        .find((l) => l.startsWith("data: "))!
        .slice(6),
    );
    expect(data.type).toBe("ACTIVITY_LOGGED");
    expect(typeof data.timestamp).toBe("number");
    const row = emu.activity(ws.id).at(-1) as any;
    expect(data.data.id).toBe(row.id);
    // `data:` frames only in both contracts (sse.go 103, the same at 7cf77f27 and 50c3bdfd).
    expect(ev.startsWith("data: ")).toBe(true);
    ac.abort();
  });

  it("close() ends open streams cleanly", async () => {
    const other = await emulator({ compat });
    const w = await makeWs(other, "sse2");
    const res = await fetch(`${other.url}/workspaces/${w.id}/events/stream`, {
      headers: { Authorization: `Bearer ${w.token}` },
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await other.close();
    let done = false;
    while (!done) done = (await reader.read()).done;
    expect(done).toBe(true);
  });
});

describe("fault injection", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await emulator();
  });
  afterAll(async () => emu.close());

  it("status faults apply to the next `count` matching requests only", async () => {
    emu.injectFault({
      path: "/registry/heartbeat",
      status: 503,
      body: { error: "down" },
      count: 2,
    });
    const ws = await makeWs(emu, "f");
    const hb = () =>
      req(emu, "POST", "/registry/heartbeat", { body: { workspace_id: ws.id }, token: ws.token });
    expect((await hb()).json).toEqual({ error: "down" });
    expect((await hb()).status).toBe(503);
    expect((await hb()).status).toBe(200);
  });

  it("a fault with a queryParam meets only requests whose query carries it", async () => {
    const ws = await makeWs(emu, "q");
    emu.injectFault({
      method: "GET",
      path: "/workspaces/:id/activity",
      queryParam: "since_id",
      status: 503,
    });
    const read = (query: string) =>
      req(emu, "GET", `/workspaces/${ws.id}/activity${query}`, { token: ws.token });
    expect((await read("?type=agent_log&limit=5")).status).toBe(200);
    expect((await read(`?since_id=${"0".repeat(8)}-0000-0000-0000-000000000000`)).status).toBe(503);
  });

  it("route patterns, methods, delays and connection resets; the remover cancels a fault", async () => {
    const ws = await makeWs(emu, "g");
    const remove = emu.injectFault({
      method: "GET",
      path: "/workspaces/:id/state",
      status: 500,
      count: 10,
    });
    expect((await req(emu, "GET", `/workspaces/${ws.id}/state`, { token: ws.token })).status).toBe(
      500,
    );
    remove();
    expect((await req(emu, "GET", `/workspaces/${ws.id}/state`, { token: ws.token })).status).toBe(
      200,
    );
    emu.injectFault({ path: /\/state$/, reset: true });
    await expect(
      req(emu, "GET", `/workspaces/${ws.id}/state`, { token: ws.token }),
    ).rejects.toThrow(/fetch failed/);
    emu.injectFault({ path: "/health", delayMs: 80 });
    const t0 = Date.now();
    expect((await req(emu, "GET", "/health")).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(70);
  });
});

describe("no input produces a 500", () => {
  it("garbage bodies, wrong types and odd paths get 4xx bodies", async () => {
    const emu = await emulator();
    try {
      const ws = await makeWs(emu, "fuzz");
      const bodies = [
        "",
        "null",
        "[]",
        "1",
        '"s"',
        "{",
        '{"workspace_id":{}}',
        '{"id":[],"url":1}',
      ];
      const paths = [
        "/registry/register",
        "/registry/heartbeat",
        "/registry/update-card",
        "/registry/check-access",
        "/workspaces",
        `/workspaces/${ws.id}/notify`,
        `/workspaces/${ws.id}/delegate`,
        `/workspaces/${ws.id}/activity`,
        `/workspaces/${ws.id}/secrets`,
        `/workspaces/${ws.id}/a2a`,
      ];
      const bad: string[] = [];
      for (const p of paths)
        for (const raw of bodies) {
          const r = await req(emu, "POST", p, {
            raw,
            token: p === "/workspaces" ? emu.adminToken : ws.token,
          });
          // the proxy accepts any JSON object it can wrap (platform-api.md §3.10): only the rest is 400 there
          const min = p.endsWith("/a2a") ? 200 : 400;
          if (r.status < min || r.status >= 500 || /at .*\.ts|Error:/.test(r.text))
            bad.push(`${p} ${raw} -> ${r.status} ${r.text}`);
        }
      for (const p of [
        "/workspaces/%zz",
        "/registry/discover/x",
        "/workspaces/x/state",
        "/workspaces/x/a2a",
      ]) {
        const r = await req(emu, "GET", p, { token: ws.token });
        if (r.status >= 500) bad.push(`GET ${p} -> ${r.status}`);
      }
      expect(bad).toEqual([]);
    } finally {
      await emu.close();
    }
  });
});

describe("state file", () => {
  it("a restarted emulator keeps workspaces, tokens, secrets and activity (atomic JSON)", async () => {
    const stateFile = join(dir, "state", "org.json");
    const a = await startEmulator({ stateFile });
    const ws = await makeWs(a, "persist");
    await a.admin.setSecrets(ws.id, { K: "v" });
    await req(a, "POST", `/workspaces/${ws.id}/notify`, {
      body: { message: "kept" },
      token: ws.token,
    });
    const admin = a.adminToken;
    await a.close();
    const saved = JSON.parse(await readFile(stateFile, "utf8"));
    expect(JSON.stringify(saved)).not.toContain(ws.token);
    const b = await startEmulator({ stateFile });
    try {
      expect(b.adminToken).toBe(admin);
      expect(
        (await req(b, "GET", `/workspaces/${ws.id}/secrets/values`, { token: ws.token })).json,
      ).toEqual({ K: "v" });
      const rows = await req(b, "GET", `/workspaces/${ws.id}/activity`, { token: ws.token });
      expect(rows.json[0].response_body).toEqual({ result: "kept" });
      const again = await req(b, "POST", "/registry/register", {
        body: { id: ws.id, agent_card: {} },
      });
      expect(again.status).toBe(401);
    } finally {
      await b.close();
    }
  });

  it("org memories, approvals (pending and decided) and delegation records survive a restart", async () => {
    const stateFile = join(dir, "state", "features.json");
    const a = await startEmulator({ stateFile, compat: "2026-04" });
    const root = await makeWs(a, "f-root");
    const child = await makeWs(a, "f-child", { parentId: root.id });
    const t = { token: child.token };
    await req(a, "POST", `/workspaces/${child.id}/memories`, {
      body: { content: "kept local", scope: "LOCAL", namespace: "notes" },
      ...t,
    });
    await req(a, "POST", `/workspaces/${child.id}/memories`, {
      body: { content: "kept team", scope: "TEAM" },
      ...t,
    });
    const g = await req(a, "POST", `/workspaces/${root.id}/memories`, {
      body: { content: "kept global", scope: "GLOBAL" },
      token: root.token,
    });
    const pending = await req(a, "POST", `/workspaces/${child.id}/approvals`, {
      body: { action: "still pending", reason: "r", task_id: "t-1" },
      ...t,
    });
    const decided = await req(a, "POST", `/workspaces/${child.id}/approvals`, {
      body: { action: "decided" },
      ...t,
    });
    await req(a, "POST", `/workspaces/${child.id}/approvals/${decided.json.approval_id}/decide`, {
      body: { decision: "denied", decided_by: "alice" },
      token: a.adminToken,
    });
    await req(a, "POST", `/workspaces/${child.id}/delegations/record`, {
      body: { target_id: root.id, task: "kept task", delegation_id: "d-1" },
      ...t,
    });
    const before = {
      own: (await req(a, "GET", `/workspaces/${child.id}/memories`, t)).json,
      team: (
        await req(a, "GET", `/workspaces/${root.id}/memories?scope=TEAM`, { token: root.token })
      ).json,
      global: (await req(a, "GET", `/workspaces/${child.id}/memories?scope=GLOBAL`, t)).json,
      approvals: (await req(a, "GET", `/workspaces/${child.id}/approvals`, t)).json,
      pending: (await req(a, "GET", "/approvals/pending", { token: a.adminToken })).json,
      delegations: (await req(a, "GET", `/workspaces/${child.id}/delegations`, t)).json,
    };
    expect(before.own).toHaveLength(2);
    expect(before.global[0].id).toBe(g.json.id);
    await a.close();
    const b = await startEmulator({ stateFile, compat: "2026-04" });
    try {
      const after = {
        own: (await req(b, "GET", `/workspaces/${child.id}/memories`, t)).json,
        team: (
          await req(b, "GET", `/workspaces/${root.id}/memories?scope=TEAM`, { token: root.token })
        ).json,
        global: (await req(b, "GET", `/workspaces/${child.id}/memories?scope=GLOBAL`, t)).json,
        approvals: (await req(b, "GET", `/workspaces/${child.id}/approvals`, t)).json,
        pending: (await req(b, "GET", "/approvals/pending", { token: b.adminToken })).json,
        delegations: (await req(b, "GET", `/workspaces/${child.id}/delegations`, t)).json,
      };
      expect(after).toEqual(before);
      // The restored pending request is still decided once, then never again.
      const url = `/workspaces/${child.id}/approvals/${pending.json.approval_id}/decide`;
      const body = { decision: "approved" };
      expect((await req(b, "POST", url, { body, token: b.adminToken })).status).toBe(200);
      expect((await req(b, "POST", url, { body, token: b.adminToken })).status).toBe(404);
      // New rows after the restart do not collide with restored ones (ids, order).
      await req(b, "POST", `/workspaces/${child.id}/memories`, {
        body: { content: "after restart", scope: "LOCAL" },
        ...t,
      });
      const own = (await req(b, "GET", `/workspaces/${child.id}/memories`, t)).json;
      expect(own.map((m: { content: string }) => m.content)).toEqual([
        "after restart",
        "kept team",
        "kept local",
      ]);
    } finally {
      await b.close();
    }
  });

  it("the envelope helper and poll rows survive too", async () => {
    const stateFile = join(dir, "state", "org2.json");
    const a = await startEmulator({ stateFile });
    const ws = await makeWs(a, "p2");
    await req(a, "POST", `/workspaces/${ws.id}/a2a`, {
      body: envelope("stored"),
      token: a.adminToken,
    });
    const stored = a.activity(ws.id)[0] as { id: string };
    await a.close();
    const b = await startEmulator({ stateFile });
    try {
      const rows = await req(b, "GET", `/workspaces/${ws.id}/activity?since_id=${stored.id}`, {
        token: ws.token,
      });
      expect(rows.status).toBe(200);
      expect(rows.json).toEqual([]);
    } finally {
      await b.close();
    }
  });
});
