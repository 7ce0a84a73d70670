/* oxlint-disable typescript/no-explicit-any */
// The requests of the real-server probe (shared/conformance/real-server-2026-0{4,8}.json: the same
// 117 case names in both recordings), one per case, and how an answer's signature is formed. The
// replay tests of each recording (replay-real-server*.test.ts) run them against the emulator.
import { fileURLToPath } from "node:url";
import type { Compat, Emulator } from "../src/index.js";
import { envelope, emulator, req, type Agent, type Res, type Ws } from "./helpers.js";

/** One recorded answer. */
export interface RecordedCase {
  case: string;
  status: number;
  signature: string;
  body: string;
}

/** The org every case runs against: two roots, each with a child, and a third child of root 2. */
export interface Org {
  emu: Emulator;
  agentUrl: string;
  root1: Ws;
  child1: Ws;
  root2: Ws;
  child2: Ws;
  child3: Ws;
  /** Values later cases reuse (e.g. the workspace created with a URL). */
  vars: Record<string, string>;
}

export interface Call {
  method: string;
  path: string;
  body?: unknown;
  raw?: string;
  token?: string;
  headers?: Record<string, string>;
}

const UNKNOWN = "7b0c3a52-5d4e-4f8a-9c1e-2a3b4c5d6e7f";
const card = { name: "probe" };
const msg = (o: Org, w: Ws, extra: Record<string, string> = {}): Record<string, string> => ({
  "X-Workspace-ID": w.id,
  ...extra,
});
const admin = (o: Org): string => o.emu.adminToken;

/** One request per recorded case, in the recording's order (later cases see earlier effects). */
export const STEPS: Record<string, (o: Org) => Call> = {
  "GET /health": () => ({ method: "GET", path: "/health" }),
  "GET unknown route": () => ({ method: "GET", path: "/no-such-route" }),
  "GET /workspaces/ trailing slash (admin)": (o) => ({
    method: "GET",
    path: "/workspaces/",
    token: admin(o),
  }),
  "POST /workspaces no bearer": () => ({
    method: "POST",
    path: "/workspaces",
    body: { name: "x", runtime: "external" },
  }),
  "POST /workspaces wrong bearer": () => ({
    method: "POST",
    path: "/workspaces",
    body: { name: "x", runtime: "external" },
    token: "not-the-admin-token",
  }),
  "POST /workspaces workspace token as admin": (o) => ({
    method: "POST",
    path: "/workspaces",
    body: { name: "x", runtime: "external" },
    token: o.child1.token,
  }),
  "POST /workspaces missing name": (o) => ({
    method: "POST",
    path: "/workspaces",
    body: { runtime: "external" },
    token: admin(o),
  }),
  "POST /workspaces invalid JSON": (o) => ({
    method: "POST",
    path: "/workspaces",
    raw: "{not json",
    token: admin(o),
  }),
  "POST /workspaces name with forbidden chars": (o) => ({
    method: "POST",
    path: "/workspaces",
    body: { name: "a{b}", runtime: "external" },
    token: admin(o),
  }),
  "POST /workspaces name wrong type (number)": (o) => ({
    method: "POST",
    path: "/workspaces",
    body: { name: 42, runtime: "external" },
    token: admin(o),
  }),
  "POST /workspaces parent_id not a UUID": (o) => ({
    method: "POST",
    path: "/workspaces",
    body: { name: "x", runtime: "external", parent_id: "not-a-uuid" },
    token: admin(o),
  }),
  "POST /workspaces parent_id unknown UUID": (o) => ({
    method: "POST",
    path: "/workspaces",
    body: { name: "x", runtime: "external", parent_id: UNKNOWN },
    token: admin(o),
  }),
  "POST /workspaces external with url": (o) => ({
    method: "POST",
    path: "/workspaces",
    body: { name: "ext-url", runtime: "external", external: true, url: o.agentUrl },
    token: admin(o),
  }),
  "GET /workspaces (list) no bearer": () => ({ method: "GET", path: "/workspaces" }),
  "GET /workspaces/not-a-uuid": () => ({ method: "GET", path: "/workspaces/not-a-uuid" }),
  "GET /workspaces/<unknown uuid>": () => ({ method: "GET", path: `/workspaces/${UNKNOWN}` }),
  "GET /workspaces/<id> no auth": (o) => ({ method: "GET", path: `/workspaces/${o.child1.id}` }),
  "register missing url": (o) => reg(o, { id: o.child1.id, agent_card: card }),
  "register missing agent_card": (o) => reg(o, { id: o.child1.id, url: o.agentUrl }),
  "register invalid JSON": (o) => ({
    method: "POST",
    path: "/registry/register",
    raw: "{nope",
    token: o.child1.token,
  }),
  "register url 127.0.0.1 literal": (o) =>
    reg(o, { id: o.child1.id, url: "http://127.0.0.1:8000/a2a", agent_card: card }),
  "register url ftp://": (o) =>
    reg(o, { id: o.child1.id, url: "ftp://localhost/a2a", agent_card: card }),
  "register url 10.0.0.5 (private)": (o) =>
    reg(o, { id: o.child1.id, url: "http://10.0.0.5:8000/a2a", agent_card: card }),
  "register id not a UUID": (o) => reg(o, { id: "not-a-uuid", url: o.agentUrl, agent_card: card }),
  "register already-registered, no bearer": (o) =>
    reg(o, { id: o.child1.id, url: o.agentUrl, agent_card: card }, null),
  "register wrong bearer": (o) =>
    reg(o, { id: o.child1.id, url: o.agentUrl, agent_card: card }, "wrong-token"),
  "register with ADMIN token": (o) =>
    reg(o, { id: o.child1.id, url: o.agentUrl, agent_card: card }, admin(o)),
  "register with other workspace's token": (o) =>
    reg(o, { id: o.child1.id, url: o.agentUrl, agent_card: card }, o.child2.token),
  "register lowercase 'bearer' scheme": (o) => ({
    ...reg(o, { id: o.child1.id, url: o.agentUrl, agent_card: card }, null),
    headers: { Authorization: `bearer ${o.child1.token}` },
  }),
  "register valid re-register": (o) =>
    reg(o, { id: o.child1.id, url: o.agentUrl, agent_card: card }),
  "register unknown UUID (creates row?)": (o) =>
    reg(o, { id: crypto.randomUUID(), url: o.agentUrl, agent_card: card }, null),
  "heartbeat active_tasks 1.5": (o) => hb(o, { active_tasks: 1.5 }),
  "heartbeat uptime_seconds string": (o) => hb(o, { uptime_seconds: "5" }),
  "heartbeat error_rate string": (o) => hb(o, { error_rate: "low" }),
  "heartbeat missing workspace_id": (o) => hb(o, { workspace_id: undefined }),
  "heartbeat workspace_id not a UUID": (o) => hb(o, { workspace_id: "not-a-uuid" }),
  "heartbeat no bearer": (o) => hb(o, {}, null),
  "heartbeat wrong bearer": (o) => hb(o, {}, "wrong-token"),
  "heartbeat ADMIN token": (o) => hb(o, {}, admin(o)),
  "heartbeat valid": (o) => hb(o, {}),
  "heartbeat unknown UUID (no token)": (o) => hb(o, { workspace_id: UNKNOWN }, null),
  "heartbeat oversized body (2 MiB)": (o) => hb(o, { sample_error: "x".repeat(2 << 20) }),
  "update-card missing agent_card": (o) => ({
    method: "POST",
    path: "/registry/update-card",
    body: { workspace_id: o.child1.id },
    token: o.child1.token,
  }),
  "update-card valid": (o) => ({
    method: "POST",
    path: "/registry/update-card",
    body: { workspace_id: o.child1.id, agent_card: { name: "p2" } },
    token: o.child1.token,
  }),
  "state no bearer": (o) => ({ method: "GET", path: `/workspaces/${o.child1.id}/state` }),
  "state ADMIN token (ws has token)": (o) => state(o, o.child1.id, admin(o)),
  "state other workspace's token": (o) => state(o, o.child1.id, o.child2.token),
  "state valid": (o) => state(o, o.child1.id, o.child1.token),
  "state uppercase UUID in path": (o) => state(o, o.child1.id.toUpperCase(), o.child1.token),
  "secrets/values ADMIN token": (o) => ({
    method: "GET",
    path: `/workspaces/${o.child1.id}/secrets/values`,
    token: admin(o),
  }),
  "secrets/values valid": (o) => ({
    method: "GET",
    path: `/workspaces/${o.child1.id}/secrets/values`,
    token: o.child1.token,
  }),
  "secrets list valid": (o) => ({
    method: "GET",
    path: `/workspaces/${o.child1.id}/secrets`,
    token: o.child1.token,
  }),
  "POST secret empty key": (o) => ({
    method: "POST",
    path: `/workspaces/${o.child1.id}/secrets`,
    body: { key: "", value: "v" },
    token: o.child1.token,
  }),
  "POST secret valid (admin)": (o) => ({
    method: "POST",
    path: `/workspaces/${o.child1.id}/secrets`,
    body: { key: "K1", value: "v1" },
    token: admin(o),
  }),
  "DELETE secret unknown key": (o) => ({
    method: "DELETE",
    path: `/workspaces/${o.child1.id}/secrets/NO_SUCH_KEY`,
    token: o.child1.token,
  }),
  "discover without X-Workspace-ID": (o) => ({
    method: "GET",
    path: `/registry/discover/${o.root1.id}`,
    token: o.child1.token,
  }),
  "discover parent (valid)": (o) => discover(o, o.root1.id, o.child1, o.child1.token),
  "discover cousin (denied)": (o) => discover(o, o.child2.id, o.child1, o.child1.token),
  "discover unknown UUID": (o) => discover(o, UNKNOWN, o.child1, o.child1.token),
  "discover caller no bearer": (o) => discover(o, o.root1.id, o.child1, undefined),
  "peers no bearer": (o) => ({ method: "GET", path: `/registry/${o.child1.id}/peers` }),
  "peers valid": (o) => ({
    method: "GET",
    path: `/registry/${o.child1.id}/peers`,
    token: o.child1.token,
  }),
  "peers ?q=zzz no match": (o) => ({
    method: "GET",
    path: `/registry/${o.child1.id}/peers?q=zzz`,
    token: o.child1.token,
  }),
  "peers unknown UUID": () => ({ method: "GET", path: `/registry/${UNKNOWN}/peers` }),
  "check-access cousins": (o) => ({
    method: "POST",
    path: "/registry/check-access",
    body: { caller_id: o.child1.id, target_id: o.child2.id },
  }),
  "check-access missing field": (o) => ({
    method: "POST",
    path: "/registry/check-access",
    body: { caller_id: o.child1.id },
  }),
  "a2a child->parent valid": (o) => a2a(o, o.root1.id, msg(o, o.child1), o.child1.token),
  "a2a without X-Workspace-ID (canvas)": (o) => a2a(o, o.root1.id, {}),
  "a2a invalid JSON": (o) => ({
    ...a2a(o, o.root1.id, msg(o, o.child1), o.child1.token),
    body: undefined,
    raw: "{oops",
  }),
  "a2a between cousins": (o) => a2a(o, o.child2.id, msg(o, o.child1), o.child1.token),
  "a2a caller without bearer": (o) => a2a(o, o.root1.id, msg(o, o.child1)),
  "a2a caller wrong bearer": (o) => a2a(o, o.root1.id, msg(o, o.child1), "wrong-token"),
  "a2a caller ADMIN token": (o) => a2a(o, o.root1.id, msg(o, o.child1), admin(o)),
  "a2a X-Workspace-ID system:x": (o) => a2a(o, o.root1.id, { "X-Workspace-ID": "system:x" }),
  "a2a to unknown UUID": (o) => a2a(o, UNKNOWN, msg(o, o.child1), o.child1.token),
  "a2a to non-UUID target": (o) => a2a(o, "not-a-uuid", msg(o, o.child1), o.child1.token),
  // These three canvas-class calls carry the admin bearer: the August recording answers them
  // 200/503 where a call without one is `401 missing caller auth token` ("a2a without
  // X-Workspace-ID (canvas)"), so the probe authenticated them; the older servers ignore it.
  "a2a shorthand body {method,params}": (o) => ({
    method: "POST",
    path: `/workspaces/${o.root1.id}/a2a`,
    body: { method: "message/send", params: (envelope("hi") as any).params },
    token: admin(o),
  }),
  "a2a oversized body (1.5 MiB)": (o) => ({
    method: "POST",
    path: `/workspaces/${o.root1.id}/a2a`,
    body: envelope("x".repeat(3 << 19)),
    token: admin(o),
  }),
  "a2a self-call (X-Workspace-ID == id, no bearer)": (o) =>
    a2a(o, o.root1.id, { "X-Workspace-ID": o.root1.id }),
  "delegate to self": (o) => delegate(o, { target_id: o.child1.id, task: "t" }),
  "delegate target not a UUID": (o) => delegate(o, { target_id: "not-a-uuid", task: "t" }),
  "delegate missing task": (o) => delegate(o, { target_id: o.root1.id }),
  "delegate valid": (o) =>
    delegate(o, { target_id: o.root1.id, task: "echo this", idempotency_key: "replay-1" }),
  "delegate same idempotency key": (o) =>
    delegate(o, { target_id: o.root1.id, task: "echo this", idempotency_key: "replay-1" }),
  "delegate no bearer": (o) => ({
    ...delegate(o, { target_id: o.root1.id, task: "t" }),
    token: undefined,
  }),
  "activity ?source=bogus": (o) => activity(o, "?source=bogus", o.root1.token),
  "activity ?since_id=zero (probe)": (o) =>
    activity(o, "?since_id=00000000-0000-0000-0000-000000000000", o.root1.token),
  "activity with ADMIN token": (o) => activity(o, "", admin(o)),
  "activity other workspace's token": (o) => activity(o, "", o.child2.token),
  "POST activity bad activity_type": (o) => ({
    method: "POST",
    path: `/workspaces/${o.child1.id}/activity`,
    body: { activity_type: "bogus" },
    token: o.child1.token,
  }),
  "POST activity source_id spoof": (o) => ({
    method: "POST",
    path: `/workspaces/${o.child1.id}/activity`,
    body: { activity_type: "agent_log", source_id: o.child2.id },
    token: o.child1.token,
  }),
  "notify missing message": (o) => notify(o, {}),
  "notify attachment without name": (o) =>
    notify(o, { message: "m", attachments: [{ uri: "workspace:/f.txt" }] }),
  "notify valid": (o) => notify(o, { message: "hello canvas" }),
  "plugin download name with ..": (o) => plugin(o, "a..b", o.child1.token),
  "plugin download Bad_Name (regex miss)": (o) => plugin(o, "Bad_Name", o.child1.token),
  "plugin download unknown plugin": (o) => plugin(o, "no-such-plugin", o.child1.token),
  "plugin download ADMIN token": (o) => plugin(o, "sdk-probe-plugin", admin(o)),
  "POST plugins install (external)": (o) => ({
    method: "POST",
    path: `/workspaces/${o.child1.id}/plugins`,
    body: { source: "local://sdk-probe-plugin" },
    token: o.child1.token,
  }),
  "tokens list": (o) => ({
    method: "GET",
    path: `/workspaces/${o.child1.id}/tokens`,
    token: o.child1.token,
  }),
  "DELETE tokens (bulk, no route)": (o) => ({
    method: "DELETE",
    path: `/workspaces/${o.child1.id}/tokens`,
    token: o.child1.token,
  }),
  "DELETE token unknown id": (o) => ({
    method: "DELETE",
    path: `/workspaces/${o.child1.id}/tokens/${UNKNOWN}`,
    token: o.child1.token,
  }),
  "GET admin test-token": (o) => ({
    method: "GET",
    path: `/admin/workspaces/${o.vars["extUrlId"]}/test-token`,
    token: admin(o),
  }),
  "GET admin test-token no bearer": (o) => ({
    method: "GET",
    path: `/admin/workspaces/${o.vars["extUrlId"]}/test-token`,
  }),
  "pause (workspace token)": (o) => ({
    method: "POST",
    path: `/workspaces/${o.child3.id}/pause`,
    token: o.child3.token,
  }),
  "pause again": (o) => ({
    method: "POST",
    path: `/workspaces/${o.child3.id}/pause`,
    token: o.child3.token,
  }),
  "a2a to paused workspace": (o) => a2a(o, o.child3.id, {}, admin(o)),
  "DELETE /workspaces/not-a-uuid": (o) => del(o, "not-a-uuid", ""),
  "DELETE /workspaces/<unknown uuid>": (o) => del(o, UNKNOWN, ""),
  "DELETE parent with children, no confirm": (o) => del(o, o.root1.id, ""),
  "DELETE child (admin)": (o) => del(o, o.child1.id, ""),
  "deleted: GET /workspaces/<id>": (o) => ({ method: "GET", path: `/workspaces/${o.child1.id}` }),
  "deleted: state with own token": (o) => state(o, o.child1.id, o.child1.token),
  "deleted: state with ADMIN token": (o) => state(o, o.child1.id, admin(o)),
  "deleted: heartbeat with own token": (o) => hb(o, {}),
  "deleted: register without bearer": (o) =>
    reg(o, { id: o.child1.id, url: o.agentUrl, agent_card: card }, null),
  "deleted: a2a parent->deleted child": (o) => a2a(o, o.child1.id, msg(o, o.root1), o.root1.token),
};

function reg(o: Org, body: Record<string, unknown>, token: string | null = o.child1.token): Call {
  return {
    method: "POST",
    path: "/registry/register",
    body,
    ...(token !== null ? { token } : {}),
  };
}

function hb(o: Org, fields: Record<string, unknown>, token: string | null = o.child1.token): Call {
  const body: Record<string, unknown> = {
    workspace_id: o.child1.id,
    error_rate: 0,
    active_tasks: 0,
    uptime_seconds: 5,
    ...fields,
  };
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  return {
    method: "POST",
    path: "/registry/heartbeat",
    body,
    ...(token !== null ? { token } : {}),
  };
}

function state(o: Org, id: string, token: string): Call {
  return { method: "GET", path: `/workspaces/${id}/state`, token };
}

function discover(o: Org, target: string, caller: Ws, token: string | undefined): Call {
  return {
    method: "GET",
    path: `/registry/discover/${target}`,
    headers: { "X-Workspace-ID": caller.id },
    ...(token !== undefined ? { token } : {}),
  };
}

function a2a(o: Org, target: string, headers: Record<string, string>, token?: string): Call {
  return {
    method: "POST",
    path: `/workspaces/${target}/a2a`,
    body: envelope("ping"),
    headers,
    ...(token !== undefined ? { token } : {}),
  };
}

function delegate(o: Org, body: Record<string, unknown>): Call {
  return {
    method: "POST",
    path: `/workspaces/${o.child1.id}/delegate`,
    body,
    token: o.child1.token,
  };
}

function activity(o: Org, query: string, token: string): Call {
  return { method: "GET", path: `/workspaces/${o.root1.id}/activity${query}`, token };
}

function notify(o: Org, body: Record<string, unknown>): Call {
  return { method: "POST", path: `/workspaces/${o.child1.id}/notify`, body, token: o.child1.token };
}

function plugin(o: Org, name: string, token: string): Call {
  return { method: "GET", path: `/workspaces/${o.child1.id}/plugins/${name}/download`, token };
}

function del(o: Org, id: string, query: string): Call {
  return { method: "DELETE", path: `/workspaces/${id}${query}`, token: admin(o) };
}

/** The answer's signature in the form the recorded `signature` uses. */
export function signatureOf(expected: string, r: Res): string {
  const kind = /^\d{3} (error:|keys:|array|text:)/.exec(expected)?.[1];
  const j = r.json;
  switch (kind) {
    case "error:":
      return `${r.status} error:${typeof j?.error === "string" ? j.error : `<no error in ${r.text.slice(0, 80)}>`}`;
    case "keys:":
      return j !== null && typeof j === "object" && !Array.isArray(j)
        ? `${r.status} keys:${Object.keys(j).sort().join(",")}`
        : `${r.status} <not an object: ${r.text.slice(0, 80)}>`;
    case "array":
      return Array.isArray(j) ? `${r.status} array` : `${r.status} <not an array>`;
    case "text:":
      return `${r.status} text:${r.text.trim()}`;
  }
  throw new Error(`unknown signature kind in ${JSON.stringify(expected)}`);
}

export async function makeOrg(compat: Compat, agent: Agent): Promise<Org> {
  const emu = await emulator({
    compat,
    pluginsDir: fileURLToPath(new URL("./fixtures/plugins", import.meta.url)),
  });
  const agentUrl = agent.url;
  const make = async (name: string, parent?: Ws): Promise<Ws> => {
    const c = await emu.admin.createWorkspace({
      name,
      ...(parent !== undefined ? { parentId: parent.id } : {}),
    });
    const r = await req(emu, "POST", "/registry/register", {
      body: { id: c.id, url: agentUrl, agent_card: card },
      token: c.token,
    });
    if (r.status !== 200) throw new Error(`setup register ${name}: ${r.status} ${r.text}`);
    return { id: c.id, token: c.token };
  };
  const root1 = await make("probe-root1");
  const child1 = await make("probe-child1", root1);
  const root2 = await make("probe-root2");
  const child2 = await make("probe-child2", root2);
  const child3 = await make("probe-child3", root2);
  return { emu, agentUrl, root1, child1, root2, child2, child3, vars: {} };
}

/** Sends a case's request; remembers what later cases reuse. */
export async function runStep(org: Org, name: string): Promise<Res> {
  const call = STEPS[name]!(org);
  const r = await req(org.emu, call.method, call.path, {
    ...(call.body !== undefined ? { body: call.body } : {}),
    ...(call.raw !== undefined ? { raw: call.raw } : {}),
    ...(call.token !== undefined ? { token: call.token } : {}),
    ...(call.headers !== undefined ? { headers: call.headers } : {}),
  });
  if (name === "POST /workspaces external with url" && r.status === 201)
    org.vars["extUrlId"] = r.json.id;
  return r;
}
