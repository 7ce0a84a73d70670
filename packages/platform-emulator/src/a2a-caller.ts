// Who is calling through the A2A proxy (platform-api.md §3.10, §8.5): `X-Workspace-ID` in both
// contracts; in "latest" also `X-Source-Workspace-Id` backed by a bearer of that same workspace.
import type { IncomingHttpHeaders } from "node:http";

const BAD_CALLER_PREFIXES = ["webhook:", "system:", "test:", "channel:"];
const DENIED = "access denied: workspaces cannot communicate per hierarchy rules";

/** What the resolver needs from the platform. */
export interface CallerChecks {
  latest: boolean;
  /** The lazy-bootstrap check for `id`: `undefined` when it passes, else the 401 reason. */
  lazyCheck(id: string): "missing" | "invalid" | undefined;
  /** Whether the request's bearer is a live token of workspace `id`. */
  bearerIsTokenOf(id: string): boolean;
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
 * Resolves the caller of `POST /workspaces/:targetId/a2a`. `X-Workspace-ID` wins: a reserved
 * prefix is `403 invalid caller ID`; the target itself needs no token; any other caller needs its
 * own bearer (iff it has a live token) and the hierarchy's permission. Without it, in "latest",
 * `X-Source-Workspace-Id` names the caller only when the bearer is that workspace's live token
 * (then the hierarchy applies too); otherwise the call is the canvas's, as on the baseline.
 */
export function resolveA2ACaller(
  headers: IncomingHttpHeaders,
  targetId: string,
  checks: CallerChecks,
): CallerResult {
  const xws = header(headers, "x-workspace-id");
  if (xws !== "") {
    if (BAD_CALLER_PREFIXES.some((p) => xws.startsWith(p)))
      return { status: 403, error: "invalid caller ID" };
    if (xws === targetId) return { callerId: xws };
    const bad = checks.lazyCheck(xws);
    if (bad !== undefined) return { status: 401, error: `${bad} caller auth token` };
    if (!checks.canCommunicate(xws, targetId)) return { status: 403, error: DENIED };
    return { callerId: xws };
  }
  const src = checks.latest ? header(headers, "x-source-workspace-id") : "";
  if (src === "" || !checks.bearerIsTokenOf(src)) return { callerId: null };
  if (src !== targetId && !checks.canCommunicate(src, targetId))
    return { status: 403, error: DENIED };
  return { callerId: src };
}
