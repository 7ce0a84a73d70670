/* oxlint-disable typescript/no-explicit-any */
// Conformance: queue attempt limit, since_secs, discovery of poll workspaces, test-token,
// non-external create, X-Source-Workspace-Id ignored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/index.js";
import {
  emulator,
  envelope,
  makeWs,
  req,
  startAgent,
  until,
  type Agent,
  type Ws,
} from "./helpers.js";

/** The canvas's bearer on `emu`: none before 2026-08, the admin token on it (it refuses none). */
const canvas = (emu: Emulator): { token?: string } =>
  emu.compat === "latest" ? { token: emu.adminToken } : {};

describe.each(["latest", "2026-04"] as const)("queue and misc (%s)", (compat) => {
  let emu: Emulator;
  let agent: Agent;
  let target: Ws;
  beforeAll(async () => {
    emu = await emulator({ compat, queueMaxAttempts: 2 });
    agent = await startAgent();
    target = await makeWs(emu, "busy", { url: agent.url });
  });
  afterAll(async () => {
    await emu.close();
    await agent.close();
  });

  it("a queued item is failed after the maximum number of dispatch attempts", async () => {
    emu.injectFault({
      path: `/workspaces/${target.id}/a2a`,
      stage: "forward",
      reset: true,
      count: 3,
    });
    const r = await req(emu, "POST", `/workspaces/${target.id}/a2a`, {
      body: envelope("x"),
      ...canvas(emu),
    });
    expect(r.status).toBe(202);
    const hb = () =>
      req(emu, "POST", "/registry/heartbeat", {
        body: { workspace_id: target.id },
        token: target.token,
      });
    await hb();
    await until(
      () => emu.queue(target.id)[0]?.status === "queued" && emu.queue(target.id)[0]?.attempts === 1,
    );
    await hb();
    await until(() => emu.queue(target.id)[0]?.status === "failed");
    expect(emu.queue(target.id)[0]?.attempts).toBe(2);
  });

  it("X-Source-Workspace-Id names no caller: the call is the canvas's (source_id null)", async () => {
    const other = await makeWs(emu, "other", { url: agent.url });
    const mid = crypto.randomUUID();
    const r = await req(emu, "POST", `/workspaces/${target.id}/a2a`, {
      body: envelope("x", mid),
      headers: { "X-Source-Workspace-Id": other.id },
      ...canvas(emu),
    });
    expect(r.status).toBe(200);
    const row = emu
      .activity(target.id)
      .find((x: any) => x.request_body?.params?.message?.messageId === mid) as any;
    expect(row.source_id).toBeNull();
  });

  it("GET /admin/workspaces/:id/test-token mints a token with the admin bearer only (2026-08 has no such route)", async () => {
    const none = await req(emu, "GET", `/admin/workspaces/${target.id}/test-token`);
    const r = await req(emu, "GET", `/admin/workspaces/${target.id}/test-token`, {
      token: emu.adminToken,
    });
    // The 2026-08 recording's "GET admin test-token" cases: gin's 404 with and without a bearer.
    expect([none.status, r.status]).toEqual(compat === "latest" ? [404, 404] : [401, 200]);
    if (compat === "latest") return;
    expect(r.json.workspace_id).toBe(target.id);
    expect(
      (await req(emu, "GET", `/workspaces/${target.id}/state`, { token: r.json.auth_token }))
        .status,
    ).toBe(200);
  });

  it("a non-external create answers provisioning and the row fails (no provisioner)", async () => {
    const r = await req(emu, "POST", "/workspaces", {
      body: { name: "docker-ws" },
      token: emu.adminToken,
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ status: "provisioning", workspace_access: "none" });
    expect((await emu.admin.getWorkspace(r.json.id))["status"]).toBe("failed");
  });

  it("trailing slashes redirect like gin", async () => {
    const r = await req(emu, "GET", `/workspaces/${target.id}/`);
    expect(r.status).toBe(301);
    expect(r.headers.get("location")).toBe(`/workspaces/${target.id}`);
  });
});

describe("poll delivery and activity cursors (latest; 2026-04 has neither)", () => {
  let emu: Emulator;
  let a: Ws, b: Ws;
  beforeAll(async () => {
    emu = await emulator();
    a = await makeWs(emu, "a");
    b = await makeWs(emu, "b");
  });
  afterAll(async () => emu.close());

  it("since_secs returns the recent window, newest first (2026-05 answered it oldest first)", async () => {
    await req(emu, "POST", `/workspaces/${a.id}/a2a`, { body: envelope("old"), ...canvas(emu) });
    emu.advanceClock(120_000);
    await req(emu, "POST", `/workspaces/${a.id}/a2a`, { body: envelope("new1"), ...canvas(emu) });
    await req(emu, "POST", `/workspaces/${a.id}/a2a`, { body: envelope("new2"), ...canvas(emu) });
    const r = await req(emu, "GET", `/workspaces/${a.id}/activity?since_secs=60`, {
      token: a.token,
    });
    expect(r.json.map((x: any) => x.request_body.params.message.parts[0].text)).toEqual([
      "new2",
      "new1",
    ]);
    expect(
      (await req(emu, "GET", `/workspaces/${a.id}/activity?since_secs=abc`, { token: a.token }))
        .status,
    ).toBe(400);
  });

  it("a since_id cursor pages forward with limit", async () => {
    const all = await req(emu, "GET", `/workspaces/${a.id}/activity?since_secs=100000`, {
      token: a.token,
    });
    const first = all.json.at(-1).id; // the oldest
    const page = await req(emu, "GET", `/workspaces/${a.id}/activity?since_id=${first}&limit=1`, {
      token: a.token,
    });
    expect(page.json.map((x: any) => x.request_body.params.message.parts[0].text)).toEqual([
      "new1",
    ]);
    const page2 = await req(
      emu,
      "GET",
      `/workspaces/${a.id}/activity?since_id=${page.json[0].id}`,
      { token: a.token },
    );
    expect(page2.json.map((x: any) => x.request_body.params.message.parts[0].text)).toEqual([
      "new2",
    ]);
  });

  it("a poll workspace stores a call whatever its status, paused included (#2353: no status check before the short-circuit)", async () => {
    const c = await makeWs(emu, "paused-poll");
    expect(
      (await req(emu, "POST", `/workspaces/${c.id}/pause`, { token: emu.adminToken })).status,
    ).toBe(200);
    const r = await req(emu, "POST", `/workspaces/${c.id}/a2a`, {
      body: envelope("while paused"),
      ...canvas(emu),
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: "queued", delivery_mode: "poll", method: "message/send" });
    expect(
      (emu.activity(c.id) as any[]).some(
        (x) => x.request_body?.params?.message?.parts?.[0]?.text === "while paused",
      ),
    ).toBe(true);
  });

  it("a cursor from another workspace is 410", async () => {
    await req(emu, "POST", `/workspaces/${b.id}/a2a`, { body: envelope("b's"), ...canvas(emu) });
    const bRow = emu.activity(b.id)[0] as any;
    expect(
      (
        await req(emu, "GET", `/workspaces/${a.id}/activity?since_id=${bRow.id}`, {
          token: a.token,
        })
      ).status,
    ).toBe(410);
  });

  it("discover of a poll workspace answers an empty url and delivery_mode poll; a stale one is 503", async () => {
    // the clock moved past the liveness window in an earlier test: b, external, is awaiting_agent
    // (offline before 2026-08) until it heartbeats
    const offline = await req(emu, "GET", `/registry/discover/${b.id}`, {
      token: a.token,
      headers: { "X-Workspace-ID": a.id },
    });
    expect(offline.json).toEqual({ error: "workspace not available", status: "awaiting_agent" });
    await req(emu, "POST", "/registry/heartbeat", { body: { workspace_id: b.id }, token: b.token });
    const r = await req(emu, "GET", `/registry/discover/${b.id}`, {
      token: a.token,
      headers: { "X-Workspace-ID": a.id },
    });
    expect(r.json).toEqual({ id: b.id, url: "", name: "b", delivery_mode: "poll" });
  });

  it("2026-05: external workspaces registered without url default to poll delivery", async () => {
    // The May inference (#2348); 2026-08 keeps the row's mode, push by default (compat-2026-08).
    const may = await emulator({ compat: "2026-05" });
    try {
      const created = await may.admin.createWorkspace({ name: "default-poll" });
      const r = await req(may, "POST", "/registry/register", {
        body: { id: created.id, agent_card: {} },
        token: created.token,
      });
      expect(r.json.delivery_mode).toBe("poll");
      const withUrl = await req(may, "POST", "/registry/register", {
        body: { id: created.id, url: "http://localhost:9/a2a", agent_card: {} },
        token: created.token,
      });
      expect(withUrl.json.delivery_mode).toBe("push");
    } finally {
      await may.close();
    }
  });
});

describe("2026-04-only details", () => {
  it("no poll delivery: register without url is 400 and a URL-less target is 503 workspace has no URL", async () => {
    const emu = await emulator({ compat: "2026-04" });
    try {
      const created = await emu.admin.createWorkspace({ name: "no-url" });
      const r = await req(emu, "POST", "/registry/register", {
        body: { id: created.id, delivery_mode: "poll", agent_card: {} },
        token: created.token,
      });
      expect(r.json).toEqual({ error: "invalid request body" });
      const call = await req(emu, "POST", `/workspaces/${created.id}/a2a`, { body: envelope("x") });
      expect(call.status).toBe(503);
      expect(call.json).toEqual({ error: "workspace has no URL", status: "provisioning" });
    } finally {
      await emu.close();
    }
  });
});
