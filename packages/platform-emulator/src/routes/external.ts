// An external workspace's connection block (create, rotate, re-show) and its credential lifecycle:
// `POST /workspaces/:id/external/rotate` and `GET /workspaces/:id/external/connection` (latest
// only: molecule-core #2852, `external_rotate.go` at enteros-core 50c3bdfd).
import { type Ctx, HttpError, sendJson } from "../http-io.js";
import type { Platform } from "../platform.js";
import type { ConnectionBlock } from "../types.js";
import { UUID_ANY_RE } from "../util.js";

/**
 * The platform URL an external agent is told to use: the request's scheme and host, or the
 * `X-Forwarded-Proto` / `X-Forwarded-Host` it came through (`externalPlatformURL`,
 * `external_connection.go` 62-77 at 50c3bdfd; the same function on the 2026-04 server).
 */
function externalPlatformUrl(platform: Platform, ctx: Ctx): string {
  const header = (name: string): string | undefined => {
    const v = ctx.req.headers[name];
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  const host = header("x-forwarded-host") ?? ctx.req.headers.host;
  if (host === undefined) return platform.baseUrl;
  return `${header("x-forwarded-proto") ?? "http"}://${host}`.replace(/\/+$/, "");
}

/**
 * The connection block of workspace `id` with `token` (`""` when none is shown):
 * `BuildExternalConnectionPayload` (`external_connection.go` 32-54 at 50c3bdfd) in latest, 12
 * fields; the 2026-04 server's create answer has the first 7 (`workspace.go` 339-377 at 7cf77f27).
 * The snippets are the emulator's own short texts (the server's are templates that change).
 */
export function connectionBlock(
  platform: Platform,
  ctx: Ctx,
  id: string,
  name: string,
  token: string,
): ConnectionBlock {
  const url = externalPlatformUrl(platform, ctx);
  const block: ConnectionBlock = {
    workspace_id: id,
    platform_url: url,
    auth_token: token,
    registry_endpoint: `${url}/registry/register`,
    heartbeat_endpoint: `${url}/registry/heartbeat`,
    curl_register_template:
      `curl -X POST ${url}/registry/register -H 'Content-Type: application/json' ` +
      `-H 'Authorization: Bearer <auth_token>' -d '{"id":"${id}","url":"<your agent url>","agent_card":{"name":"${name}"}}'`,
    python_snippet:
      `from molecule_agent import RemoteAgentClient\n` +
      `client = RemoteAgentClient(workspace_id="${id}", platform_url="${url}")\nclient.register()\n`,
  };
  if (!platform.latest) return block;
  const env = `MOLECULE_PLATFORM_URL=${url}\nMOLECULE_WORKSPACE_ID=${id}\nMOLECULE_WORKSPACE_TOKEN=<auth_token>\n`;
  return {
    ...block,
    claude_code_channel_snippet: `# Claude Code channel plugin (~/.claude/channels/molecule/.env)\n${env}`,
    universal_mcp_snippet: `# any MCP host: molecule-mcp with\n${env}`,
    hermes_channel_snippet: `# Hermes channel\n${env}`,
    codex_snippet: `# Codex (MCP)\n${env}`,
    openclaw_snippet: `# OpenClaw\n${env}`,
  };
}

/**
 * The workspace behind `:id` of the two routes, or the server's answer: a row that is not there is
 * `404 workspace not found`; an id Postgres cannot compare (not a UUID) its `500 lookup failed`.
 * The lookup (`lookupWorkspaceRuntime`, `external_rotate.go` 158-164) does not filter removed rows.
 */
function lookup(platform: Platform, id: string): { id: string; name: string; runtime: string } {
  if (!UUID_ANY_RE.test(id)) throw new HttpError(500, { error: "lookup failed" });
  const w = platform.ws(id.toLowerCase());
  if (w === undefined) throw new HttpError(404, { error: "workspace not found" });
  return w;
}

/**
 * `POST /workspaces/:id/external/rotate` (#2852; `external_rotate.go` 47-113 at 50c3bdfd): every
 * live token of the workspace is revoked, then one is minted (revoke first: a failed mint leaves
 * none), `EXTERNAL_CREDENTIALS_ROTATED {workspace_id}` is recorded and broadcast (`events/types.go`
 * 84), and the answer is the connection block with the new token, wrapped in `{"connection"}`.
 * Another runtime is `400` with the restart hint.
 */
export function rotateExternal(platform: Platform, ctx: Ctx, id: string): void {
  const w = lookup(platform, id);
  if (w.runtime !== "external")
    throw new HttpError(400, {
      error: "rotate is only valid for runtime=external workspaces",
      runtime: w.runtime,
      hint: "use POST /workspaces/:id/restart for non-external runtimes",
    });
  const now = platform.now();
  for (const t of platform.store.tokensOf(w.id)) platform.store.revokeToken(t, now);
  const token = platform.mintToken(w.id);
  platform.emit(w.id, "EXTERNAL_CREDENTIALS_ROTATED", { workspace_id: w.id });
  sendJson(ctx, 200, { connection: connectionBlock(platform, ctx, w.id, w.name, token) });
}

/**
 * `GET /workspaces/:id/external/connection` (#2852; `external_rotate.go` 124-154 at 50c3bdfd): the
 * connection block with `auth_token: ""`, nothing minted or revoked. Another runtime is `400`
 * without a hint (the PR text says both routes hint; the code does not).
 */
export function externalConnection(platform: Platform, ctx: Ctx, id: string): void {
  const w = lookup(platform, id);
  if (w.runtime !== "external")
    throw new HttpError(400, {
      error: "connection payload is only valid for runtime=external workspaces",
      runtime: w.runtime,
    });
  sendJson(ctx, 200, { connection: connectionBlock(platform, ctx, w.id, w.name, "") });
}

/**
 * `POST /workspaces/:id/restart`. An ancestor that is paused is `409` first. In latest an
 * external workspace is a no-op (#2412; `workspace_restart.go` 106-112 at 50c3bdfd: before it the
 * server re-provisioned, which revoked every token). Anything else needs a provisioner, which the
 * emulator never has: `503 provisioner not available`, as both servers answer without one
 * (`workspace_restart.go` 71-74 at 7cf77f27, 120-123 at 50c3bdfd).
 */
export function restart(platform: Platform, ctx: Ctx, id: string): void {
  const w = UUID_ANY_RE.test(id) ? platform.ws(id.toLowerCase()) : undefined;
  if (!UUID_ANY_RE.test(id)) throw new HttpError(500, { error: "lookup failed" });
  if (w === undefined) throw new HttpError(404, { error: "workspace not found" });
  for (let p = w.parentId === null ? undefined : platform.ws(w.parentId); p !== undefined;) {
    if (p.status === "paused")
      throw new HttpError(409, {
        error: `parent workspace "${p.name}" is paused — resume it first`,
      });
    p = p.parentId === null ? undefined : platform.ws(p.parentId);
  }
  if (platform.latest && w.runtime === "external")
    return sendJson(ctx, 200, {
      status: "noop",
      runtime: "external",
      message:
        "external workspaces are operator-driven — restart your local poller; platform has nothing to restart",
    });
  throw new HttpError(503, { error: "provisioner not available" });
}
