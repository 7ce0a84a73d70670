// This workspace as the platform holds it: lifecycle state, secrets, the workspace record.
import { WorkspaceRemovedError } from "./errors.js";
import { redactDeep, sendRetryingFresh } from "../transport/index.js";
import { secretsSchema, stateResponseSchema, workspaceSchema } from "../wire/index.js";
import { ok } from "./http-errors.js";
import { requireWorkspaceId as requireId } from "./ids.js";
import { enc, type PlatformSession } from "./session.js";
import type { WorkspaceInfo, WorkspaceState } from "./types.js";

/** `GET /workspaces/:id/state`; every way the platform says "removed" yields `removed: true`. */
export async function getState(
  s: PlatformSession,
  options: { signal?: AbortSignal },
): Promise<WorkspaceState> {
  const res = await sendRetryingFresh(s, {
    method: "GET",
    path: `/workspaces/${enc(s.workspaceId)}/state`,
    signal: options.signal,
    liveness: true,
  });
  const body = res.body as { deleted?: unknown; status?: unknown } | undefined;
  if (
    res.status === 410 ||
    (res.status === 404 &&
      typeof body === "object" &&
      body !== null &&
      (body.deleted === true || body.status === "removed"))
  ) {
    return { status: "removed", paused: false, removed: true };
  }
  if (res.status === 401 && (await s.isRemoved(options.signal))) {
    return { status: "removed", paused: false, removed: true };
  }
  if (!ok(res.status)) throw s.fail(res, "getState");
  const st = s.expect(stateResponseSchema, res, "getState");
  const status = st.status ?? (st.deleted ? "removed" : "unknown");
  const removed = st.deleted === true || status === "removed";
  return { status, paused: st.paused === true || status === "paused", removed };
}

/**
 * `POST /workspaces/:id/resume` with the workspace's own token: `true` when the platform resumed
 * it (its row then `provisioning` until the agent registers), `false` when the platform cannot
 * (`503 provisioner not available`: the April 2026 server for any external workspace, a
 * self-hosted August one without a provisioner). Other refusals are thrown, typed.
 */
export async function resumeOwnWorkspace(
  s: PlatformSession,
  signal: AbortSignal,
): Promise<boolean> {
  const res = await s.send({
    method: "POST",
    path: `/workspaces/${enc(s.workspaceId)}/resume`,
    signal,
  });
  if (ok(res.status)) return true;
  if (res.status === 503) return false;
  throw await s.selfFail(res, "resume", signal);
}

/** `GET /workspaces/:id/secrets/values`, every value as a string. */
export async function pullSecrets(
  s: PlatformSession,
  options: { signal?: AbortSignal },
): Promise<Record<string, string>> {
  const res = await s.send({
    method: "GET",
    path: `/workspaces/${enc(s.workspaceId)}/secrets/values`,
    signal: options.signal,
  });
  if (!ok(res.status)) throw await s.selfFail(res, "pullSecrets", options.signal);
  if (res.body === undefined || res.body === null) return {};
  const values = s.expect(secretsSchema, res, "pullSecrets", { includeBody: false });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) out[k] = String(v);
  return out;
}

/** `GET /workspaces/:id` (default: this one); a removed workspace raises WorkspaceRemovedError. */
export async function getWorkspace(
  s: PlatformSession,
  id: string | undefined,
  options: { signal?: AbortSignal },
): Promise<WorkspaceInfo> {
  const wid = id === undefined ? s.workspaceId : requireId(id, "id");
  const res = await s.send({
    method: "GET",
    path: `/workspaces/${enc(wid)}`,
    signal: options.signal,
  });
  if (res.status === 410) {
    throw new WorkspaceRemovedError(
      `workspace ${wid} was removed from the platform; stop its agent, or create a new workspace and register again`,
      {
        workspaceId: wid,
        status: 410,
        body: redactDeep(res.body, s.known),
      },
    );
  }
  if (!ok(res.status))
    throw s.fail(res, "getWorkspace", { 404: `workspace ${wid} does not exist on this platform` });
  const ws = s.expect(workspaceSchema, res, "getWorkspace");
  if (ws.status === "removed") {
    throw new WorkspaceRemovedError(
      `workspace ${wid} was removed from the platform; stop its agent, or create a new workspace and register again`,
      {
        workspaceId: wid,
        status: res.status,
        body: redactDeep(res.body, s.known),
      },
    );
  }
  return ws;
}
