/* oxlint-disable typescript/no-explicit-any */
// The "2026-08" contract beyond the 117 recorded cases: what the August-2026 server's code does
// (enteros-core aeec8e47, workspace-server/internal/handlers), each rule with a request that
// breaks when the emulator stops following it.
import type { IncomingHttpHeaders } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import type { CreatedWorkspace, CreatedWorkspaceWithToken, Emulator } from "../src/index.js";
import { emulator, envelope, req, startAgent, ZERO, type Agent, type Ws } from "./helpers.js";

const CONCIERGE = "ea3cfcf1-cb9c-53b4-90fd-c53123569c4a";

/** An external workspace registered for poll delivery (2026-08 stores `push` when none is sent). */
async function pollWs(emu: Emulator, name: string, parentId?: string): Promise<Ws> {
  const c = await emu.admin.createWorkspace({ name, ...(parentId ? { parentId } : {}) });
  const r = await req(emu, "POST", "/registry/register", {
    body: { id: c.id, agent_card: { name }, delivery_mode: "poll" },
    token: c.token,
  });
  expect(r.status).toBe(200);
  return { id: c.id, token: c.token };
}

/** Reads SSE frames until `until` says enough. */
async function readFrames(res: Response, until: (frames: string[]) => boolean): Promise<string[]> {
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

describe("2026-08 activity list and ack (activity.go List, Ack)", () => {
  let emu: Emulator;
  let me: Ws;
  let peer: Ws;
  const ids: string[] = [];
  beforeAll(async () => {
    const fixed = Date.parse("2026-08-20T10:00:00Z"); // only advanceClock moves it
    emu = await emulator({ compat: "2026-08", clock: { now: () => fixed } });
    me = await pollWs(emu, "reader");
    peer = await pollWs(emu, "peer-writer");
    for (let i = 0; i < 3; i++) {
      const r = await req(emu, "POST", `/workspaces/${me.id}/a2a`, {
        body: envelope(`m${i}`),
        token: peer.token,
      });
      if (r.json?.status !== "queued") throw new Error(`setup call: ${r.status} ${r.text}`);
      ids.push(emu.activity(me.id).at(-1)!["id"] as string);
      emu.advanceClock(1000);
    }
  });
  afterAll(() => emu.close());

  const list = (q: string, token = me.token) =>
    req(emu, "GET", `/workspaces/${me.id}/activity${q}`, { token });

  it("without since_id answers newest first, also with since_secs only", async () => {
    expect((await list("")).json.map((r: any) => r.id)).toEqual(ids.toReversed());
    expect((await list("?since_secs=60")).json.map((r: any) => r.id)).toEqual(ids.toReversed());
    // Rows at t, t+1 s, t+2 s, now t+3 s: one second back is the newest row only.
    expect((await list("?since_secs=1")).json.map((r: any) => r.id)).toEqual([ids[2]]);
  });

  it("with since_id answers the rows after it oldest first; an unknown cursor is 410", async () => {
    expect((await list(`?since_id=${ids[0]}`)).json.map((r: any) => r.id)).toEqual(ids.slice(1));
    const gone = await list(`?since_id=${ZERO}`);
    expect(gone.status).toBe(410);
    expect(gone.json).toEqual({
      error:
        "since_id cursor not found (row may have been pruned or belongs to a different workspace); omit since_id to reset",
    });
  });

  it("since_secs must be a positive integer (capped at 30 days), before_ts RFC3339, peer_id a UUID", async () => {
    for (const bad of ["0", "-5", "abc", "1.5"]) {
      const r = await list(`?since_secs=${bad}`);
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ error: "since_secs must be a positive integer" });
    }
    expect((await list("?since_secs=99999999999")).json).toHaveLength(3);
    const badTs = await list("?before_ts=yesterday");
    expect(badTs.status).toBe(400);
    expect(badTs.json.error).toBe(
      "before_ts must be an RFC3339 timestamp (e.g. 2026-05-01T00:00:00Z)",
    );
    const second = emu.activity(me.id)[1]!["created_at"] as string;
    expect((await list(`?before_ts=${second}`)).json.map((r: any) => r.id)).toEqual([ids[0]]);
    // Compared in microseconds, as Postgres does (`activity.go` 504): one microsecond past a row
    // keeps that row; the emulator's milliseconds alone would drop it.
    const justPast = second.replace(/(\.\d{3})Z$/, "$1001Z");
    expect((await list(`?before_ts=${justPast}`)).json.map((r: any) => r.id)).toEqual([
      ids[1],
      ids[0],
    ]);
    const badPeer = await list("?peer_id=nope");
    expect(badPeer.status).toBe(400);
    expect(badPeer.json).toEqual({ error: "peer_id must be a UUID" });
    expect((await list(`?peer_id=${peer.id}`)).json).toHaveLength(3);
    expect((await list(`?peer_id=${ZERO}`)).json).toHaveLength(0);
  });

  it("rows carry a monotonic seq; ?include=peer_info adds the sender's name, card URL and attachments", async () => {
    const rows = (await list("")).json as any[];
    const seqs = rows.map((r) => r.seq as number).toReversed();
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
    expect(rows[0].peer_name).toBeUndefined();
    const withFile = envelope("see file");
    (withFile as any).params.message.parts.push({
      kind: "file",
      file: { uri: "workspace:/r.txt", name: "r.txt", mime_type: "text/plain" },
    });
    await req(emu, "POST", `/workspaces/${me.id}/a2a`, { body: withFile, token: peer.token });
    const info = (await list("?include=peer_info&limit=2")).json as any[];
    expect(info[0].peer_name).toBe("peer-writer");
    expect(info[0].peer_role).toBeUndefined(); // no role: omitted
    expect(info[0].agent_card_url).toBe(`${emu.url}/registry/discover/${peer.id}`);
    expect(info[0].attachments).toEqual([
      { kind: "file", uri: "workspace:/r.txt", name: "r.txt", mime_type: "text/plain" },
    ]);
    expect(info[1].attachments).toBeUndefined();
  });

  it("POST /activity/ack keeps the highest acked_seq and answers it", async () => {
    const ack = (body: unknown) =>
      req(emu, "POST", `/workspaces/${me.id}/activity/ack`, { body, token: me.token });
    expect((await ack({})).json).toEqual({ error: "acked_seq is required" });
    expect((await ack({ acked_seq: "5" })).status).toBe(400);
    expect((await ack({ acked_seq: -1 })).json).toEqual({ error: "acked_seq must be >= 0" });
    expect((await ack({ acked_seq: 7 })).json).toEqual({ last_acked_seq: 7 });
    expect((await ack({ acked_seq: 3 })).json).toEqual({ last_acked_seq: 7 });
    expect(
      (await req(emu, "POST", `/workspaces/${me.id}/activity/ack`, { body: { acked_seq: 1 } }))
        .status,
    ).toBe(401);
  });
});

/** A workspace registered for push at `url`, and the inbound secret register answered. */
async function pushTarget(emu: Emulator, url: string): Promise<{ ws: Ws; secret: string }> {
  const c = await emu.admin.createWorkspace({ name: "pushed" });
  const r = await req(emu, "POST", "/registry/register", {
    body: { id: c.id, url, agent_card: { name: "pushed" } },
    token: c.token,
  });
  expect(r.json.delivery_mode).toBe("push");
  return { ws: { id: c.id, token: c.token }, secret: r.json.platform_inbound_secret };
}

describe("2026-08 one row per message_id (activity.go LogActivity ON CONFLICT)", () => {
  it("a call sent again with the same messageId adds no row to a poll target's log; 2026-05 adds one", async () => {
    for (const compat of ["2026-08", "2026-05"] as const) {
      const emu = await emulator({ compat });
      try {
        const me = await pollWs(emu, "target");
        const peer = await emu.admin.createWorkspace({ name: "asker" });
        const body = envelope("the same answer", crypto.randomUUID());
        for (let i = 0; i < 2; i++) {
          const r = await req(emu, "POST", `/workspaces/${me.id}/a2a`, { body, token: peer.token });
          expect(r.status).toBe(200);
        }
        const rows = emu.activity(me.id).filter((r) => r["activity_type"] === "a2a_receive");
        expect(rows).toHaveLength(compat === "2026-08" ? 1 : 2);
        const other = await req(emu, "POST", `/workspaces/${me.id}/a2a`, {
          body: envelope("another"),
          token: peer.token,
        });
        expect(other.status).toBe(200);
        expect(
          emu.activity(me.id).filter((r) => r["activity_type"] === "a2a_receive"),
        ).toHaveLength(compat === "2026-08" ? 2 : 3);
      } finally {
        await emu.close();
      }
    }
  });
});

describe("2026-08 pushes carry the inbound secret (a2a_inbound_auth.go)", () => {
  let agent: Agent & { headers: IncomingHttpHeaders[] };
  const emus: Emulator[] = [];
  beforeAll(async () => {
    agent = await startAgent();
  });
  afterEach(async () => {
    for (const e of emus.splice(0)) await e.close();
  });
  afterAll(() => agent.close());

  it("a host-name URL gets Authorization: Bearer <the secret register and heartbeat answer>", async () => {
    const emu = await emulator({ compat: "2026-08" });
    emus.push(emu);
    const { ws, secret } = await pushTarget(emu, agent.url);
    const hb = await req(emu, "POST", "/registry/heartbeat", {
      body: { workspace_id: ws.id, error_rate: 0, active_tasks: 0, uptime_seconds: 1 },
      token: ws.token,
    });
    expect(hb.json).toEqual({ status: "ok", generation: 0, platform_inbound_secret: secret });
    const n = agent.headers.length;
    const r = await req(emu, "POST", `/workspaces/${ws.id}/a2a`, {
      body: envelope("hi"),
      token: emu.adminToken,
    });
    expect(r.status).toBe(200);
    expect(agent.headers[n]?.authorization).toBe(`Bearer ${secret}`);
  });

  it("an IP-literal URL gets none, unless a2aAlwaysAuth (MOLECULE_A2A_ALWAYS_AUTH)", async () => {
    const ipUrl = agent.url.replace("localhost", "127.0.0.1");
    for (const always of [false, true]) {
      const emu = await emulator({ compat: "2026-08", a2aAlwaysAuth: always });
      emus.push(emu);
      const { ws, secret } = await pushTarget(emu, ipUrl);
      const n = agent.headers.length;
      const r = await req(emu, "POST", `/workspaces/${ws.id}/a2a`, {
        body: envelope("hi"),
        token: emu.adminToken,
      });
      expect(r.status).toBe(200);
      expect(agent.headers[n]?.authorization).toBe(always ? `Bearer ${secret}` : undefined);
    }
  });

  it("latest and 2026-04 send no Authorization on a push", async () => {
    for (const compat of ["latest", "2026-04"] as const) {
      const emu = await emulator({ compat });
      emus.push(emu);
      const c = await emu.admin.createWorkspace({ name: "old" });
      await req(emu, "POST", "/registry/register", {
        body: { id: c.id, url: agent.url, agent_card: { name: "old" } },
        token: c.token,
      });
      const n = agent.headers.length;
      await req(emu, "POST", `/workspaces/${c.id}/a2a`, { body: envelope("hi") });
      expect(agent.headers[n]?.authorization).toBeUndefined();
    }
  });
});

describe("2026-08 register, heartbeat, the org tree, deletes and secrets", () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await emulator({ compat: "2026-08" });
  });
  afterAll(() => emu.close());

  it("register: push needs a URL (the card's url counts); the server's URL texts; poll needs none", async () => {
    const c = await emu.admin.createWorkspace({ name: "reg" });
    const reg = (body: Record<string, unknown>) =>
      req(emu, "POST", "/registry/register", {
        body: { id: c.id, agent_card: { name: "reg" }, ...body },
        token: c.token,
      });
    expect((await reg({})).json).toEqual({ error: "url is required for push-mode workspaces" });
    expect((await reg({ url: "http://10.1.2.3:80/a" })).json).toEqual({
      error: "url targets a blocked address: RFC-1918 private address",
    });
    expect((await reg({ url: "http://169.254.169.254/" })).json.error).toBe(
      "url targets a blocked address: link-local address (cloud metadata endpoint)",
    );
    expect((await reg({ url: "ftp://localhost/a" })).json.error).toBe(
      'url scheme must be http or https, got "ftp"',
    );
    expect((await reg({ delivery_mode: "carrier-pigeon" })).json.error).toBe(
      "delivery_mode must be 'push' or 'poll'",
    );
    const fromCard = await req(emu, "POST", "/registry/register", {
      body: { id: c.id, agent_card: { name: "reg", url: "http://localhost:9/card" } },
      token: c.token,
    });
    expect(Object.keys(fromCard.json).sort()).toEqual([
      "delivery_mode",
      "platform_inbound_secret",
      "status",
    ]);
    expect((await emu.admin.getWorkspace(c.id))["url"]).toBe("http://localhost:9/card");
    const poll = await reg({ delivery_mode: "poll" });
    expect(poll.json.delivery_mode).toBe("poll");
  });

  it("a removed workspace's heartbeat is 200 (its tokens are revoked, so none is needed); its row says removed", async () => {
    const w = await pollWs(emu, "doomed");
    await emu.admin.deleteWorkspace(w.id);
    const hb = await req(emu, "POST", "/registry/heartbeat", {
      body: { workspace_id: w.id, error_rate: 0, active_tasks: 0, uptime_seconds: 1 },
      token: w.token,
    });
    expect(hb.status).toBe(200);
    expect(Object.keys(hb.json).sort()).toEqual([
      "generation",
      "platform_inbound_secret",
      "status",
    ]);
    expect((await emu.admin.getWorkspace(w.id))["status"]).toBe("removed");
    const gone = await req(emu, "GET", `/workspaces/${w.id}`);
    expect(gone.status).toBe(410);
  });

  it("seeds the Org Concierge (kind platform) and nests parentless creates under it", async () => {
    const all = await emu.admin.listWorkspaces();
    const concierge = all.find((w) => w["id"] === CONCIERGE);
    expect(concierge).toMatchObject({
      name: "Org Concierge",
      kind: "platform",
      tier: 0,
      status: "offline",
      runtime: "hermes",
      parent_id: null,
      broadcast_enabled: true,
    });
    const c = await emu.admin.createWorkspace({ name: "top" });
    const got = await emu.admin.getWorkspace(c.id);
    expect(got["parent_id"]).toBe(CONCIERGE);
    expect(got["kind"]).toBe("workspace");
    expect(got["delivery_mode"]).toBeUndefined();
    const child = await emu.admin.createWorkspace({ name: "below", parentId: c.id });
    expect((await emu.admin.getWorkspace(child.id))["parent_id"]).toBe(c.id);
    const bad = await req(emu, "POST", "/workspaces", {
      body: { name: "x", runtime: "external", parent_id: "nope" },
      token: emu.adminToken,
    });
    expect(bad.json).toEqual({
      error: "parent_id is not a valid UUID",
      code: "WORKSPACE_REPARENT_INVALID_PARENT_ID",
    });
    const unknown = await req(emu, "POST", "/workspaces", {
      body: { name: "x", runtime: "external", parent_id: ZERO },
      token: emu.adminToken,
    });
    expect(unknown.status).toBe(422);
    expect(unknown.json).toEqual({
      error: "parent workspace does not exist",
      code: "WORKSPACE_REPARENT_PARENT_NOT_FOUND",
      parent_id: ZERO,
    });
  });

  it("DELETE needs X-Confirm-Name; unknown 404; removed 410", async () => {
    const c = await emu.admin.createWorkspace({ name: "to delete" });
    await emu.admin.createWorkspace({ name: "kid", parentId: c.id });
    const del = (headers: Record<string, string> = {}) =>
      req(emu, "DELETE", `/workspaces/${c.id}?confirm=true`, { token: emu.adminToken, headers });
    const refused = await del();
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({
      error: "destructive_action_requires_confirmation",
      hint: "Re-send the same request with header X-Confirm-Name: to delete",
      workspace_name: "to delete",
      active_tasks: 0,
      child_count: 1,
    });
    expect((await del({ "X-Confirm-Name": "To Delete" })).status).toBe(400);
    const ok = await del({ "X-Confirm-Name": "to delete" });
    expect(ok.json).toEqual({ status: "removed", cascade_deleted: 1 });
    expect((await del({ "X-Confirm-Name": "to delete" })).json).toEqual({
      error: "workspace removed",
      id: c.id,
    });
    const unknown = await req(emu, "DELETE", `/workspaces/${ZERO}`, { token: emu.adminToken });
    expect(unknown.status).toBe(404);
  });

  it("an admin secret write waits for approval; the workspace's own token writes at once", async () => {
    const w = await pollWs(emu, "secretive");
    const put = (token: string, value = "v1") =>
      req(emu, "POST", `/workspaces/${w.id}/secrets`, { body: { key: "K", value }, token });
    const values = async () =>
      (await req(emu, "GET", `/workspaces/${w.id}/secrets/values`, { token: w.token })).json;
    const held = await put(emu.adminToken);
    expect(held.status).toBe(202);
    expect(held.json).toMatchObject({
      status: "pending_approval",
      action: "secret_write",
      reason: "write secret K",
    });
    expect((await put(emu.adminToken)).json.approval_id).toBe(held.json.approval_id);
    expect(await values()).toEqual({});
    const decided = await req(
      emu,
      "POST",
      `/workspaces/${w.id}/approvals/${held.json.approval_id}/decide`,
      { body: { decision: "approved" }, token: emu.adminToken },
    );
    expect(decided.status).toBe(200);
    expect((await put(emu.adminToken, "v2")).status).toBe(200);
    expect(await values()).toEqual({ K: "v2" });
    // The approval is used up: the next admin write waits again.
    expect((await put(emu.adminToken, "v3")).status).toBe(202);
    expect((await put(w.token, "own")).status).toBe(200);
    expect(await values()).toEqual({ K: "own" });
    await emu.admin.setSecrets(w.id, { H: "helper" });
    expect(await values()).toEqual({ K: "own", H: "helper" });
  });

  it("the canvas A2A route needs a bearer (the admin token works); no test-token route", async () => {
    const w = await pollWs(emu, "callee");
    const none = await req(emu, "POST", `/workspaces/${w.id}/a2a`, { body: envelope("x") });
    expect(none.status).toBe(401);
    expect(none.json).toEqual({ error: "missing caller auth token" });
    const admin = await req(emu, "POST", `/workspaces/${w.id}/a2a`, {
      body: envelope("x"),
      token: emu.adminToken,
    });
    expect(admin.json.status).toBe("queued");
    expect(emu.activity(w.id).at(-1)!["source_id"]).toBeNull();
    const other = await pollWs(emu, "caller");
    const mismatch = await req(emu, "POST", `/workspaces/${w.id}/a2a`, {
      body: envelope("x"),
      token: other.token,
      headers: { "X-Workspace-ID": ZERO },
    });
    expect(mismatch.json).toEqual({ error: "caller ID does not match workspace auth token" });
    const tt = await req(emu, "GET", `/admin/workspaces/${w.id}/test-token`, {
      token: emu.adminToken,
    });
    expect(tt.status).toBe(404);
    expect(tt.text).toBe("404 page not found");
  });

  it("plugin install on an external workspace is 422 with the pull hint", async () => {
    const w = await pollWs(emu, "plugged");
    const r = await req(emu, "POST", `/workspaces/${w.id}/plugins`, {
      body: { source: "local://x" },
      token: w.token,
    });
    expect(r.status).toBe(422);
    expect(r.json.hint).toBe(
      "external workspaces pull plugins via GET /workspaces/:id/plugins/:name/download",
    );
  });

  it("notify is 403 talk_to_user_disabled once PATCH /abilities turns it off (admin only)", async () => {
    const w = await pollWs(emu, "quiet");
    const patch = (body: unknown, token = emu.adminToken) =>
      req(emu, "PATCH", `/workspaces/${w.id}/abilities`, { body, token });
    expect((await patch({ talk_to_user_enabled: false }, w.token)).status).toBe(401);
    expect((await patch({})).json).toEqual({ error: "at least one ability field required" });
    expect((await patch({ talk_to_user_enabled: "no" })).status).toBe(400);
    expect((await patch({ talk_to_user_enabled: false })).json).toEqual({ status: "updated" });
    expect((await emu.admin.getWorkspace(w.id))["talk_to_user_enabled"]).toBe(false);
    const r = await req(emu, "POST", `/workspaces/${w.id}/notify`, {
      body: { message: "hello" },
      token: w.token,
    });
    expect(r.status).toBe(403);
    expect(r.json.error).toBe("talk_to_user_disabled");
    expect(typeof r.json.hint).toBe("string");
    await patch({ talk_to_user_enabled: true });
    const ok = await req(emu, "POST", `/workspaces/${w.id}/notify`, {
      body: { message: "hello" },
      token: w.token,
    });
    expect(ok.status).toBe(200);
  });

  it("a stale external workspace becomes awaiting_agent, not offline", async () => {
    const w = await pollWs(emu, "sleepy");
    expect((await emu.admin.getWorkspace(w.id))["status"]).toBe("online");
    emu.advanceClock(91_000);
    expect((await emu.admin.getWorkspace(w.id))["status"]).toBe("awaiting_agent");
  });

  it("rotation sends EXTERNAL_CREDENTIALS_ROTATED on the workspace's own event stream", async () => {
    const w = await pollWs(emu, "rotated");
    const ac = new AbortController();
    const res = await fetch(`${emu.url}/workspaces/${w.id}/events/stream`, {
      headers: { Authorization: `Bearer ${emu.adminToken}` },
      signal: ac.signal,
    });
    const framesP = readFrames(res, (f) => f.some((x) => x.includes("EXTERNAL_CREDENTIALS")));
    const rot = await req(emu, "POST", `/workspaces/${w.id}/external/rotate`, {
      token: emu.adminToken,
    });
    expect(rot.status).toBe(200);
    const frame = (await framesP).find((x) => x.includes("EXTERNAL_CREDENTIALS")) as string;
    const data = JSON.parse(frame.slice("data: ".length));
    expect(data).toMatchObject({
      type: "EXTERNAL_CREDENTIALS_ROTATED",
      data: { workspace_id: w.id },
    });
    ac.abort();
  });
});

describe("emu.admin.createWorkspace's types (#70)", () => {
  it("types the token as present without a url, optional with one", () => {
    type Admin = Emulator["admin"];
    const withoutUrl = (a: Admin) => a.createWorkspace({ name: "n" });
    const withUrl = (a: Admin) => a.createWorkspace({ name: "n", url: "http://localhost:1/" });
    expectTypeOf<
      Awaited<ReturnType<typeof withoutUrl>>
    >().toEqualTypeOf<CreatedWorkspaceWithToken>();
    expectTypeOf<Awaited<ReturnType<typeof withoutUrl>>["token"]>().toEqualTypeOf<string>();
    expectTypeOf<Awaited<ReturnType<typeof withUrl>>>().toEqualTypeOf<CreatedWorkspace>();
    expectTypeOf<Awaited<ReturnType<typeof withUrl>>["token"]>().toEqualTypeOf<
      string | undefined
    >();
  });
});
