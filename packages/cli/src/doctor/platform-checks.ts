// The checks of `molecule-agent doctor` that ask the platform about this workspace: reachability,
// token, contract (capabilities), registration and heartbeat.
import { isMoleculeError, type PlatformClient, type WorkspaceInfo } from "@molecule-ai/agent-core";
import {
  pathFailureOf,
  proxyAuthFix,
  proxyFor,
  requestPlatformUrl,
  tlsProblemOf,
} from "@molecule-ai/agent-core/adapters";
import type { PathFailure } from "@molecule-ai/agent-core/adapters";
import { hidePathSecret } from "../commands/secrets.js";
import type { CheckId, DoctorCheck } from "./types.js";

const START_AGENT =
  "start the agent with these settings (molecule-agent connect --handler ./agent.js, or your app)";

function statusOf(err: unknown): string {
  return isMoleculeError(err) && err.status !== undefined ? ` (HTTP ${err.status})` : "";
}

/**
 * A SaaS tenant's refusal as a failed check, or `undefined`: no org id (`org_id_required`, the
 * tenant's 400), or a wrong one (`org_or_workspace_not_found`, its empty 404, which it also
 * answers for a workspace it does not hold: both causes are named, never "create a workspace").
 */
function tenantRefused(id: CheckId, err: unknown, workspaceId: string): DoctorCheck | undefined {
  if (isMoleculeError(err, "org_id_required"))
    return {
      id,
      status: "fail",
      detail:
        "the platform is a SaaS tenant and refused the request without its organisation id (400 TENANT_ORG_HEADER_REQUIRED)",
      fix: "set --org-id (MOLECULE_ORG_ID) to your organisation's id (when it is set, something between here and the platform drops the X-Molecule-Org-Id header)",
    };
  if (isMoleculeError(err, "org_or_workspace_not_found"))
    return {
      id,
      status: "fail",
      detail: `the platform answered 404 with an empty body: the org id is wrong, or workspace ${workspaceId} does not exist (a SaaS tenant answers both alike)`,
      fix: "check --org-id (MOLECULE_ORG_ID) against your organisation's id, and --workspace-id (MOLECULE_WORKSPACE_ID)",
    };
  return undefined;
}

/** What one health probe got, for a detail line. */
function said(r: { status?: number }): string {
  return r.status === undefined ? "no answer" : `HTTP ${r.status}`;
}

/** One health probe, on the agent's own path (pool and proxy): its status, or why nothing answered. */
async function probe(
  url: string,
  timeoutMs: number,
): Promise<{ status?: number; path?: PathFailure | undefined; error?: unknown }> {
  try {
    const res = await requestPlatformUrl(url, { timeoutMs });
    return { status: res.status, path: res.path };
  } catch (error) {
    return { error };
  }
}

/** How the doctor reaches `platformUrl`: through which proxy (never its credentials), or directly. */
function routeOf(platformUrl: string): string {
  let proxy: ReturnType<typeof proxyFor>;
  try {
    proxy = proxyFor(platformUrl);
  } catch (err) {
    return ` (the proxy variable is unusable: ${(err as Error).message})`;
  }
  if (proxy) return ` through the proxy ${proxy.shown} (${proxy.from})`;
  const set = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"].some(
    (v) => process.env[v],
  );
  return set ? " directly (NO_PROXY lists it)" : "";
}

/** The first string `code` on `err` or its causes. */
function codeOf(err: unknown): string | undefined {
  for (let e: unknown = err, i = 0; i < 5 && e && typeof e === "object"; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && !/^[a-z_]+$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Is anything answering at the platform URL? `GET /health` (the workspace-server's own) and
 * `GET /healthz` (what the platform's newer clients probe, #2954/#2961: a SaaS edge's; the
 * workspace-server has none), at once: either one answering 2xx passes.
 */
export async function checkPlatform(platformUrl: string, timeoutMs: number): Promise<DoctorCheck> {
  const started = performance.now();
  const paths = ["/health", "/healthz"] as const;
  const [health, healthz] = await Promise.all(
    paths.map((p) => probe(`${platformUrl}${p}`, timeoutMs)),
  );
  const ms = Math.round(performance.now() - started);
  const route = routeOf(platformUrl);
  const passed = [health, healthz].findIndex(
    (r) => r!.status !== undefined && r!.status < 300 && r!.status >= 200,
  );
  if (passed !== -1)
    return {
      id: "platform",
      status: "ok",
      detail: `${platformUrl} answered in ${ms} ms (${paths[passed]})${route}`,
    };
  if (health!.status !== undefined || healthz!.status !== undefined) {
    const canvas = health!.status === 404 && (healthz!.status ?? 404) === 404;
    // Who answered (core's judge): a front's page or redirect, a proxy's 5xx, or the platform.
    const path = canvas ? undefined : (health!.path ?? healthz!.path);
    const where =
      path?.cause === "proxy" ? "the proxy" : "a proxy or load balancer in front of the platform";
    const said5xx = path !== undefined && (path.status ?? 0) >= 500;
    const what = path?.detail.replace(/^\d{3}\s*/, "") ?? "";
    const shown = what.startsWith("(") ? what : `(${what})`;
    return {
      id: "platform",
      status: "fail",
      detail: `${platformUrl}/health answered ${said(health!)} and /healthz ${said(healthz!)}${path ? ` from ${where} ${shown}` : ""}`,
      fix: canvas
        ? "--platform-url (MOLECULE_PLATFORM_URL) must be the platform's API base URL, not the canvas"
        : path === undefined
          ? "the platform is up but unhealthy: retry shortly, or check the platform's logs"
          : said5xx
            ? "the platform behind the proxy or load balancer is down or unreachable: check it (and where the proxy sends its requests), then retry"
            : "it did not let the request through (a sign-in page, a firewall): let the agent's requests to the platform's API through it (a bypass rule, or a service token its sign-in accepts), or set --platform-url (MOLECULE_PLATFORM_URL) to an address past it",
    };
  }
  const err = health!.error;
  // The proxy's own refusal (407, a refused CONNECT).
  if (isMoleculeError(err, "proxy_refused"))
    return {
      id: "platform",
      status: "fail",
      detail: err.message,
      // A 407: what its Proxy-Authenticate offers says what works (a relay for NTLM/Negotiate).
      fix:
        err.status === 407
          ? proxyAuthFix(pathFailureOf(err)?.schemes, proxyFor(platformUrl)?.from ?? "HTTPS_PROXY")
          : "ask the proxy's administrator to allow the platform's host, or list it in NO_PROXY if it is reachable directly",
    };
  // The platform's certificate: core's classification, so the same cause and fix as the agent's.
  const tls = tlsProblemOf(err);
  if (tls)
    return {
      id: "platform",
      status: "fail",
      detail: `the platform at ${platformUrl}${route} ${tls.problem} (${tls.reason})`,
      fix: tls.fix,
    };
  const why = isMoleculeError(err, "timeout")
    ? `no answer within ${timeoutMs} ms`
    : (codeOf(err) ?? (err as Error).message);
  // The same table a running agent holds its answers by (core's path-failure.ts): the resolver.
  if (!route.startsWith(" through the proxy") && pathFailureOf(err)?.cause === "resolver")
    return {
      id: "platform",
      status: "fail",
      detail: `cannot reach ${platformUrl}${route}: its host name does not resolve (${why})`,
      fix: "correct --platform-url (MOLECULE_PLATFORM_URL) if the name is mistyped; otherwise this machine's resolver does not know it (a VPN or an internal DNS not up yet): check the name with the DNS the agent will use",
    };
  return {
    id: "platform",
    status: "fail",
    detail: `cannot reach ${platformUrl}${route}: ${why}`,
    fix: route.startsWith(" through the proxy")
      ? "check that the proxy runs and may reach the platform, and --platform-url (MOLECULE_PLATFORM_URL); list the platform's host in NO_PROXY if it is reachable directly"
      : "start the platform, or correct --platform-url (MOLECULE_PLATFORM_URL); behind a proxy, set HTTPS_PROXY (or HTTP_PROXY for an http:// platform)",
  };
}

/** Where the doctor found the token: given, read from a file, none, or a token file it cannot use. */
export type FoundToken =
  | { token: string }
  | { token?: undefined; fileError?: string; file?: string };

const NO_TOKEN_FIX = (workspaceId: string): string =>
  `set MOLECULE_WORKSPACE_TOKEN (or pass --token), or MOLECULE_WORKSPACE_TOKEN_FILE (--token-file) to a file holding it, or keep it in ~/.molecule/${workspaceId}/.auth_token`;

/**
 * The token, as the agent would use it: only the workspace's own token passes (not an admin or
 * org token). With the workspace online or degraded (an agent beats already) one heartbeat proves
 * it, as the platform's newer clients check it (#2961: never a register, which overwrites the
 * agent card). Otherwise `GET /workspaces/:id/state`, which the platform guards as strictly: a
 * heartbeat would mark a workspace no agent serves online. `removed` when the workspace is gone.
 */
export async function checkToken(
  client: PlatformClient,
  found: FoundToken,
  ws: WorkspaceInfo | undefined,
): Promise<{ check: DoctorCheck; removed: boolean }> {
  if (found.token === undefined)
    return {
      removed: false,
      check: {
        id: "token",
        status: "fail",
        detail: found.fileError ?? `no token for workspace ${client.workspaceId}`,
        fix: found.fileError
          ? "write the workspace token into that file (one line), or unset MOLECULE_WORKSPACE_TOKEN_FILE"
          : NO_TOKEN_FIX(client.workspaceId),
      },
    };
  const live = ws?.status === "online" || ws?.status === "degraded";
  const skipped = {
    removed: true,
    check: {
      id: "token",
      status: "skip",
      detail: "not checked: the workspace was removed, which revokes its tokens",
    } satisfies DoctorCheck,
  };
  try {
    if (live) await client.heartbeat();
    else if ((await client.getState()).removed) return skipped;
    return {
      removed: false,
      check: {
        id: "token",
        status: "ok",
        detail: `accepted by the platform (${live ? "a heartbeat" : "the state read; no heartbeat, which would mark the workspace online"}; the token is not shown)`,
      },
    };
  } catch (err) {
    if (isMoleculeError(err, "workspace_removed")) return skipped;
    if (tenantRefused("token", err, client.workspaceId))
      return {
        removed: false,
        check: {
          id: "token",
          status: "skip",
          detail:
            "not checked: the platform refused the request before reading the token (its organisation id: see registration)",
        },
      };
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
          ? "the token is revoked, rotated or belongs to another workspace: use the workspace's current token (after an operator's rotation, the new one; or mint one: canvas, or POST /workspaces/:id/tokens) in MOLECULE_WORKSPACE_TOKEN or the token file"
          : pathFailureOf(err)
            ? "the platform did not answer (what is in front of it did, as the error says; the token was not refused): follow the platform check's fix"
            : "retry; if it persists, check the platform's logs",
      },
    };
  }
}

/**
 * What the platform supports: the newer contract (poll, cursors, events: May 2026 and later, the
 * August-2026 server users run today among them) or the April-2026 one.
 */
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
        detail: `May-2026 or newer platform: poll delivery and since_id cursors, but the event stream failed (${caps.eventStreamError ?? "not text/event-stream"})`,
        fix: "agents still poll, only without instant wake-ups: check proxies that buffer or block text/event-stream",
      };
    return {
      id: "contract",
      status: "ok",
      detail: "May-2026 or newer platform: poll delivery, since_id cursors, event stream",
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
    const tenant = tenantRefused("registration", err, client.workspaceId);
    if (tenant) return { workspace: undefined, check: tenant };
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
  if (heartbeatsStopped(ws))
    check = registrationFailed(
      "status awaiting_agent: its agent stopped heartbeating, and the platform waits for it to register again",
      START_AGENT,
    );
  else if (status === "awaiting_agent" || status === "provisioning")
    check = registrationFailed(
      `status ${status}: no agent has registered as this workspace yet`,
      START_AGENT,
    );
  else if (status === "paused")
    check = registrationFailed(
      "status paused: the platform delivers nothing to it",
      // The April 2026 server's resume refuses external workspaces (503 "provisioner not
      // available") and its register resumes them; the August one's register leaves a paused
      // workspace paused, and its resume (the workspace's own token may call it) works where it
      // has a provisioner. The agent with --resume does both.
      "start the agent with --resume (MOLECULE_RESUME=1): it asks the platform to resume the workspace, then registers",
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
        : ws["delivery_mode"] === undefined
          ? "poll (no URL; this platform does not report the mode)"
          : "no URL";
    check = { id: "registration", status: "ok", detail: `status ${status}, delivery ${how}` };
  }
  return { check, workspace: ws };
}

/**
 * An external workspace whose agent registered and then stopped heartbeating: from the
 * August-2026 platform on it goes back to `awaiting_agent` (not `offline`) about 90 s after the last
 * heartbeat, which its `last_heartbeat_at` still shows.
 */
function heartbeatsStopped(ws: WorkspaceInfo | undefined): boolean {
  return ws?.status === "awaiting_agent" && typeof ws["last_heartbeat_at"] === "string";
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
  if (status === "offline" || heartbeatsStopped(ws))
    return {
      id: "heartbeat",
      status: "fail",
      detail: `none for over 90 s (status ${status}, grey on the canvas): the agent stopped or cannot reach the platform`,
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
