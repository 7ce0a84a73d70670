// Who is calling through the A2A proxy (platform-api.md §3.10): `X-Workspace-ID` in both contracts;
// without it, in "latest", the workspace whose live token the bearer is (molecule-core #2323,
// `a2a_proxy.go` 259-280 at enteros-core 50c3bdfd). `X-Source-Workspace-Id` is read by neither
// server: #2323 rejected it as "a forgeable display hint".
import type { IncomingHttpHeaders } from "node:http";

const BAD_CALLER_PREFIXES = ["webhook:", "system:", "test:", "channel:"];
const DENIED = "access denied: workspaces cannot communicate per hierarchy rules";

/** What the resolver needs from the platform. */
export interface CallerChecks {
  latest: boolean;
  /** The 2026-08 server: every caller authenticates (see {@link resolveA2ACaller}). */
  august: boolean;
  /** Whether a bearer was sent at all. */
  hasBearer(): boolean;
  /** Whether the bearer is the admin token. */
  isAdmin(): boolean;
  /** The lazy-bootstrap check for `id`: `undefined` when it passes, else the 401 reason. */
  lazyCheck(id: string): "missing" | "invalid" | undefined;
  /**
   * The workspace whose live token the request's bearer is, unless that workspace was removed
   * (`wsauth.WorkspaceFromToken`); `undefined` for none, the admin token included.
   */
  bearerWorkspace(): string | undefined;
  canCommunicate(a: string, b: string): boolean;
}

/** The caller (`null` = the canvas, unauthenticated), or the rejection to answer with. */
export type CallerResult =
  | { callerId: string | null }
  | { status: 401 | 403; error: string; callerId?: undefined };

function header(h: IncomingHttpHeaders, name: string): string {
  const v = h[name];
  return typeof v === "string" ? v : "";
}

/**
 * Resolves the caller of `POST /workspaces/:targetId/a2a`. `X-Workspace-ID` wins; without it, in
 * "latest", the caller is the workspace the bearer belongs to (a bearer that is no workspace's
 * live token, the admin token included, leaves the call the canvas's, never a 401). A reserved
 * prefix is `403 invalid caller ID`; the target itself needs no token; any other caller needs its
 * own bearer (iff it has a live token) and the hierarchy's permission.
 */
export function resolveA2ACaller(
  headers: IncomingHttpHeaders,
  targetId: string,
  checks: CallerChecks,
): CallerResult {
  if (checks.august)
    return resolveAugustCaller(header(headers, "x-workspace-id"), targetId, checks);
  const xws = header(headers, "x-workspace-id") || (checks.latest ? checks.bearerWorkspace() : "");
  if (xws === undefined || xws === "") return { callerId: null };
  if (BAD_CALLER_PREFIXES.some((p) => xws.startsWith(p)))
    return { status: 403, error: "invalid caller ID" };
  if (xws === targetId) return { callerId: xws };
  const bad = checks.lazyCheck(xws);
  if (bad !== undefined) return { status: 401, error: `${bad} caller auth token` };
  if (!checks.canCommunicate(xws, targetId)) return { status: 403, error: DENIED };
  return { callerId: xws };
}

/**
 * The 2026-08 server's `authenticateA2AHTTPCaller` (`a2a_proxy_helpers.go` ~990-1140 at
 * enteros-core aeec8e47, after the reserved-prefix check of `a2a_proxy.go` ~490-503): no bearer is
 * `401 missing caller auth token` (the canvas too, the target itself too); the admin token is the
 * canvas, whatever `X-Workspace-ID` claims; a workspace's live token is that workspace, and an
 * `X-Workspace-ID` naming another is `401 caller ID does not match workspace auth token`; any other
 * bearer is `401 invalid caller auth token`. The hierarchy check then applies to a workspace caller.
 */
function resolveAugustCaller(
  claimed: string,
  targetId: string,
  checks: CallerChecks,
): CallerResult {
  if (BAD_CALLER_PREFIXES.some((p) => claimed.startsWith(p)))
    return { status: 403, error: "invalid caller ID" };
  if (!checks.hasBearer()) return { status: 401, error: "missing caller auth token" };
  if (checks.isAdmin()) return { callerId: null };
  const ws = checks.bearerWorkspace();
  if (ws === undefined) return { status: 401, error: "invalid caller auth token" };
  if (claimed !== "" && claimed !== ws)
    return { status: 401, error: "caller ID does not match workspace auth token" };
  if (ws !== targetId && !checks.canCommunicate(ws, targetId))
    return { status: 403, error: DENIED };
  return { callerId: ws };
}
