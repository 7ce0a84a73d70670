/* oxlint-disable typescript/no-explicit-any */
// What the platform's pull requests of 2026-04-28..05-06 changed, as stated by the newer server's
// code (enteros-core 50c3bdfd), and what the April 2026 server answers instead: credential rotation
// and re-show (#2852), restart of an external workspace (#2412), the queue status of a busy
// target's call (#2333), `delivery_mode` on create (#2348), a heartbeat lifting `awaiting_agent`
// (#2382), the delegation rows' texts (delegation.go) and the flag-gated delegation result pushed
// into the delegating workspace's inbox (#2832-#2844), and no `/healthz` on the workspace-server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/index.js";
import {
  type Agent,
  emulator,
  envelope,
  makeWs,
  req,
  startAgent,
  until,
  type Ws,
} from "./helpers.js";

const PG_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,3})?\+00$/;
const CONNECTION_FIELDS = [
  "workspace_id",
  "platform_url",
  "auth_token",
  "registry_endpoint",
  "heartbeat_endpoint",
  "curl_register_template",
  "python_snippet",
  "claude_code_channel_snippet",
  "universal_mcp_snippet",
  "hermes_channel_snippet",
  "codex_snippet",
  "openclaw_snippet",
];

/** `POST /registry/heartbeat` of `ws` with its token, as `token`. */
const beat = (emu: Emulator, ws: Ws, token = ws.token) =>
  req(emu, "POST", "/registry/heartbeat", { body: { workspace_id: ws.id }, token });

describe("external credentials (latest)", () => {
  let emu: Emulator;
  let ws: Ws;
  beforeAll(async () => {
    emu = await emulator();
    ws = await makeWs(emu, "ext");
  });
  afterAll(async () => emu.close());

  it("rotate revokes every token, then mints one, answered in {connection}", async () => {
    const second = await emu.admin.createToken(ws.id);
    const r = await req(emu, "POST", `/workspaces/${ws.id}/external/rotate`, {
      token: emu.adminToken,
    });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(["connection"]);
    const c = r.json.connection;
    expect(Object.keys(c).sort()).toEqual([...CONNECTION_FIELDS].sort());
    expect(c).toMatchObject({
      workspace_id: ws.id,
      platform_url: emu.url,
      registry_endpoint: `${emu.url}/registry/register`,
      heartbeat_endpoint: `${emu.url}/registry/heartbeat`,
    });
    expect(c.auth_token).toMatch(/^\S{20,}$/);
    // Every earlier token is revoked, the agent's and the extra one; the new one works.
    expect((await beat(emu, ws)).status).toBe(401);
    expect((await beat(emu, ws, second)).status).toBe(401);
    expect((await beat(emu, ws, c.auth_token)).status).toBe(200);
    const history = await req(emu, "GET", `/events/${ws.id}`, { token: emu.adminToken });
    const rotated = history.json.find((e: any) => e.event_type === "EXTERNAL_CREDENTIALS_ROTATED");
    expect(rotated.payload).toEqual({ workspace_id: ws.id });
    ws = { id: ws.id, token: c.auth_token };
  });

  it("the workspace's own token may rotate it (the route is in the workspace auth group); another's may not", async () => {
    const other = await makeWs(emu, "other");
    const refused = await req(emu, "POST", `/workspaces/${ws.id}/external/rotate`, {
      token: other.token,
    });
    expect([refused.status, refused.json]).toEqual([
      401,
      { error: "invalid workspace auth token" },
    ]);
    const none = await req(emu, "POST", `/workspaces/${ws.id}/external/rotate`);
    expect([none.status, none.json]).toEqual([401, { error: "missing workspace auth token" }]);
    const own = await req(emu, "POST", `/workspaces/${ws.id}/external/rotate`, { token: ws.token });
    expect(own.status).toBe(200);
    ws = { id: ws.id, token: own.json.connection.auth_token };
  });

  it('connection re-shows the block with auth_token "" and revokes nothing', async () => {
    const r = await req(emu, "GET", `/workspaces/${ws.id}/external/connection`, {
      token: ws.token,
    });
    expect(r.status).toBe(200);
    expect(r.json.connection).toMatchObject({ workspace_id: ws.id, auth_token: "" });
    expect((await beat(emu, ws)).status).toBe(200);
  });

  it("another runtime is refused with 400: rotate hints at restart, connection does not", async () => {
    const created = await req(emu, "POST", "/workspaces", {
      body: { name: "docker-one", runtime: "langgraph" },
      token: emu.adminToken,
    });
    const id = created.json.id;
    const rotate = await req(emu, "POST", `/workspaces/${id}/external/rotate`, {
      token: emu.adminToken,
    });
    expect([rotate.status, rotate.json]).toEqual([
      400,
      {
        error: "rotate is only valid for runtime=external workspaces",
        runtime: "langgraph",
        hint: "use POST /workspaces/:id/restart for non-external runtimes",
      },
    ]);
    const show = await req(emu, "GET", `/workspaces/${id}/external/connection`, {
      token: emu.adminToken,
    });
    expect([show.status, show.json]).toEqual([
      400,
      {
        error: "connection payload is only valid for runtime=external workspaces",
        runtime: "langgraph",
      },
    ]);
  });
});

describe("external credentials (2026-04)", () => {
  it("neither rotate nor connection exists: 404", async () => {
    const emu = await emulator({ compat: "2026-04" });
    try {
      const ws = await makeWs(emu, "ext");
      const rotate = await req(emu, "POST", `/workspaces/${ws.id}/external/rotate`, {
        token: emu.adminToken,
      });
      const show = await req(emu, "GET", `/workspaces/${ws.id}/external/connection`, {
        token: ws.token,
      });
      expect([rotate.status, show.status]).toEqual([404, 404]);
      expect((await beat(emu, ws)).status).toBe(200); // nothing was revoked
    } finally {
      await emu.close();
    }
  });
});

describe("create's connection block", () => {
  it.each([
    ["latest", 12],
    ["2026-04", 7],
  ] as const)("has, in %s, %i fields", async (compat, fields) => {
    const emu = await emulator({ compat });
    try {
      const created = await emu.admin.createWorkspace({ name: "fresh" });
      expect(Object.keys(created.connection ?? {})).toEqual(CONNECTION_FIELDS.slice(0, fields));
    } finally {
      await emu.close();
    }
  });
});

describe.each(["latest", "2026-04"] as const)("restart (%s)", (compat) => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await emulator({ compat });
  });
  afterAll(async () => emu.close());

  it("an external workspace's restart is a noop in latest (#2412); the baseline has no provisioner to restart it with", async () => {
    const ws = await makeWs(emu, "ext");
    const r = await req(emu, "POST", `/workspaces/${ws.id}/restart`, { token: ws.token });
    expect([r.status, r.json]).toEqual(
      compat === "latest"
        ? [
            200,
            {
              status: "noop",
              runtime: "external",
              message:
                "external workspaces are operator-driven — restart your local poller; platform has nothing to restart",
            },
          ]
        : [503, { error: "provisioner not available" }],
    );
    expect((await beat(emu, ws)).status).toBe(200); // nothing was revoked
  });

  it("a paused parent is 409 first; an unknown workspace 404", async () => {
    const parent = await makeWs(emu, "parent");
    const child = await makeWs(emu, "child", { parentId: parent.id });
    await emu.admin.pause(parent.id);
    const r = await req(emu, "POST", `/workspaces/${child.id}/restart`, {
      token: emu.adminToken,
    });
    expect([r.status, r.json]).toEqual([
      409,
      { error: 'parent workspace "parent" is paused — resume it first' },
    ]);
    const unknown = await req(emu, "POST", `/workspaces/${crypto.randomUUID()}/restart`, {
      token: emu.adminToken,
    });
    expect([unknown.status, unknown.json]).toEqual([404, { error: "workspace not found" }]);
  });
});

describe.each(["latest", "2026-04"] as const)("delivery_mode on create (%s)", (compat) => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await emulator({ compat });
  });
  afterAll(async () => emu.close());

  const create = (extra: Record<string, unknown>) =>
    req(emu, "POST", "/workspaces", {
      body: { name: "m", runtime: "external", ...extra },
      token: emu.adminToken,
    });
  const refused = [400, { error: "delivery_mode must be 'push' or 'poll'" }];

  it("an unknown mode is 400 with register's text in latest (#2348); the baseline ignores the field", async () => {
    const r = await create({ delivery_mode: "carrier-pigeon" });
    expect(r.status === 201 ? "created" : [r.status, r.json]).toEqual(
      compat === "latest" ? refused : "created",
    );
    const reg = await req(emu, "POST", "/registry/register", {
      body: { id: crypto.randomUUID(), delivery_mode: "carrier-pigeon", agent_card: { name: "x" } },
    });
    // The baseline ignores the mode and then wants a url: its own 400.
    expect([reg.status, reg.json]).toEqual(
      compat === "latest" ? refused : [400, { error: "invalid request body" }],
    );
  });

  it("an explicit mode is stored in latest (the baseline has no such column)", async () => {
    const push = await create({ delivery_mode: "push" });
    const poll = await create({ delivery_mode: "poll" });
    // 2026-08 shows no delivery_mode on GET; its register keeps the row's mode when none is sent
    // (push then wants a URL).
    const modeOf = async (c: typeof push): Promise<unknown> => {
      if (compat !== "latest") return (await emu.admin.getWorkspace(c.json.id))["delivery_mode"];
      const r = await req(emu, "POST", "/registry/register", {
        body: { id: c.json.id, agent_card: { name: "m" } },
        token: c.json.connection.auth_token,
      });
      return r.status === 200 ? r.json.delivery_mode : r.json.error;
    };
    expect([await modeOf(push), await modeOf(poll)]).toEqual(
      compat === "latest"
        ? ["url is required for push-mode workspaces", "poll"]
        : [undefined, undefined],
    );
  });
});

describe.each([
  ["latest", "awaiting_agent"],
  ["2026-04", "provisioning"],
] as const)("a heartbeat and a workspace waiting for its agent (%s)", (compat, waiting) => {
  it(`lifts a never-registered external workspace (${waiting}) online`, async () => {
    const emu = await emulator({ compat });
    try {
      const created = await emu.admin.createWorkspace({ name: "w" });
      expect((await emu.admin.getWorkspace(created.id))["status"]).toBe(waiting);
      const r = await beat(emu, { id: created.id, token: created.token! });
      expect(r.status).toBe(200);
      expect((await emu.admin.getWorkspace(created.id))["status"]).toBe("online");
    } finally {
      await emu.close();
    }
  });
});

describe("/healthz", () => {
  it("the workspace-server serves /health only (router.go 83-85 at 50c3bdfd; /healthz is the SaaS edge's)", async () => {
    const emu = await emulator();
    try {
      expect((await req(emu, "GET", "/health")).json).toEqual({ status: "ok" });
      expect((await req(emu, "GET", "/healthz")).status).toBe(404);
    } finally {
      await emu.close();
    }
  });
});

/** A delegation's "queued" row. */
const queuedRow = (r: any) => r.status === "queued" && r.method === "delegate_result";

/** `POST …/delegations/d-<status>/update` of `ws` with `body`. */
const update = async (e: Emulator, ws: Ws, body: Record<string, unknown>) =>
  req(e, "POST", `/workspaces/${ws.id}/delegations/d-${body["status"]}/update`, {
    body,
    token: ws.token,
  });

describe.each(["latest", "2026-04"] as const)("delegation rows (%s)", (compat) => {
  let emu: Emulator;
  let agent: Agent;
  let src: Ws, dst: Ws, failing: Ws;
  beforeAll(async () => {
    emu = await emulator({ compat, delegationResultInboxPush: true });
    agent = await startAgent((body) => ({
      jsonrpc: "2.0",
      id: body.id,
      result: {
        kind: "message",
        role: "agent",
        messageId: "r1",
        parts: [{ kind: "text", text: `done: ${"x".repeat(100)}` }],
      },
    }));
    src = await makeWs(emu, "src", { url: agent.url });
    dst = await makeWs(emu, "dst", { url: agent.url });
    failing = await makeWs(emu, "failing", { url: "http://localhost:9/never" });
  });
  afterAll(async () => {
    await emu.close();
    await agent.close();
  });

  const rows = (id: string) => emu.activity(id) as any[];
  const delegate = async (target: string, task: string): Promise<string> => {
    const r = await req(emu, "POST", `/workspaces/${src.id}/delegate`, {
      body: { target_id: target, task },
      token: src.token,
    });
    return r.json.delegation_id as string;
  };

  it("the servers' texts: 'Delegating to <target id>', 'Delegation completed (<at most 80 bytes>)'", async () => {
    const id = await delegate(dst.id.toUpperCase(), "summarise");
    await until(() => rows(src.id).some((r) => r.summary?.startsWith("Delegation completed")));
    const sent = rows(src.id).find(
      (r) => r.method === "delegate" && r.request_body?.delegation_id === id,
    );
    expect(sent).toMatchObject({
      activity_type: "delegation",
      summary: `Delegating to ${dst.id.toUpperCase()}`,
      request_body: { task: "summarise", delegation_id: id },
    });
    const done = rows(src.id).find(
      (r) => r.method === "delegate_result" && r.activity_type === "delegation",
    );
    // The baseline: the first 80 bytes and "..."; latest (#3016): 80 bytes in all, ending in "…".
    expect(done.summary).toBe(
      compat === "latest"
        ? `Delegation completed (done: ${"x".repeat(71)}…)`
        : `Delegation completed (done: ${"x".repeat(74)}...)`,
    );
    expect(done.status).toBe("completed");
  });

  it("a failed run writes 'Delegation failed' with the error", async () => {
    const id = await delegate(failing.id, "try");
    await until(() => rows(src.id).some((r) => r.summary === "Delegation failed"));
    const failed = rows(src.id).find((r) => r.summary === "Delegation failed");
    expect(failed).toMatchObject({
      activity_type: "delegation",
      method: "delegate_result",
      target_id: failing.id,
      status: "failed",
    });
    expect(failed.error_detail).toBeTruthy();
    const sent = rows(src.id).find(
      (r) => r.method === "delegate" && r.request_body?.delegation_id === id,
    );
    expect(sent.status).toBe("failed");
  });

  it("a busy target: 'Delegation queued — target at capacity' with {delegation_id, queued: true}", async () => {
    emu.injectFault({ path: `/workspaces/${dst.id}/a2a`, stage: "forward", reset: true });
    const id = await delegate(dst.id, "later");
    await until(() => rows(src.id).some(queuedRow));
    expect(rows(src.id).find(queuedRow)).toMatchObject({
      summary: "Delegation queued — target at capacity",
      target_id: dst.id,
      response_body: { delegation_id: id, queued: true },
    });
  });

  it("the result pushed into the delegating workspace's inbox (latest, DELEGATION_RESULT_INBOX_PUSH): a2a_receive, delegate_result, source_id itself", async () => {
    const pushed = rows(src.id)
      .filter((r) => r.activity_type === "a2a_receive")
      .map((r) => ({
        method: r.method,
        source_id: r.source_id,
        target_id: r.target_id,
        summary: r.summary,
        status: r.status,
        text: r.response_body.text,
        failed: r.error_detail !== null,
        same_id: r.request_body.delegation_id === r.response_body.delegation_id,
      }));
    const row = { method: "delegate_result", source_id: src.id, target_id: null, same_id: true };
    expect(pushed).toEqual(
      compat === "latest"
        ? [
            {
              ...row,
              summary: "Delegation result delivered",
              status: "ok",
              text: `done: ${"x".repeat(100)}`,
              failed: false,
            },
            { ...row, summary: "Delegation failed", status: "error", text: "", failed: true },
          ]
        : [],
    );
  });

  it("…/delegations/:id/update pushes too; without the option nothing is pushed", async () => {
    await update(emu, src, { status: "completed", response_preview: "fine" });
    await update(emu, src, { status: "failed", error: "no" });
    const pushed = rows(src.id).filter(
      (r) => r.activity_type === "a2a_receive" && r.request_body?.delegation_id?.startsWith("d-"),
    );
    expect(pushed.map((r) => [r.summary, r.response_body.text, r.error_detail])).toEqual(
      compat === "latest"
        ? [
            ["Delegation result delivered", "fine", null],
            ["Delegation failed", "", "no"],
          ]
        : [],
    );
    const plain = await emulator({ compat });
    try {
      const ws = await makeWs(plain, "plain");
      await update(plain, ws, { status: "completed", response_preview: "fine" });
      expect(
        (plain.activity(ws.id) as any[]).filter((r) => r.activity_type === "a2a_receive"),
      ).toEqual([]);
    } finally {
      await plain.close();
    }
  });
});

describe("queue status of a busy target's call (latest)", () => {
  let emu: Emulator;
  let agent: Agent;
  let caller: Ws, target: Ws, stranger: Ws;
  let queued: { status: number; queueId: string };
  beforeAll(async () => {
    emu = await emulator();
    agent = await startAgent();
    caller = await makeWs(emu, "caller", { url: agent.url });
    target = await makeWs(emu, "target", { url: agent.url });
    stranger = await makeWs(emu, "stranger", { url: agent.url });
    emu.injectFault({ path: `/workspaces/${target.id}/a2a`, stage: "forward", reset: true });
    const body = envelope("later");
    (body["params"] as any).expires_in_seconds = 600;
    const r = await req(emu, "POST", `/workspaces/${target.id}/a2a`, {
      body,
      token: caller.token,
      headers: { "X-Workspace-ID": caller.id },
    });
    queued = { status: r.status, queueId: r.json.queue_id };
  });
  afterAll(async () => {
    await emu.close();
    await agent.close();
  });

  const status = (headers: Record<string, string>, token?: string, id = queued.queueId) =>
    req(emu, "GET", `/workspaces/${target.id}/a2a/queue/${id}`, {
      headers,
      ...(token !== undefined ? { token } : {}),
    });

  it("the caller reads it: the fields, Postgres-text timestamps, priority 50", async () => {
    expect(queued.status).toBe(202);
    const r = await status({ "X-Workspace-ID": caller.id }, caller.token);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual([
      "queue_id",
      "workspace_id",
      "status",
      "priority",
      "attempts",
      "enqueued_at",
      "expires_at",
    ]);
    expect(r.json).toMatchObject({
      queue_id: queued.queueId,
      workspace_id: target.id,
      status: "queued",
      priority: 50,
      attempts: 0,
    });
    expect(r.json.enqueued_at).toMatch(PG_TIME);
    expect(r.json.expires_at).toMatch(PG_TIME);
  });

  it("the caller by its bearer alone, and the target, may read it; a stranger, no identity, the admin token and a wrong id all get the same 404", async () => {
    expect((await status({}, caller.token)).status).toBe(200);
    expect((await status({}, target.token)).status).toBe(200);
    const refused = [
      await status({}, stranger.token),
      await status({}),
      await status({}, emu.adminToken),
      await status({}, caller.token, crypto.randomUUID()),
    ];
    expect(refused.map((r) => [r.status, r.json])).toEqual(
      Array.from({ length: 4 }, () => [404, { error: "queue item not found" }]),
    );
    // The header is taken as sent: the handler checks no token against it.
    expect((await status({ "X-Workspace-ID": caller.id })).status).toBe(200);
  });

  it("after the drain: completed with dispatched_at and completed_at", async () => {
    await req(emu, "POST", "/registry/heartbeat", {
      body: { workspace_id: target.id, active_tasks: 0 },
      token: target.token,
    });
    await until(() => emu.queue(target.id)[0]?.status === "completed");
    const r = await status({}, caller.token);
    expect(r.json).toMatchObject({ status: "completed", attempts: 1 });
    expect(r.json.dispatched_at).toMatch(PG_TIME);
    expect(r.json.completed_at).toMatch(PG_TIME);
    expect(r.json.response_body).toBeUndefined(); // a plain call: no delegation result to join
  });

  // The handler LEFT JOINs the caller's `delegate_result` rows of this target and delegation with
  // no ORDER BY and reads one row: a delegation queued for a busy target has two such rows, the
  // "queued" marker written first and the result. Postgres returns them in heap order, so the
  // emulator answers with the first one written, the marker: the server's join, not its intent.
  it("a queued delegation's completed item carries a delegate_result row as base64 of its jsonb text (the first written: the queued marker)", async () => {
    emu.injectFault({ path: `/workspaces/${target.id}/a2a`, stage: "forward", reset: true });
    const d = await req(emu, "POST", `/workspaces/${caller.id}/delegate`, {
      body: { target_id: target.id, task: "later" },
      token: caller.token,
    });
    await until(() => emu.queue(target.id).some((q) => q.status === "queued"));
    const q = emu.queue(target.id).find((x) => x.status === "queued")!;
    await req(emu, "POST", "/registry/heartbeat", {
      body: { workspace_id: target.id, active_tasks: 0 },
      token: target.token,
    });
    await until(() => emu.queue(target.id).find((x) => x.id === q.id)?.status === "completed");
    await until(() =>
      (emu.activity(caller.id) as any[]).some(
        (r) => r.response_body?.delegation_id === d.json.delegation_id && r.status === "completed",
      ),
    );
    const r = await status({}, caller.token, q.id);
    const text = Buffer.from(r.json.response_body, "base64").toString("utf8");
    // jsonb text: keys by length, then bytes; ", " and ": " between them.
    expect(text).toBe(`{"queued": true, "delegation_id": "${d.json.delegation_id}"}`);
  });
});

describe("queue status (2026-04)", () => {
  it("there is no such route: 404", async () => {
    const emu = await emulator({ compat: "2026-04" });
    try {
      const ws = await makeWs(emu, "w");
      const r = await req(emu, "GET", `/workspaces/${ws.id}/a2a/queue/${crypto.randomUUID()}`, {
        token: ws.token,
        headers: { "X-Workspace-ID": ws.id },
      });
      expect(r.status).toBe(404);
      expect(r.json).toBeUndefined(); // gin's plain-text 404, not the handler's JSON
    } finally {
      await emu.close();
    }
  });
});
