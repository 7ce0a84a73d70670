// `/canvas/`: the canvas page (static files built by vite into dist/canvas-page) and its API.
//
// Access: the page's API (`/canvas/api/*`) answers only with the admin token, always, whatever
// the interface the emulator binds. The page asks for the token once and keeps it in the tab
// (sessionStorage); it sends it in the `Authorization` header, never in a URL, cookie or the
// HTML. The static shell (HTML, JS, CSS) holds no data and no secret — it is the same bytes as
// the published package — so it is served without a token, with a strict CSP.
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { closeIfBodyUnread, type Ctx, notFoundRoute, sendJson } from "../http-io.js";
import type { Platform } from "../platform.js";
import { feedOf } from "./feed.js";

/** The canvas page's stream keep-alive when the workspaces' streams have none. */
const CANVAS_KEEP_ALIVE_MS = 15_000;

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

// dist/canvas/routes.js -> dist/canvas-page; src/canvas/routes.ts (tests) -> dist/canvas-page.
const PAGE_DIRS = [
  fileURLToPath(new URL("../canvas-page/", import.meta.url)),
  fileURLToPath(new URL("../../dist/canvas-page/", import.meta.url)),
];

const cache = new Map<string, Buffer | null>();

async function pageFile(rel: string): Promise<Buffer | undefined> {
  const hit = cache.get(rel);
  if (hit !== undefined) return hit ?? undefined;
  let found: Buffer | null = null;
  for (const dir of PAGE_DIRS) {
    try {
      found = await readFile(join(dir, rel));
      break;
    } catch {
      // next candidate
    }
  }
  // Only built files are cached (a missing file may appear after a build: look again next time).
  if (found !== null) cache.set(rel, found);
  return found ?? undefined;
}

/** Serves `GET /canvas/...`; `segs` are the path's segments (`segs[1] === "canvas"`). */
export async function canvasRoute(platform: Platform, ctx: Ctx, segs: string[]): Promise<void> {
  const rest = segs.slice(2).join("/");
  if (rest === "api/org" && ctx.method === "GET") {
    platform.adminAuth(ctx);
    return sendJson(ctx, 200, feedOf(platform).snapshot(), { "Cache-Control": "no-store" });
  }
  if (rest === "api/approvals" && ctx.method === "GET") {
    platform.adminAuth(ctx);
    const approvals = feedOf(platform).approvals();
    return sendJson(ctx, 200, { approvals }, { "Cache-Control": "no-store" });
  }
  if (rest === "api/events" && ctx.method === "GET") {
    platform.adminAuth(ctx);
    return events(platform, ctx);
  }
  if (ctx.method !== "GET" && ctx.method !== "HEAD") return notFoundRoute(ctx);
  if (rest.startsWith("api/")) return notFoundRoute(ctx);
  const rel = rest === "" ? "index.html" : normalize(rest);
  if (rel.startsWith("..") || rel.includes("\0") || !/^[\w./-]+$/.test(rel))
    return notFoundRoute(ctx);
  const body = await pageFile(rel);
  if (body === undefined) {
    if (rel !== "index.html") return notFoundRoute(ctx);
    return sendJson(ctx, 503, {
      error:
        "the canvas page is not built: run `pnpm --filter @molecule-ai/platform-emulator build`",
    });
  }
  closeIfBodyUnread(ctx);
  const h = ctx.headers;
  h["Content-Type"] = TYPES[extname(rel)] ?? "application/octet-stream";
  h["Content-Length"] = body.length;
  h["Cache-Control"] = rel === "index.html" ? "no-cache" : "public, max-age=31536000, immutable";
  // The page loads only its own files; it connects only to this origin.
  h["Content-Security-Policy"] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  ctx.res.writeHead(200, h);
  ctx.res.end(ctx.method === "HEAD" ? undefined : body);
}

/** `GET /canvas/api/events`: the org-wide feed as server-sent events (read with fetch + a bearer). */
function events(platform: Platform, ctx: Ctx): void {
  const res = ctx.res;
  const h = ctx.headers;
  h["Content-Type"] = "text/event-stream";
  h["Cache-Control"] = "no-store";
  h["X-Accel-Buffering"] = "no";
  res.writeHead(200, h);
  res.write(": ok\n\n");
  feedOf(platform).subscribe(res);
  // The canvas page's own stream (no platform server's): kept alive even when the workspaces'
  // streams are not (`sseKeepAliveMs` 0, the August contract's default).
  const timer = setInterval(
    () => void (res.writableEnded || res.write(": ping\n\n")),
    platform.s.sseKeepAliveMs || CANVAS_KEEP_ALIVE_MS,
  );
  timer.unref();
  res.on("close", () => clearInterval(timer));
  ctx.req.socket.setTimeout(0);
}

/** `GET /`: with the canvas on, a redirect to it. */
export function rootRedirect(ctx: Ctx): void {
  closeIfBodyUnread(ctx);
  ctx.headers["Location"] = "/canvas/";
  ctx.headers["Content-Length"] = 0;
  ctx.res.writeHead(302, ctx.headers);
  ctx.res.end();
}
