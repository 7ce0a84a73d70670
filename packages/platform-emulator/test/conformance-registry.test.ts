/* oxlint-disable typescript/no-explicit-any */
// Conformance: workspaces, register, heartbeat, state, update-card (platform-api.md §3.1-§3.7, §8.1, §8.5).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/index.js";
import { ZERO, emulator, makeWs, req } from "./helpers.js";

describe.each(["latest", "2026-05", "2026-04"] as const)(
  "registry and lifecycle (%s)",
  (compat) => {
    let emu: Emulator;
    beforeAll(async () => {
      emu = await emulator({ compat, livenessMs: 90_000 });
    });
    afterAll(async () => {
      await emu.close();
    });
    /** A refused register URL's answer: 2026-08's URL check text, the older servers' opaque one. */
    const urlError = (august: string) => ({
      error: compat === "latest" ? august : "invalid request body",
    });

    it("GET /health answers 200 {status:ok} with X-RateLimit-Limit: unlimited", async () => {
      const r = await req(emu, "GET", "/health");
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ status: "ok" });
      expect(r.headers.get("x-ratelimit-limit")).toBe("unlimited");
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    });

    it("unknown routes get gin's text 404", async () => {
      const r = await req(emu, "GET", "/nope");
      expect(r.status).toBe(404);
      expect(r.text).toBe("404 page not found");
    });

    it("POST /workspaces requires the admin bearer", async () => {
      expect((await req(emu, "POST", "/workspaces", { body: { name: "x" } })).json).toEqual({
        error: "admin auth required",
      });
      const ws = await makeWs(emu, "w-admin");
      const r = await req(emu, "POST", "/workspaces", { body: { name: "x" }, token: ws.token });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: "invalid admin auth token" });
    });

    it("external create without URL returns the connection block with a one-time 43-char token", async () => {
      const r = await req(emu, "POST", "/workspaces", {
        body: { name: "ext", runtime: "external" },
        token: emu.adminToken,
      });
      expect(r.status).toBe(201);
      expect(r.json.status).toBe("awaiting_agent");
      expect(r.json.external).toBe(true);
      expect(r.json.connection.workspace_id).toBe(r.json.id);
      expect(r.json.connection.auth_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(r.json.connection.registry_endpoint).toBe(`${emu.url}/registry/register`);
      const got = await req(emu, "GET", `/workspaces/${r.json.id}`);
      expect(got.json.status).toBe(compat !== "2026-04" ? "awaiting_agent" : "provisioning");
    });

    it("external create with URL is online at once and mints no token", async () => {
      const r = await req(emu, "POST", "/workspaces", {
        body: { name: "ext-url", runtime: "external", url: "http://localhost:9/a2a" },
        token: emu.adminToken,
      });
      expect(r.status).toBe(201);
      expect(r.json).toEqual({ id: r.json.id, external: true, status: "online" });
      const reg = await req(emu, "POST", "/registry/register", {
        body: { id: r.json.id, url: "http://localhost:9/a2a", agent_card: { name: "x" } },
      });
      expect(reg.json.auth_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it("create validation: missing name, bad chars, non-int tier", async () => {
      const t = emu.adminToken;
      expect((await req(emu, "POST", "/workspaces", { body: {}, token: t })).json).toEqual({
        error: "invalid workspace payload",
      });
      expect((await req(emu, "POST", "/workspaces", { raw: "{", token: t })).status).toBe(400);
      const bad = await req(emu, "POST", "/workspaces", { body: { name: "a{b}" }, token: t });
      expect(bad.status).toBe(400);
      expect(bad.json).toEqual({ error: "invalid workspace fields" });
      const tier = await req(emu, "POST", "/workspaces", {
        body: { name: "a", tier: 1.5 },
        token: t,
      });
      expect(tier.json).toEqual({ error: "invalid workspace payload" });
    });

    it("GET /workspaces/:id: invalid id 400, unknown 404, tier default 3, parent_id kept", async () => {
      expect((await req(emu, "GET", "/workspaces/not-a-uuid")).json).toEqual({
        error: "invalid workspace ID",
      });
      expect((await req(emu, "GET", `/workspaces/${ZERO}`)).status).toBe(404);
      const parent = await emu.admin.createWorkspace({ name: "parent" });
      const child = await emu.admin.createWorkspace({ name: "child", parentId: parent.id });
      const got = await req(emu, "GET", `/workspaces/${child.id}`);
      expect(got.json.parent_id).toBe(parent.id);
      expect(got.json.tier).toBe(3);
      expect(got.json).not.toHaveProperty("current_task");
      const list = await req(emu, "GET", "/workspaces", { token: emu.adminToken });
      expect(list.json.some((w: any) => w.id === child.id && "current_task" in w)).toBe(true);
    });

    it("register returns a token once; re-register without the bearer is 401; with it, no new token", async () => {
      const created = await emu.admin.createWorkspace({
        name: "once",
        url: "http://localhost:9/a2a",
      });
      const body = { id: created.id, url: "http://localhost:9/a2a", agent_card: { name: "once" } };
      const first = await req(emu, "POST", "/registry/register", { body });
      expect(first.status).toBe(200);
      expect(first.json.status).toBe("registered");
      expect(first.json.auth_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const again = await req(emu, "POST", "/registry/register", { body });
      expect(again.status).toBe(401);
      expect(again.json).toEqual({ error: "missing workspace auth token" });
      const wrong = await req(emu, "POST", "/registry/register", { body, token: "x".repeat(43) });
      expect(wrong.json).toEqual({ error: "invalid workspace auth token" });
      const admin = await req(emu, "POST", "/registry/register", { body, token: emu.adminToken });
      expect(admin.status).toBe(401);
      const ok = await req(emu, "POST", "/registry/register", {
        body,
        token: first.json.auth_token,
      });
      expect(ok.status).toBe(200);
      expect(ok.json.auth_token).toBeUndefined();
    });

    it("register validates its body: id key, agent_card required, http(s) URLs only", async () => {
      const created = await emu.admin.createWorkspace({ name: "val" });
      const t = created.token;
      const bad = async (body: unknown) =>
        (await req(emu, "POST", "/registry/register", { body, token: t })).json;
      expect(
        await bad({ workspace_id: created.id, url: "http://localhost:9", agent_card: {} }),
      ).toEqual({ error: "invalid request body" });
      expect(await bad({ id: created.id, url: "http://localhost:9" })).toEqual({
        error: "invalid request body",
      });
      expect(await bad({ id: created.id, url: "remote://no-inbound", agent_card: {} })).toEqual(
        urlError('url scheme must be http or https, got "remote"'),
      );
      expect(await bad({ id: created.id, url: "ftp://example.com", agent_card: {} })).toEqual(
        urlError('url scheme must be http or https, got "ftp"'),
      );
      expect(await bad({ id: created.id, url: "http://169.254.169.254/", agent_card: {} })).toEqual(
        urlError("url targets a blocked address: link-local address (cloud metadata endpoint)"),
      );
    });

    it("register creates an unknown workspace (name = id, tier 1) and mints a token", async () => {
      const id = crypto.randomUUID();
      const r = await req(emu, "POST", "/registry/register", {
        body: { id, url: "http://localhost:9/x", agent_card: {} },
      });
      expect(r.status).toBe(200);
      expect(r.json.auth_token).toHaveLength(43);
      const got = await req(emu, "GET", `/workspaces/${id}`);
      expect(got.json.name).toBe(id);
      expect(got.json.tier).toBe(1);
      expect(got.json.status).toBe("online");
    });

    it("heartbeat enforces field types: 1.5 for an int is 400", async () => {
      const ws = await makeWs(emu, "hb-types");
      const hb = (body: unknown) =>
        req(emu, "POST", "/registry/heartbeat", { body, token: ws.token });
      expect((await hb({ workspace_id: ws.id, active_tasks: 1.5 })).json).toEqual({
        error: "invalid request body",
      });
      expect((await hb({ workspace_id: ws.id, uptime_seconds: "12" })).status).toBe(400);
      const asFloat = await req(emu, "POST", "/registry/heartbeat", {
        raw: `{"workspace_id":"${ws.id}","active_tasks":1.0}`,
        token: ws.token,
      });
      expect(asFloat.json).toEqual({ error: "invalid request body" });
      expect((await hb({ workspace_id: ws.id, error_rate: "x" })).status).toBe(400);
      expect((await hb({ active_tasks: 0 })).status).toBe(400);
      const ok = await hb({
        workspace_id: ws.id,
        active_tasks: 2,
        uptime_seconds: 10,
        error_rate: 0.25,
      });
      // Since 2026-05: the inbound secret with every heartbeat (#2421, registry.go 622-650 at
      // 50c3bdfd); 2026-08 adds the workspace's `generation`.
      const {
        platform_inbound_secret: secret,
        generation,
        ...rest
      } = ok.json as Record<string, unknown>;
      expect(rest).toEqual({ status: "ok" });
      expect(typeof secret).toBe(compat !== "2026-04" ? "string" : "undefined");
      expect(typeof generation).toBe(compat === "latest" ? "number" : "undefined");
      const noBearer = await req(emu, "POST", "/registry/heartbeat", {
        body: { workspace_id: ws.id },
      });
      expect(noBearer.status).toBe(401);
    });

    it("heartbeat status transitions: degraded at error_rate>=0.5, recovered below 0.1, wedged degrades", async () => {
      const ws = await makeWs(emu, "hb-status");
      const hb = (body: Record<string, unknown>) =>
        req(emu, "POST", "/registry/heartbeat", {
          body: { workspace_id: ws.id, ...body },
          token: ws.token,
        });
      const status = async () => (await req(emu, "GET", `/workspaces/${ws.id}`)).json.status;
      await hb({ error_rate: 0.5, sample_error: "boom" });
      expect(await status()).toBe("degraded");
      await hb({ error_rate: 0.2 });
      expect(await status()).toBe("degraded");
      await hb({ error_rate: 0.05 });
      expect(await status()).toBe("online");
      await hb({ runtime_state: "wedged" });
      expect(await status()).toBe("degraded");
      await hb({ error_rate: 0 });
      expect(await status()).toBe("online");
    });

    it("status_mgmt capability disables error-rate transitions", async () => {
      const ws = await makeWs(emu, "hb-native");
      await req(emu, "POST", "/registry/heartbeat", {
        body: {
          workspace_id: ws.id,
          error_rate: 0.9,
          runtime_metadata: { capabilities: { status_mgmt: true } },
        },
        token: ws.token,
      });
      expect((await req(emu, "GET", `/workspaces/${ws.id}`)).json.status).toBe("online");
    });

    it("goes offline (awaiting_agent on 2026-08) after the liveness window (clock advanced) and recovers on heartbeat", async () => {
      const ws = await makeWs(emu, "liveness");
      emu.advanceClock(60_000);
      expect((await req(emu, "GET", `/workspaces/${ws.id}`)).json.status).toBe("online");
      emu.advanceClock(31_000);
      expect((await req(emu, "GET", `/workspaces/${ws.id}`)).json.status).toBe(
        compat === "latest" ? "awaiting_agent" : "offline",
      );
      await req(emu, "POST", "/registry/heartbeat", {
        body: { workspace_id: ws.id },
        token: ws.token,
      });
      expect((await req(emu, "GET", `/workspaces/${ws.id}`)).json.status).toBe("online");
    });

    it("GET /state: bearer required, admin rejected once a token exists, paused reported", async () => {
      const ws = await makeWs(emu, "state");
      expect((await req(emu, "GET", `/workspaces/${ws.id}/state`)).json).toEqual({
        error: "missing workspace auth token",
      });
      const admin = await req(emu, "GET", `/workspaces/${ws.id}/state`, { token: emu.adminToken });
      expect(admin.status).toBe(401);
      const ok = await req(emu, "GET", `/workspaces/${ws.id}/state`, { token: ws.token });
      expect(ok.json).toEqual({
        workspace_id: ws.id,
        status: "online",
        paused: false,
        deleted: false,
      });
      await emu.admin.pause(ws.id);
      const paused = await req(emu, "GET", `/workspaces/${ws.id}/state`, { token: ws.token });
      expect(paused.json).toMatchObject({ status: "paused", paused: true, deleted: false });
      // a paused workspace keeps heartbeating 200 and stays paused
      await req(emu, "POST", "/registry/heartbeat", {
        body: { workspace_id: ws.id },
        token: ws.token,
      });
      expect(
        (await req(emu, "GET", `/workspaces/${ws.id}/state`, { token: ws.token })).json.status,
      ).toBe("paused");
      const again = await req(emu, "POST", `/workspaces/${ws.id}/pause`, { token: emu.adminToken });
      expect(again.json).toEqual({ error: "workspace not found or already paused" });
      // The April 2026 server cannot resume an external workspace (no provisioner: 503):
      // registering is what resumes it.
      const resumed = await req(emu, "POST", `/workspaces/${ws.id}/resume`, {
        token: emu.adminToken,
      });
      expect([resumed.status, resumed.json]).toEqual(
        compat !== "2026-04"
          ? [200, { status: "provisioning", resumed_count: 1 }] // workspace_restart.go 2203 at aeec8e47
          : [503, { error: "provisioner not available" }],
      );
      await req(emu, "POST", "/registry/register", {
        body: { id: ws.id, url: "http://localhost:9/a", agent_card: {} },
        token: ws.token,
      });
      expect(
        (await req(emu, "GET", `/workspaces/${ws.id}/state`, { token: ws.token })).json.status,
      ).toBe("online");
    });

    it("pause blanks the URL and pauses children (2026-08: only with ?cascade=true)", async () => {
      const p = await makeWs(emu, "pp", { url: "http://localhost:9/p" });
      const c = await makeWs(emu, "pc", { parentId: p.id, url: "http://localhost:9/c" });
      const plain = await req(emu, "POST", `/workspaces/${p.id}/pause`, { token: p.token });
      expect([plain.status, plain.json]).toEqual(
        compat === "latest"
          ? [
              409,
              {
                error: "workspace has descendants — use ?cascade=true to pause all",
                descendants: [{ id: c.id, name: "pc" }],
              },
            ]
          : [200, { status: "paused", paused_count: 2 }],
      );
      const r = await req(emu, "POST", `/workspaces/${p.id}/pause?cascade=true`, {
        token: p.token,
      });
      expect([r.status, r.json]).toEqual(
        compat === "latest"
          ? [200, { status: "paused", paused_count: 2 }]
          : [404, { error: "workspace not found or already paused" }],
      );
      const got = await emu.admin.getWorkspace(c.id);
      expect(got["status"]).toBe("paused");
      expect(got["url"]).toBe("");
    });

    it("delete: revoked token gives 401 on /state; admin sees 404 deleted:true", async () => {
      const ws = await makeWs(emu, "del");
      const d = await req(emu, "DELETE", `/workspaces/${ws.id}`, {
        token: emu.adminToken,
        headers: compat === "latest" ? { "X-Confirm-Name": "del" } : {}, // 2026-08 asks for it
      });
      expect(d.json).toEqual({ status: "removed", cascade_deleted: 0 });
      const st = await req(emu, "GET", `/workspaces/${ws.id}/state`, { token: ws.token });
      const admin = await req(emu, "GET", `/workspaces/${ws.id}/state`, { token: emu.adminToken });
      expect(st.status).toBe(401);
      expect(st.json).toEqual({ error: "invalid workspace auth token" });
      expect(admin.status).toBe(404);
      expect(admin.json).toEqual({ workspace_id: ws.id, status: "removed", deleted: true });
    });

    it("heartbeat after delete: 200 in 2026-04 and 2026-08, 401 in 2026-05", async () => {
      const ws = await makeWs(emu, "del-hb");
      await emu.admin.deleteWorkspace(ws.id);
      const r = await req(emu, "POST", "/registry/heartbeat", {
        body: { workspace_id: ws.id },
        token: ws.token,
      });
      // 2026-08: the recording's "deleted: heartbeat with own token" (its keys; the values vary).
      const body = compat === "latest" ? Object.keys(r.json).sort() : r.json;
      expect({ status: r.status, body }).toEqual(
        {
          latest: { status: 200, body: ["generation", "platform_inbound_secret", "status"] },
          "2026-05": { status: 401, body: { error: "invalid workspace auth token" } },
          "2026-04": { status: 200, body: { status: "ok" } },
        }[compat],
      );
    });

    it("GET /workspaces/:id of a removed workspace: 410 in latest (include_removed restores), 200 removed in 2026-04", async () => {
      const ws = await makeWs(emu, "gone");
      await emu.admin.deleteWorkspace(ws.id);
      const r = await req(emu, "GET", `/workspaces/${ws.id}`);
      const want =
        compat !== "2026-04"
          ? {
              status: 410,
              error: "workspace removed",
              id: ws.id,
              removedAt: "string",
              hint: "string",
            }
          : { status: 200, error: undefined, id: ws.id, removedAt: "undefined", hint: "undefined" };
      expect({
        status: r.status,
        error: r.json.error,
        id: r.json.id,
        removedAt: typeof r.json.removed_at,
        hint: typeof r.json.hint,
      }).toEqual(want);
      expect(r.json.status).toBe(compat !== "2026-04" ? undefined : "removed");
      const inc = await req(emu, "GET", `/workspaces/${ws.id}?include_removed=true`);
      expect(inc.status).toBe(200);
      expect(inc.json.status).toBe("removed");
    });

    it("delete with children needs ?confirm=true (409; 2026-08: X-Confirm-Name first, 400) and cascades", async () => {
      const p = await emu.admin.createWorkspace({ name: "dp" });
      const c = await emu.admin.createWorkspace({ name: "dc", parentId: p.id });
      const r = await req(emu, "DELETE", `/workspaces/${p.id}`, { token: emu.adminToken });
      // 2026-08 first wants the workspace's name in X-Confirm-Name (400), then ?confirm=true too.
      const confirmName: Record<string, string> =
        compat === "latest" ? { "X-Confirm-Name": "dp" } : {};
      const named = { token: emu.adminToken, headers: confirmName };
      expect([r.status, r.json.error ?? r.json.status]).toEqual(
        compat === "latest"
          ? [400, "destructive_action_requires_confirmation"]
          : [409, "confirmation_required"],
      );
      const children =
        compat === "latest" ? await req(emu, "DELETE", `/workspaces/${p.id}`, named) : r;
      expect(children.status).toBe(409);
      expect(children.json).toMatchObject({
        status: "confirmation_required",
        children_count: 1,
        children: [{ id: c.id, name: "dc" }],
      });
      const ok = await req(emu, "DELETE", `/workspaces/${p.id}?confirm=true`, named);
      expect(ok.json).toEqual({ status: "removed", cascade_deleted: 1 });
      expect((await emu.admin.getWorkspace(c.id))["status"]).toBe("removed");
      const unknown = await req(emu, "DELETE", `/workspaces/${ZERO}`, { token: emu.adminToken });
      expect(unknown.json).toEqual(
        compat === "latest"
          ? { error: "workspace not found" }
          : { status: "removed", cascade_deleted: 0 },
      );
    });

    it("update-card stores the card (bearer required once a token exists)", async () => {
      const ws = await makeWs(emu, "card");
      const body = { workspace_id: ws.id, agent_card: { name: "card", skills: [{ id: "s" }] } };
      expect((await req(emu, "POST", "/registry/update-card", { body })).status).toBe(401);
      const r = await req(emu, "POST", "/registry/update-card", { body, token: ws.token });
      expect(r.json).toEqual({ status: "updated" });
      expect((await emu.admin.getWorkspace(ws.id))["agent_card"]).toEqual(body.agent_card);
      expect(
        (
          await req(emu, "POST", "/registry/update-card", {
            body: { workspace_id: ws.id },
            token: ws.token,
          })
        ).status,
      ).toBe(400);
    });

    it("secrets: list is metadata only, /secrets/values returns values to the workspace token only", async () => {
      const ws = await makeWs(emu, "sec");
      await emu.admin.setSecrets(ws.id, { OPENAI_API_KEY: "sk-1", B: "2" });
      const list = await req(emu, "GET", `/workspaces/${ws.id}/secrets`, { token: ws.token });
      expect(list.json.map((s: any) => s.key)).toEqual(["B", "OPENAI_API_KEY"]);
      expect(JSON.stringify(list.json)).not.toContain("sk-1");
      expect(list.json[0]).toMatchObject({ has_value: true, scope: "workspace" });
      const vals = await req(emu, "GET", `/workspaces/${ws.id}/secrets/values`, {
        token: ws.token,
      });
      expect(vals.json).toEqual({ OPENAI_API_KEY: "sk-1", B: "2" });
      expect(
        (await req(emu, "GET", `/workspaces/${ws.id}/secrets/values`, { token: emu.adminToken }))
          .status,
      ).toBe(401);
      expect(
        (
          await req(emu, "GET", `/workspaces/${ws.id.toUpperCase()}/secrets`, {
            token: emu.adminToken,
          })
        ).json,
      ).toEqual({
        error: "invalid workspace ID",
      });
    });

    it("tokens: list, create, revoke", async () => {
      const ws = await makeWs(emu, "tok");
      const created = await req(emu, "POST", `/workspaces/${ws.id}/tokens`, { token: ws.token });
      expect(created.status).toBe(201);
      expect(created.json.auth_token).toHaveLength(43);
      const list = await req(emu, "GET", `/workspaces/${ws.id}/tokens`, { token: ws.token });
      expect(list.json.count).toBe(2);
      expect(list.json.tokens[0].prefix).toBe(created.json.auth_token.slice(0, 8));
      const tid = list.json.tokens[0].id;
      // Used before the revoke (its hash memoised by the request handler): refused at once after it.
      expect(
        (await req(emu, "GET", `/workspaces/${ws.id}/state`, { token: created.json.auth_token }))
          .status,
      ).toBe(200);
      expect(
        (await req(emu, "DELETE", `/workspaces/${ws.id}/tokens/${tid}`, { token: ws.token })).json,
      ).toEqual({ status: "revoked" });
      expect(
        (await req(emu, "DELETE", `/workspaces/${ws.id}/tokens/${tid}`, { token: ws.token }))
          .status,
      ).toBe(404);
      expect(
        (await req(emu, "GET", `/workspaces/${ws.id}/state`, { token: created.json.auth_token }))
          .status,
      ).toBe(401);
      expect(
        (await req(emu, "DELETE", `/workspaces/${ws.id}/tokens`, { token: ws.token })).status,
      ).toBe(404);
    });
  },
);
