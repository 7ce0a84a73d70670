/* oxlint-disable typescript/no-explicit-any */
// Conformance: discovery, peers, check-access, the A2A proxy, activity, notify, delegate
// (platform-api.md §3.9-§3.13, §8.1-§8.4).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/index.js";
import {
  ZERO,
  emulator,
  envelope,
  makeWs,
  req,
  startAgent,
  until,
  type Agent,
  type Ws,
} from "./helpers.js";

/** The keys of an inbound row as the server writes it (`activity.go` 248-268 at 50c3bdfd). */
const ROW_KEYS = [
  "activity_type",
  "created_at",
  "duration_ms",
  "error_detail",
  "id",
  "method",
  "request_body",
  "source_id",
  "status",
  "summary",
  "target_id",
  "workspace_id",
];

/** The canvas's bearer on `emu`: none before 2026-08, the admin token on it (it refuses none). */
const canvas = (emu: Emulator): { token?: string } =>
  emu.compat === "latest" ? { token: emu.adminToken } : {};
const texts = (rows: any[]) => rows.map((r) => r.request_body?.params?.message?.parts?.[0]?.text);

describe.each(["latest", "2026-04"] as const)("hierarchy and discovery (%s)", (compat) => {
  let emu: Emulator;
  let root: Ws, a: Ws, b: Ws, a1: Ws, b1: Ws, other: Ws;
  let agent: Agent;
  beforeAll(async () => {
    emu = await emulator({ compat });
    agent = await startAgent();
    root = await makeWs(emu, "root", { url: agent.url });
    other = await makeWs(emu, "other-root", { url: agent.url });
    a = await makeWs(emu, "alpha", { parentId: root.id, url: agent.url });
    b = await makeWs(emu, "beta", { parentId: root.id, url: agent.url });
    a1 = await makeWs(emu, "alpha-child", { parentId: a.id, url: agent.url });
    b1 = await makeWs(emu, "beta-child", { parentId: b.id, url: agent.url });
  });
  afterAll(async () => {
    await emu.close();
    await agent.close();
  });

  const access = async (caller: string, target: string) =>
    (
      await req(emu, "POST", "/registry/check-access", {
        body: { caller_id: caller, target_id: target },
      })
    ).json.allowed;

  it("check-access applies CanCommunicate: self, siblings, roots, ancestors; not cousins", async () => {
    expect(await access(a.id, a.id)).toBe(true);
    expect(await access(a.id, b.id)).toBe(true);
    expect(await access(root.id, other.id)).toBe(true);
    expect(await access(a1.id, root.id)).toBe(true);
    expect(await access(root.id, a1.id)).toBe(true);
    expect(await access(a1.id, a.id)).toBe(true);
    expect(await access(a1.id, b1.id)).toBe(false);
    expect(await access(a1.id, b.id)).toBe(false);
    expect(await access(a1.id, ZERO)).toBe(false);
    expect(
      (await req(emu, "POST", "/registry/check-access", { body: { caller_id: a.id } })).status,
    ).toBe(400);
  });

  it("a child may call its parent but not a cousin through the proxy", async () => {
    const ok = await req(emu, "POST", `/workspaces/${a.id}/a2a`, {
      body: envelope("hi parent"),
      token: a1.token,
      headers: { "X-Workspace-ID": a1.id },
    });
    expect(ok.status).toBe(200);
    const denied = await req(emu, "POST", `/workspaces/${b1.id}/a2a`, {
      body: envelope("hi cousin"),
      token: a1.token,
      headers: { "X-Workspace-ID": a1.id },
    });
    expect(denied.status).toBe(403);
    expect(denied.json).toEqual({
      error: "access denied: workspaces cannot communicate per hierarchy rules",
    });
  });

  it("proxy caller authentication: bearer of the caller required; reserved prefixes rejected", async () => {
    const missing = await req(emu, "POST", `/workspaces/${a.id}/a2a`, {
      body: envelope("x"),
      headers: { "X-Workspace-ID": b.id },
    });
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual({ error: "missing caller auth token" });
    const wrong = await req(emu, "POST", `/workspaces/${a.id}/a2a`, {
      body: envelope("x"),
      token: a.token,
      headers: { "X-Workspace-ID": b.id },
    });
    expect(wrong.json).toEqual({
      // 2026-08: a live token of another workspace (a2a_proxy_helpers.go 1032 at aeec8e47)
      error:
        compat === "latest"
          ? "caller ID does not match workspace auth token"
          : "invalid caller auth token",
    });
    const sys = await req(emu, "POST", `/workspaces/${a.id}/a2a`, {
      body: envelope("x"),
      headers: { "X-Workspace-ID": "system:cron" },
    });
    expect(sys.status).toBe(403);
    expect(sys.json).toEqual({ error: "invalid caller ID" });
  });

  it("discover needs X-Workspace-ID, the caller's bearer and access", async () => {
    expect((await req(emu, "GET", `/registry/discover/${a.id}`, { token: b.token })).json).toEqual({
      error: "X-Workspace-ID header is required",
    });
    expect(
      (await req(emu, "GET", `/registry/discover/${a.id}`, { headers: { "X-Workspace-ID": b.id } }))
        .status,
    ).toBe(401);
    const ok = await req(emu, "GET", `/registry/discover/${a.id}`, {
      token: b.token,
      headers: { "X-Workspace-ID": b.id },
    });
    expect(ok.json).toEqual({ id: a.id, url: agent.url, name: "alpha" });
    const no = await req(emu, "GET", `/registry/discover/${b1.id}`, {
      token: a1.token,
      headers: { "X-Workspace-ID": a1.id },
    });
    expect(no.status).toBe(403);
    expect(no.json).toEqual({ error: "not authorized to discover this workspace" });
  });

  it("peers lists siblings, children and parent (not grandchildren), never null; ?q filters", async () => {
    const r = await req(emu, "GET", `/registry/${a.id}/peers`, { token: a.token });
    expect(r.status).toBe(200);
    expect(r.json.map((p: any) => p.name)).toEqual(["beta", "alpha-child", "root"]);
    expect(r.json[0]).toMatchObject({
      id: b.id,
      role: null,
      tier: 3,
      status: "online",
      parent_id: root.id,
      active_tasks: 0,
    });
    expect(Object.keys(r.json[0]).sort()).toEqual(
      [
        "active_tasks",
        "agent_card",
        "id",
        "name",
        "parent_id",
        "role",
        "status",
        "tier",
        "url",
      ].sort(),
    );
    const rootPeers = await req(emu, "GET", `/registry/${root.id}/peers`, { token: root.token });
    // 2026-08 nests parentless creates under the seeded Org Concierge, root's parent there.
    expect(rootPeers.json.map((p: any) => p.name)).toEqual(
      compat === "latest"
        ? ["other-root", "alpha", "beta", "Org Concierge"]
        : ["other-root", "alpha", "beta"],
    );
    const q = await req(emu, "GET", `/registry/${a.id}/peers?q=zzz`, { token: a.token });
    // 2026-04: the real server's q filter crashes on these role-less peers (strict-rules.test.ts)
    expect([q.status, q.text]).toEqual(compat === "latest" ? [200, "[]"] : [500, ""]);
    expect((await req(emu, "GET", `/registry/${a.id}/peers`)).status).toBe(401);
    expect((await req(emu, "GET", `/registry/${ZERO}/peers`)).status).toBe(404);
  });
});

describe.each(["latest", "2026-04"] as const)("A2A proxy (%s)", (compat) => {
  let emu: Emulator;
  let agent: Awaited<ReturnType<typeof startAgent>>;
  let caller: Ws, target: Ws;
  beforeAll(async () => {
    emu = await emulator({ compat, forwardTimeoutMs: 300 });
    agent = await startAgent(async (body) => {
      const text = body.params?.message?.parts?.[0]?.text;
      if (text === "slow") await new Promise((r) => setTimeout(r, 1000));
      if (text === "error") return { error: "agent says no", __status: 500 };
      if (text === "task")
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
                parts: [{ kind: "text", text: "status text" }],
              },
            },
            artifacts: [
              {
                artifactId: "a1",
                parts: [
                  { kind: "text", text: "artifact text" },
                  { kind: "data", data: { x: 1 } },
                ],
              },
            ],
          },
        };
      return {
        jsonrpc: "2.0",
        id: body.id,
        result: {
          kind: "message",
          role: "agent",
          messageId: "r",
          parts: [{ kind: "text", text: `echo:${text}` }],
        },
      };
    });
    caller = await makeWs(emu, "caller", { url: agent.url });
    target = await makeWs(emu, "target", { url: agent.url });
  });
  afterAll(async () => {
    await emu.close();
    await agent.close();
  });

  const call = (body: unknown, extra: { raw?: string } = {}) =>
    req(emu, "POST", `/workspaces/${target.id}/a2a`, {
      ...(extra.raw !== undefined ? { raw: extra.raw } : { body }),
      token: caller.token,
      headers: { "X-Workspace-ID": caller.id },
    });

  it("forwards the normalised envelope with only Content-Type and relays the reply", async () => {
    const before = agent.received.length;
    const r = await call(envelope("hello"));
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json");
    const sent = agent.headers[before] as Record<string, unknown>;
    // 2026-08 signs a push to a host-name URL with the target's inbound secret.
    const beat = await req(emu, "POST", "/registry/heartbeat", {
      body: { workspace_id: target.id },
      token: target.token,
    });
    expect(sent["authorization"]).toBe(
      compat === "latest" ? `Bearer ${beat.json.platform_inbound_secret}` : undefined,
    );
    expect(sent["x-workspace-id"]).toBeUndefined();
    expect(sent["content-type"]).toBe("application/json");
    expect(agent.received[before].params.message.parts[0].text).toBe("hello");
    const text = r.json.result.parts[0].text as string;
    // Unwrapped in every contract: no server wraps a peer's answer (platform-hosted.md).
    expect(text).toBe("echo:hello");
  });

  it("relays Task artifact and status text parts unchanged (no OFFSEC-003 markers)", async () => {
    const r = await call(envelope("task"));
    const res = r.json.result;
    expect(res.artifacts[0].parts[0].text).toBe("artifact text");
    expect(res.artifacts[0].parts[1]).toEqual({ kind: "data", data: { x: 1 } });
    expect(res.status.message.parts[0].text).toBe("status text");
  });

  it("normalises shorthand bodies: jsonrpc/id added, messageId injected, other keys dropped", async () => {
    const before = agent.received.length;
    await call({
      method: "message/send",
      params: { message: { role: "user", parts: [{ type: "text", text: "short" }] } },
      parts: [1],
    });
    const env = agent.received[before];
    expect(env.jsonrpc).toBe("2.0");
    expect(typeof env.id).toBe("string");
    expect(env.params.message.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(env.parts).toBeUndefined();
    expect(env.params.message.parts[0]).toEqual({ type: "text", text: "short" });
  });

  it("malformed bodies: non-JSON is 400 invalid JSON; bodies over 1 MiB are truncated (400) before 2026-08, which forwards them", async () => {
    expect((await call(undefined, { raw: "not json" })).json).toEqual({ error: "invalid JSON" });
    const big = JSON.stringify(envelope("x".repeat(1_100_000)));
    const r = await call(undefined, { raw: big });
    // The 2026-08 recording's "a2a oversized body (1.5 MiB)" is 200.
    expect(r.status).toBe(compat === "latest" ? 200 : 400);
    expect(r.json.error).toBe(compat === "latest" ? undefined : "invalid JSON");
  });

  it("logs an a2a_receive row on the target with source_id, method and request_body", async () => {
    const mid = crypto.randomUUID();
    await call(envelope("logged", mid));
    const rows = emu
      .activity(target.id)
      .filter((r: any) => r.request_body?.params?.message?.messageId === mid);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      activity_type: "a2a_receive",
      source_id: caller.id,
      target_id: target.id,
      method: "message/send",
      status: "ok",
    });
  });

  it("the agent's error status is relayed with its error string", async () => {
    const errAgent = await startAgent((_b, _rq, rs) => {
      rs.writeHead(500, { "Content-Type": "application/json" });
      rs.end(JSON.stringify({ error: "agent says no" }));
      return undefined;
    });
    try {
      const w = await makeWs(emu, "erring", { url: errAgent.url });
      const r = await req(emu, "POST", `/workspaces/${w.id}/a2a`, {
        body: envelope("x"),
        ...canvas(emu),
      });
      expect(r.status).toBe(500);
      expect(r.json).toEqual({ error: "agent says no" });
    } finally {
      await errAgent.close();
    }
  });

  it("an unreachable agent is 502 failed to reach workspace agent", async () => {
    const w = await makeWs(emu, "dead", { url: "http://localhost:1/a2a" });
    const r = await req(emu, "POST", `/workspaces/${w.id}/a2a`, {
      body: envelope("x"),
      ...canvas(emu),
    });
    expect(r.status).toBe(502);
    expect(r.json).toEqual({ error: "failed to reach workspace agent" });
  });

  it("unknown target 404; paused target 503 workspace has no URL", async () => {
    expect(
      (await req(emu, "POST", `/workspaces/${ZERO}/a2a`, { body: envelope("x"), ...canvas(emu) }))
        .json,
    ).toEqual({ error: "workspace not found" });
    const w = await makeWs(emu, "to-pause", { url: agent.url });
    await emu.admin.pause(w.id);
    const r = await req(emu, "POST", `/workspaces/${w.id}/a2a`, {
      body: envelope("x"),
      ...canvas(emu),
    });
    expect(r.status).toBe(503);
    expect(r.json).toEqual({ error: "workspace has no URL", status: "paused" });
  });

  it("a busy target (forward timeout) yields 202 {queued} and a later re-delivery on heartbeat", async () => {
    const mid = crypto.randomUUID();
    const r = await call(envelope("slow", mid));
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ queued: true, queue_depth: 1 });
    expect(r.json.message).toBe(
      "workspace agent busy — request queued, will dispatch when capacity available",
    );
    // same messageId again: deduplicated onto the active queue row
    const dup = await call(envelope("slow", mid));
    expect(dup.json.queue_id).toBe(r.json.queue_id);
    const before = agent.received.filter((e) => e.params?.message?.messageId === mid).length;
    // no re-delivery while the agent reports itself at capacity
    await req(emu, "POST", "/registry/heartbeat", {
      body: { workspace_id: target.id, active_tasks: 1 },
      token: target.token,
    });
    expect(emu.queue(target.id)[0]?.status).toBe("queued");
    await req(emu, "POST", "/registry/heartbeat", {
      body: { workspace_id: target.id, active_tasks: 0 },
      token: target.token,
    });
    await until(
      () => agent.received.filter((e) => e.params?.message?.messageId === mid).length > before,
    );
    expect(emu.queue(target.id).find((q) => q.id === r.json.queue_id)?.attempts).toBe(1);
  });

  it("injectFault can force a busy forward (connection reset) -> 202 queued", async () => {
    emu.injectFault({ path: `/workspaces/${target.id}/a2a`, stage: "forward", reset: true });
    const r = await call(envelope("reset me"));
    expect(r.status).toBe(202);
    expect(r.json.queued).toBe(true);
    const ok = await call(envelope("fine again"));
    expect(ok.status).toBe(200);
  });

  it("a busy forward is logged: August an ok row (queued: target busy), April the failure", async () => {
    emu.injectFault({ path: `/workspaces/${target.id}/a2a`, stage: "forward", reset: true });
    const r = await call(envelope("busy row"));
    expect(r.status).toBe(202);
    const rows = emu
      .activity(target.id)
      .filter((a) => JSON.stringify(a["request_body"] ?? "").includes("busy row"));
    expect(
      rows.map((a) => [a["status"], String(a["summary"]).includes("(queued: target busy)")]),
    ).toEqual(compat === "latest" ? [["ok", true]] : [["error", false]]);
  });

  it("a target declaring the session capability: August queues it (#1684), April answers 503 native_session", async () => {
    const w = await makeWs(emu, "native", { url: agent.url });
    await req(emu, "POST", "/registry/heartbeat", {
      body: { workspace_id: w.id, runtime_metadata: { capabilities: { session: true } } },
      token: w.token,
    });
    emu.injectFault({ path: "/workspaces/:id/a2a", stage: "forward", reset: true });
    const r = await req(emu, "POST", `/workspaces/${w.id}/a2a`, {
      body: envelope("x"),
      ...canvas(emu),
    });
    const seen = {
      status: r.status,
      queued: r.json.queued,
      native: r.json.native_session,
      retryAfter: r.headers.get("retry-after"),
    };
    expect(seen).toEqual(
      compat === "latest"
        ? { status: 202, queued: true, native: undefined, retryAfter: null }
        : { status: 503, queued: undefined, native: true, retryAfter: "30" },
    );
  });

  it("budget exceeded is 402", async () => {
    const created = await emu.admin.createWorkspace({
      name: "budget",
      url: agent.url,
      extra: { budget_limit: 10 },
    });
    const reg = await req(emu, "POST", "/registry/register", {
      body: { id: created.id, url: agent.url, agent_card: {} },
    });
    await req(emu, "POST", "/registry/heartbeat", {
      body: { workspace_id: created.id, monthly_spend: 10 },
      token: reg.json.auth_token,
    });
    const r = await req(emu, "POST", `/workspaces/${created.id}/a2a`, {
      body: envelope("x"),
      ...canvas(emu),
    });
    expect(r.status).toBe(402);
    expect(r.json).toEqual({ error: "workspace budget limit exceeded" });
  });
});

describe("poll delivery (latest)", () => {
  let emu: Emulator;
  let alice: Ws, bob: Ws;
  beforeAll(async () => {
    emu = await emulator();
    alice = await makeWs(emu, "alice", { mode: "poll" });
    bob = await makeWs(emu, "bob");
  });
  afterAll(async () => emu.close());

  it("register with delivery_mode poll needs no url and echoes delivery_mode + platform_inbound_secret", async () => {
    const created = await emu.admin.createWorkspace({ name: "p" });
    const r = await req(emu, "POST", "/registry/register", {
      body: { id: created.id, delivery_mode: "poll", agent_card: { name: "p" } },
      token: created.token,
    });
    expect(r.status).toBe(200);
    expect(r.json.delivery_mode).toBe("poll");
    expect(typeof r.json.platform_inbound_secret).toBe("string");
    const bad = await req(emu, "POST", "/registry/register", {
      body: { id: created.id, delivery_mode: "carrier-pigeon", agent_card: {} },
      token: created.token,
    });
    expect(bad.status).toBe(400);
  });

  it("proxy calls to a poll workspace are stored as a2a_receive rows and answered 200 {status: queued} (#2353)", async () => {
    const r = await req(emu, "POST", `/workspaces/${alice.id}/a2a`, {
      body: envelope("for alice"),
      token: bob.token,
      headers: { "X-Workspace-ID": bob.id },
    });
    expect(r.status).toBe(200);
    // Exactly the platform's body (a2a_proxy.go 398-414 at 50c3bdfd): no envelope, no queue id.
    expect(r.json).toEqual({ status: "queued", delivery_mode: "poll", method: "message/send" });
    const rows = await req(emu, "GET", `/workspaces/${alice.id}/activity?type=a2a_receive`, {
      token: alice.token,
    });
    const row = rows.json[0];
    expect(row.summary).toBe("message/send → alice (queued for poll)");
    expect(row).toMatchObject({ source_id: bob.id, target_id: alice.id, method: "message/send" });
    expect(row.request_body.params.message.parts[0].text).toBe("for alice");
    // The server's row and nothing more (activity.go 248-268 at 50c3bdfd): no `data` enrichment;
    // 2026-08 numbers rows (`seq`).
    expect(Object.keys(row).sort()).toEqual([...ROW_KEYS, "seq"].sort());
  });

  it("a canvas message (no X-Workspace-ID) is a flat row with no source", async () => {
    const r = await req(emu, "POST", `/workspaces/${alice.id}/a2a`, {
      body: envelope("from the canvas"),
      ...canvas(emu),
    });
    expect(r.status).toBe(200);
    const rows = await req(emu, "GET", `/workspaces/${alice.id}/activity?source=canvas`, {
      token: alice.token,
    });
    expect(rows.json[0]).toMatchObject({ source_id: null, method: "message/send" });
    expect(rows.json[0].request_body.params.message.parts[0].text).toBe("from the canvas");
    expect(Object.keys(rows.json[0]).sort()).toEqual([...ROW_KEYS, "seq"].sort());
  });

  it("the agent replies to a peer through the proxy (stored for the peer) and to the canvas via notify", async () => {
    const reply = await req(emu, "POST", `/workspaces/${bob.id}/a2a`, {
      body: envelope("reply to bob"),
      token: alice.token,
      headers: { "X-Workspace-ID": alice.id },
    });
    expect(reply.status).toBe(200);
    const bobRows = emu.activity(bob.id) as any[];
    expect(bobRows.at(-1)).toMatchObject({ source_id: alice.id });
    expect(bobRows.at(-1)!["data"]).toBeUndefined();
    const n = await req(emu, "POST", `/workspaces/${alice.id}/notify`, {
      body: { message: "hello canvas" },
      token: alice.token,
    });
    expect(n.json).toEqual({ status: "sent" });
  });
});

describe.each(["latest", "2026-04"] as const)("activity, notify, delegate (%s)", (compat) => {
  let emu: Emulator;
  let agent: Agent;
  let src: Ws, dst: Ws;
  beforeAll(async () => {
    emu = await emulator({ compat });
    agent = await startAgent();
    src = await makeWs(emu, "src", { url: agent.url });
    dst = await makeWs(emu, "dst", { url: agent.url });
    for (let i = 0; i < 3; i++)
      await req(emu, "POST", `/workspaces/${src.id}/a2a`, {
        body: envelope(`m${i}`),
        ...canvas(emu),
      });
  });
  afterAll(async () => {
    await emu.close();
    await agent.close();
  });

  const list = (q: string) =>
    req(emu, "GET", `/workspaces/${src.id}/activity${q}`, { token: src.token });

  it("activity requires the workspace bearer or admin", async () => {
    expect((await req(emu, "GET", `/workspaces/${src.id}/activity`)).status).toBe(401);
    expect(
      (await req(emu, "GET", `/workspaces/${src.id}/activity`, { token: dst.token })).status,
    ).toBe(401);
    expect(
      (await req(emu, "GET", `/workspaces/${src.id}/activity`, { token: emu.adminToken })).status,
    ).toBe(200);
  });

  it("activity without a cursor is newest-first; limit applies", async () => {
    expect(texts((await list("")).json)).toEqual(["m2", "m1", "m0"]);
    expect(texts((await list("?limit=1")).json)).toEqual(["m2"]);
    expect((await list("?limit=-4")).json).toHaveLength(3);
  });

  it("since_id: ascending after the cursor in latest, ignored in 2026-04", async () => {
    const all = (await list("?type=a2a_receive")).json;
    const oldest = all.at(-1).id;
    const r = await list(`?since_id=${oldest}`);
    expect(r.status).toBe(200);
    expect(texts(r.json)).toEqual(compat === "latest" ? ["m1", "m2"] : ["m2", "m1", "m0"]);
  });

  it("an unknown cursor is 410 in latest and ignored in 2026-04", async () => {
    const r = await list(`?since_id=${ZERO}`);
    expect(r.status).toBe(compat === "latest" ? 410 : 200);
    expect(Array.isArray(r.json)).toBe(compat !== "latest");
  });

  it("type and source filters; bad source is 400", async () => {
    expect((await list("?source=bogus")).json).toEqual({
      error: "source must be 'canvas' or 'agent'",
    });
    expect((await list("?source=agent")).json).toEqual([]);
    expect(
      (await list("?type=delegation&source=canvas")).json.every(
        (r: any) => r.activity_type === "delegation",
      ),
    ).toBe(true);
  });

  it("rows are flat in both contracts", async () => {
    const row = (await list("?limit=1")).json[0];
    expect(row).toMatchObject({
      activity_type: "a2a_receive",
      source_id: null,
      method: "message/send",
      status: "ok",
    });
    expect(typeof row.created_at).toBe("string");
    expect(row.data).toBeUndefined();
    // A pushed call's row also holds the agent's answer; 2026-08 numbers rows (`seq`).
    const extra = compat === "latest" ? ["response_body", "seq"] : ["response_body"];
    expect(Object.keys(row).sort()).toEqual([...ROW_KEYS, ...extra].sort());
  });

  it("peer_id and before_ts filter in latest; ignored in 2026-04", async () => {
    await req(emu, "POST", `/workspaces/${src.id}/a2a`, {
      body: envelope("from dst"),
      token: dst.token,
      headers: { "X-Workspace-ID": dst.id },
    });
    const byPeer = await list(`?peer_id=${dst.id}`);
    expect(texts(byPeer.json)).toEqual(
      compat === "latest" ? ["from dst"] : ["from dst", "m2", "m1", "m0"],
    );
    const past = await list(`?before_ts=${encodeURIComponent("2000-01-01T00:00:00Z")}`);
    expect(past.json.length).toBe(compat === "latest" ? 0 : 4);
  });

  it("notify writes its echo row (method notify, source_id null, response_body.result)", async () => {
    const n = await req(emu, "POST", `/workspaces/${src.id}/notify`, {
      body: {
        message: "done!",
        attachments: [{ uri: "workspace:/a.pdf", name: "a.pdf", mimeType: "application/pdf" }],
      },
      token: src.token,
    });
    expect(n.json).toEqual({ status: "sent" });
    const row = (await list("?limit=1")).json[0];
    expect(row).toMatchObject({
      activity_type: "a2a_receive",
      method: "notify",
      source_id: null,
      summary: "Agent message: done!",
      response_body: {
        result: "done!",
        parts: [
          {
            kind: "file",
            file: { uri: "workspace:/a.pdf", name: "a.pdf", mimeType: "application/pdf" },
          },
        ],
      },
    });
    expect(row.request_body).toBeUndefined();
    expect(row.data).toBeUndefined();
    expect(
      (await req(emu, "POST", `/workspaces/${src.id}/notify`, { body: {}, token: src.token })).json,
    ).toEqual({ error: "message is required" });
    const badAtt = await req(emu, "POST", `/workspaces/${src.id}/notify`, {
      body: { message: "x", attachments: [{ uri: "u" }] },
      token: src.token,
    });
    expect(badAtt.json).toEqual({ error: "attachment[0]: uri and name are required" });
  });

  it("activity self-report validates activity_type and source_id", async () => {
    const ok = await req(emu, "POST", `/workspaces/${src.id}/activity`, {
      body: { activity_type: "agent_log", summary: "s" },
      token: src.token,
    });
    expect(ok.json).toEqual({ status: "logged" });
    expect(
      (
        await req(emu, "POST", `/workspaces/${src.id}/activity`, {
          body: { activity_type: "nope" },
          token: src.token,
        })
      ).status,
    ).toBe(400);
    const spoof = await req(emu, "POST", `/workspaces/${src.id}/activity`, {
      body: { activity_type: "agent_log", source_id: dst.id },
      token: src.token,
    });
    expect(spoof.status).toBe(403);
  });

  it("delegate: source id in the path, target_id in the body, 202 then completed with a result row", async () => {
    const r = await req(emu, "POST", `/workspaces/${src.id}/delegate`, {
      body: { target_id: dst.id, task: "summarise" },
      token: src.token,
    });
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ status: "delegated", target_id: dst.id });
    const id = r.json.delegation_id;
    let rows: any[] = [];
    await until(() => {
      rows = emu.activity(src.id).filter((x: any) => x.response_body?.delegation_id === id);
      return rows.some((x: any) => x.method === "delegate_result");
    });
    // 2026-08 also names the delegation in the `delegate` row's response_body (mc#984).
    expect(rows.map((x: any) => x.method)).toEqual(
      emu.compat === "latest" ? ["delegate", "delegate_result"] : ["delegate_result"],
    );
    rows = rows.filter((x: any) => x.method === "delegate_result");
    // The result text as the peer answered it (`delegation.go` ~880 at aeec8e47): no markers.
    expect(String(rows[0].response_body.text)).not.toContain("[A2A_RESULT_FROM_PEER]");
    const sent = agent.received.find((e) => e.params?.message?.messageId === id);
    expect(sent.params.message).toMatchObject({
      role: "user",
      parts: [{ type: "text", text: "summarise" }],
      metadata: { delegation_id: id },
    });
    const ds = await req(emu, "GET", `/workspaces/${src.id}/delegations`, { token: src.token });
    // As the real server lists them: `type` is the activity type of both rows (delegation.go).
    const listed = ds.json.filter((d: any) => d.delegation_id === id);
    expect(listed.map((d: any) => [d.type, d.status])).toEqual([
      ["delegation", "completed"],
      ["delegation", "completed"],
    ]);
  });

  it("delegate validation and idempotency keys", async () => {
    const d = (body: unknown) =>
      req(emu, "POST", `/workspaces/${src.id}/delegate`, { body, token: src.token });
    expect((await d({ task: "x" })).json).toEqual({ error: "invalid delegation request" });
    expect((await d({ target_id: "nope", task: "x" })).json).toEqual({
      error: "target_id must be a valid UUID",
    });
    expect((await d({ target_id: src.id, task: "x" })).json).toEqual({
      error: "self-delegation not permitted",
    });
    const first = await d({ target_id: dst.id, task: "once", idempotency_key: "k1" });
    expect(first.status).toBe(202);
    const again = await d({ target_id: dst.id, task: "once", idempotency_key: "k1" });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({
      delegation_id: first.json.delegation_id,
      idempotent_hit: true,
      target_id: dst.id,
    });
  });
});
