// The checks of `molecule-agent doctor` that ask the platform about this workspace: reachability,
// token, contract (capabilities), registration and heartbeat.
import { isMoleculeError, type PlatformClient, type WorkspaceInfo } from "@molecule-ai/agent-core";
import { hidePathSecret } from "../commands/secrets.js";
import type { DoctorCheck } from "./types.js";

const START_AGENT =
  "start the agent with these settings (molecule-agent connect --handler ./agent.js, or your app)";

function statusOf(err: unknown): string {
  return isMoleculeError(err) && err.status !== undefined ? ` (HTTP ${err.status})` : "";
}

/** `GET /health`: is anything answering at the platform URL? */
export async function checkPlatform(platformUrl: string, timeoutMs: number): Promise<DoctorCheck> {
  const started = performance.now();
  try {
    const res = await fetch(`${platformUrl}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    const ms = Math.round(performance.now() - started);
    if (res.ok)
      return { id: "platform", status: "ok", detail: `${platformUrl} answered in ${ms} ms` };
    return {
      id: "platform",
      status: "fail",
      detail: `${platformUrl}/health answered HTTP ${res.status}`,
      fix:
        res.status === 404
          ? "--platform-url (MOLECULE_PLATFORM_URL) must be the platform's API base URL, not the canvas"
          : "the platform is up but unhealthy: retry shortly, or check the platform's logs",
    };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    const why =
      (err as Error).name === "TimeoutError"
        ? `no answer within ${timeoutMs} ms`
        : (cause ?? (err as Error).message);
    return {
      id: "platform",
      status: "fail",
      detail: `cannot reach ${platformUrl}: ${why}`,
      fix: "start the platform, or correct --platform-url (MOLECULE_PLATFORM_URL); check proxies and firewalls between here and it",
    };
  }
}

/** The token: `GET /workspaces/:id/state` with it. `removed` when the workspace is gone. */
export async function checkToken(
  client: PlatformClient,
  hasToken: boolean,
): Promise<{ check: DoctorCheck; removed: boolean }> {
  if (!hasToken)
    return {
      removed: false,
      check: {
        id: "token",
        status: "fail",
        detail: `no token for workspace ${client.workspaceId}`,
        fix: `set MOLECULE_WORKSPACE_TOKEN (or pass --token), or keep the token in ~/.molecule/${client.workspaceId}/.auth_token`,
      },
    };
  try {
    const state = await client.getState();
    if (state.removed)
      return {
        removed: true,
        check: {
          id: "token",
          status: "skip",
          detail: "not checked: the workspace was removed, which revokes its tokens",
        },
      };
    return {
      removed: false,
      check: { id: "token", status: "ok", detail: "accepted by the platform (not shown)" },
    };
  } catch (err) {
    const auth = isMoleculeError(err, "unauthorized") || isMoleculeError(err, "forbidden");
    return {
      removed: false,
      check: {
        id: "token",
        status: "fail",
        detail: auth
          ? `the platform rejected the token for workspace ${client.workspaceId}${statusOf(err)}`
          : `the token could not be checked: ${(err as Error).message}`,
        fix: auth
          ? "the token is revoked or belongs to another workspace: mint a new one for this workspace (canvas, or POST /workspaces/:id/tokens) and set MOLECULE_WORKSPACE_TOKEN"
          : "retry; if it persists, check the platform's logs",
      },
    };
  }
}

/** What the platform supports: the newer contract (poll, cursors, events) or the April-2026 one. */
export async function checkContract(client: PlatformClient): Promise<DoctorCheck> {
  try {
    const caps = await client.capabilities();
    if (caps.compat === "2026-04")
      return {
        id: "contract",
        status: "ok",
        detail:
          "April-2026 baseline: push delivery only (the platform calls the agent's URL), no since_id cursors",
      };
    if (!caps.eventStream)
      return {
        id: "contract",
        status: "warn",
        detail: `latest: poll delivery and since_id cursors, but the event stream failed (${caps.eventStreamError ?? "not text/event-stream"})`,
        fix: "agents still poll, only without instant wake-ups: check proxies that buffer or block text/event-stream",
      };
    return {
      id: "contract",
      status: "ok",
      detail: "latest: poll delivery, since_id cursors, event stream",
    };
  } catch (err) {
    return {
      id: "contract",
      status: "fail",
      detail: `the capability probe failed${statusOf(err)}: ${(err as Error).message}`,
      fix: "retry; if it persists, the platform does not speak a contract this SDK knows",
    };
  }
}

/** The registered URL when the platform pushes to the agent; `undefined` for poll or none. */
export function pushUrlOf(ws: WorkspaceInfo | undefined): string | undefined {
  if (ws === undefined || !ws.url || ws["delivery_mode"] === "poll") return undefined;
  return ws.url;
}

function registrationFailed(detail: string, fix: string): DoctorCheck {
  return { id: "registration", status: "fail", detail, fix };
}

/** The workspace as the platform sees it: registered, paused, removed, never connected. */
export async function checkRegistration(
  client: PlatformClient,
): Promise<{ check: DoctorCheck; workspace: WorkspaceInfo | undefined }> {
  let ws: WorkspaceInfo;
  try {
    ws = await client.getWorkspace();
  } catch (err) {
    const removed = isMoleculeError(err, "workspace_removed");
    const missing = isMoleculeError(err, "not_found");
    return {
      workspace: undefined,
      check: {
        id: "registration",
        status: "fail",
        detail: removed
          ? `workspace ${client.workspaceId} was removed from the platform`
          : missing
            ? `workspace ${client.workspaceId} does not exist on this platform`
            : `the workspace could not be read${statusOf(err)}: ${(err as Error).message}`,
        fix:
          removed || missing
            ? "create a workspace (canvas, or molecule-platform-emulator --workspace <name>) and set MOLECULE_WORKSPACE_ID and MOLECULE_WORKSPACE_TOKEN to its values"
            : "retry; if it persists, check the platform's logs",
      },
    };
  }
  const status = ws.status ?? "unknown";
  let check: DoctorCheck;
  if (status === "awaiting_agent" || status === "provisioning")
    check = registrationFailed(
      `status ${status}: no agent has registered as this workspace yet`,
      START_AGENT,
    );
  else if (status === "paused")
    check = registrationFailed(
      "status paused: the platform delivers nothing to it",
      // POST /workspaces/:id/resume re-provisions a container: the April 2026 server refuses it
      // for external workspaces (503 "provisioner not available"). Registering resumes one on
      // every platform version, and a started agent no longer does it unasked.
      "start the agent with --resume (MOLECULE_RESUME=1): registering resumes the workspace (the canvas's resume does not work for external workspaces on every platform)",
    );
  else if (status === "failed")
    check = registrationFailed(
      "status failed: the platform could not provision it",
      "remote agents need an external workspace: create one with runtime external",
    );
  else {
    const push = pushUrlOf(ws);
    const how = push
      ? `push to ${hidePathSecret(push)}`
      : ws["delivery_mode"] === "poll"
        ? "poll"
        : "no URL";
    check = { id: "registration", status: "ok", detail: `status ${status}, delivery ${how}` };
  }
  return { check, workspace: ws };
}

/** Liveness: the platform marks a workspace offline about 90 s after its last heartbeat. */
export function checkHeartbeat(ws: WorkspaceInfo | undefined): DoctorCheck {
  const status = ws?.status;
  const uptime = typeof ws?.["uptime_seconds"] === "number" ? ws["uptime_seconds"] : undefined;
  const up = uptime !== undefined && uptime > 0 ? ` (the agent reports ${uptime} s uptime)` : "";
  if (status === "online")
    return { id: "heartbeat", status: "ok", detail: `recent: the workspace is online${up}` };
  if (status === "degraded")
    return {
      id: "heartbeat",
      status: "warn",
      detail: `arriving, but the workspace is degraded${up}: the agent reports a high error rate or a wedged runtime`,
      fix: "check the agent's logs for failing handlers",
    };
  if (status === "offline")
    return {
      id: "heartbeat",
      status: "fail",
      detail:
        "none for over 90 s (status offline, grey on the canvas): the agent stopped or cannot reach the platform",
      fix: `${START_AGENT}; check that it reaches --platform-url`,
    };
  if (status === "awaiting_agent" || status === "provisioning")
    return { id: "heartbeat", status: "fail", detail: "none yet", fix: START_AGENT };
  return {
    id: "heartbeat",
    status: "skip",
    detail: `not applicable (status ${status ?? "unknown"})`,
  };
}
