// The SaaS tenant guard (`middleware/tenant_guard.go` at enteros-core aeec8e47), on with `orgId`
// (the server's `MOLECULE_ORG_ID`): a request must name this tenant's org in `X-Molecule-Org-Id`.
// It runs after the rate limiter and before the security headers, authentication and routes.
import type { IncomingMessage } from "node:http";
import { type Ctx, closeIfBodyUnread, dropSecurityHeaders, sendJson } from "./http-io.js";
import type { Platform } from "./platform.js";

/** Paths open without the org header (exact match): probes and the agents' boot signals. */
const ALLOWLIST = new Set([
  "/health",
  "/buildinfo",
  "/metrics",
  "/registry/register",
  "/registry/heartbeat",
]);

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

/** The org id of a legacy `Fly-Replay-Src` header (its `state=` segment), or `""`. */
function orgIdFromReplaySrc(value: string): string {
  for (const seg of value.split(";")) {
    const s = seg.trim();
    if (s.startsWith("state=")) return s.slice("state=".length);
  }
  return "";
}

/**
 * `isSameOriginCanvas`: `Referer` or `Origin` is `http(s)://<Host>` (the tenant image sets
 * `CANVAS_PROXY_URL`, so the server serves its canvas on its own origin and lets that through).
 */
function sameOriginCanvas(req: IncomingMessage): boolean {
  const host = req.headers.host ?? "";
  if (host === "") return false;
  const origins = [`https://${host}`, `http://${host}`];
  const referer = header(req, "referer");
  if (referer !== "" && origins.some((o) => referer === o || referer.startsWith(`${o}/`)))
    return true;
  return origins.includes(header(req, "origin"));
}

/**
 * The emulator's own canvas page and its API (`/canvas/…`, and `/` that redirects to it): no
 * route of the server. On a hosted tenant the control plane's domain router adds the org header
 * to the canvas's traffic; here the page is let through, and it sends the header on its calls to
 * the platform's routes (the snapshot tells it the org id).
 */
function emulatorPage(platform: Platform, path: string): boolean {
  return platform.s.ui && (path === "/" || path === "/canvas" || path.startsWith("/canvas/"));
}

/** The `400` of a request without the org header. */
export const MISSING_ORG_HEADER = {
  error: "missing tenant routing header",
  code: "TENANT_ORG_HEADER_REQUIRED",
  required_header: "X-Molecule-Org-Id",
  detail: "SaaS tenant API requests must include X-Molecule-Org-Id matching the organization UUID.",
};

/**
 * Why the tenant guard refuses a request to `path`: `400` (no org header, no `Fly-Replay-Src`:
 * {@link MISSING_ORG_HEADER}), `404` (another org: a bare 404), or `undefined` (it passes). The
 * HTTP path and the `GET /ws` upgrade both go through it.
 */
export function tenantRefusal(
  platform: Platform,
  path: string,
  req: IncomingMessage,
): 400 | 404 | undefined {
  const orgId = platform.s.orgId;
  if (orgId === undefined) return undefined;
  if (ALLOWLIST.has(path) || path.startsWith("/cp/")) return undefined;
  if (emulatorPage(platform, path)) return undefined;
  const given = header(req, "x-molecule-org-id");
  if (given === orgId) return undefined;
  const replay = header(req, "fly-replay-src");
  if (orgIdFromReplaySrc(replay) === orgId) return undefined;
  if (sameOriginCanvas(req)) return undefined;
  // Another org's id: a bare 404, so a tenant's existence cannot be probed.
  return given === "" && replay === "" ? 400 : 404;
}

/** Applies the tenant guard; `false` after refusing the request. */
export function tenantGuard(platform: Platform, ctx: Ctx): boolean {
  const refusal = tenantRefusal(platform, ctx.path, ctx.req);
  if (refusal === undefined) return true;
  dropSecurityHeaders(ctx);
  if (refusal === 400) {
    sendJson(ctx, 400, MISSING_ORG_HEADER);
    return false;
  }
  closeIfBodyUnread(ctx);
  ctx.headers["Content-Length"] = 0;
  ctx.res.writeHead(404, ctx.headers);
  ctx.res.end();
  return false;
}
