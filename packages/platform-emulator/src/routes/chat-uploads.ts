// Chat files (`POST /workspaces/:id/chat/uploads`, `GET /workspaces/:id/chat/download`, and on
// compat "latest" the poll workspace's `pending-uploads` routes), kept apart from router.ts:
// `chatFilesRoute` answers the requests it owns and returns `undefined` for every other one.
// "latest" follows enteros-core@50c3bdfd `workspace-server/internal/handlers/chat_files.go` (a
// poll workspace's upload is staged, a push workspace's is forwarded to its URL with its inbound
// secret, #2314 #2315 #2877 #2907); "2026-04" answers as molecule-core 7cf77f27's chat_files.go,
// which copies files into the workspace's Docker container: an external workspace has none, so
// the upload is refused 503 after the multipart checks (inferred from code; no replay fixture).
// Every behaviour and its source: /tmp/research/rows-files.md. "2026-08" (enteros-core aeec8e47):
// 100 MB per file and per request, `GET /uploads/limits`, and acknowledged uploads stay readable
// (pending-uploads.ts).
import { type Ctx, HttpError, readBody, sendJson } from "../http-io.js";
import { readMultipart } from "../multipart.js";
import type { Platform } from "../platform.js";
import { UUID_ANY_RE } from "../util.js";
import { forwardDownload, forwardUpload, MAX_UPLOAD_BYTES } from "./chat-forward.js";
import { ackPending, MAX_FILE_BYTES, pendingContent, stage } from "./pending-uploads.js";

/** The download roots (`allowedRoots`, chat_files.go Download; the runtime's `_ALLOWED_ROOTS`). */
const ROOTS = ["/configs", "/workspace", "/home", "/plugins"];

/** The caps of one contract: per file, per request (`uploads.DefaultUploadLimits`). */
interface UploadCaps {
  perFile: number;
  perRequest: number;
}

/** 100 MB per file and per request on 2026-08 (uploads/limits.go, mc#1588/#1589); before, 25 MiB and 50 MB. */
function capsOf(platform: Platform): UploadCaps {
  return platform.august
    ? { perFile: 100 * 1024 * 1024, perRequest: 100 * 1024 * 1024 }
    : { perFile: MAX_FILE_BYTES, perRequest: MAX_UPLOAD_BYTES };
}

/** Handles one of the chat-file routes, or returns `undefined` when `segs` names none of them. */
export function chatFilesRoute(
  platform: Platform,
  ctx: Ctx,
  segs: readonly string[],
): Promise<void> | undefined {
  const n = segs.length - 1;
  // 2026-08: public, no auth (router.go 119-135 at aeec8e47, 47d24be5): `DefaultUploadLimits()`.
  if (platform.august && n === 2 && segs[1] === "uploads" && segs[2] === "limits") {
    if (ctx.method !== "GET") return undefined;
    const caps = capsOf(platform);
    return Promise.resolve(
      sendJson(ctx, 200, {
        per_file_bytes: caps.perFile,
        per_request_bytes: caps.perRequest,
        max_attachments_per_message: 10,
      }),
    );
  }
  if (segs[1] !== "workspaces" || n < 4) return undefined;
  const m = ctx.method;
  const id = segs[2] ?? "";
  const auth = (next: () => unknown): Promise<void> => platform.wsAuth(ctx, id, next);
  if (n === 4 && segs[3] === "chat") {
    // router.go 574-577 (50c3bdfd), 489-491 (7cf77f27): both under wsAuth.
    if (m === "POST" && segs[4] === "uploads") return auth(() => upload(platform, ctx, id));
    if (m === "GET" && segs[4] === "download") return auth(() => download(platform, ctx, id));
    return undefined;
  }
  // router.go 584-586 (50c3bdfd, #2877); absent from the April server: gin's 404.
  if (!platform.latest || n !== 5 || segs[3] !== "pending-uploads") return undefined;
  const fileId = segs[4] ?? "";
  if (m === "GET" && segs[5] === "content")
    return auth(() => pendingContent(platform, ctx, id, fileId));
  if (m === "POST" && segs[5] === "ack") return auth(() => ackPending(platform, ctx, id, fileId));
  return undefined;
}

/** Go's `SanitizeFilename` (chat_files.go 510-531), after `Part.FileName`'s `filepath.Base`. */
function sanitizeFilename(base: string): string {
  let b = base.replaceAll(" ", "_").replace(/[^a-zA-Z0-9._-]/gu, "_");
  if (b.length > 100) {
    const dot = b.lastIndexOf(".");
    const ext = dot >= 0 && b.length - dot <= 16 ? b.slice(dot) : "";
    b = b.slice(0, 100 - ext.length) + ext;
  }
  return b === "" || b === "." || b === ".." ? "file" : b;
}

/** Go's `safeMimetype` (chat_files.go 768-790): "" stays "", anything odd is octet-stream. */
function safeMimetype(raw: string): string {
  const t = raw.split(";")[0]!.trim();
  if (t === "") return "";
  if (!/^[\x21-\x7e]+$/.test(t)) return "application/octet-stream";
  const parts = t.split("/");
  return parts.length === 2 && parts[0] !== "" && parts[1] !== "" ? t : "application/octet-stream";
}

/**
 * The body behind `http.MaxBytesReader(50 MB)`: a longer body makes the multipart parse fail
 * (its first 50 MB are read; the connection is closed after the answer, the rest unread).
 */
async function cappedBody(ctx: Ctx, cap = MAX_UPLOAD_BYTES): Promise<Buffer | undefined> {
  const body = await readBody(ctx.req, cap + 1, true);
  return body.length > cap ? undefined : body;
}

/** `POST /workspaces/:id/chat/uploads` (`Upload`, chat_files.go 286-346 at 50c3bdfd). */
async function upload(platform: Platform, ctx: Ctx, id: string): Promise<void> {
  if (!UUID_ANY_RE.test(id)) throw new HttpError(400, { error: "invalid workspace ID" });
  if (!platform.latest) return await baselineUpload(ctx);
  const w = platform.ws(id); // lookupUploadDeliveryMode: no row -> 404
  if (w === undefined) throw new HttpError(404, { error: "workspace not found" });
  if (w.deliveryMode === "poll") return await pollUpload(platform, ctx, id);
  // resolveWorkspaceForwardCreds (chat_files.go 142-216): the emulator mints every workspace's
  // inbound secret at create and register, so the lazy-heal 503s never happen here.
  if (w.url === "") throw new HttpError(503, { error: "workspace url not registered yet" });
  await forwardUpload(ctx, w, capsOf(platform).perRequest);
}

/**
 * The April server (7cf77f27 chat_files.go 154-182): the multipart checks, then the container
 * lookup, which finds none for an external workspace: 503.
 */
async function baselineUpload(ctx: Ctx): Promise<void> {
  const body = await cappedBody(ctx);
  const parts = body && readMultipart(body, ctx.req.headers["content-type"]);
  if (parts === undefined) throw new HttpError(400, { error: "failed to parse multipart form" });
  if (!parts.some((p) => p.name === "files" && p.filename !== undefined))
    throw new HttpError(400, { error: "expected at least one 'files' field" });
  throw new HttpError(503, { error: "workspace container not running" });
}

/** `uploadPollMode` (chat_files.go 566-754): stage each file, one activity row per file. */
async function pollUpload(platform: Platform, ctx: Ctx, id: string): Promise<void> {
  const caps = capsOf(platform);
  const body = await cappedBody(ctx, caps.perRequest);
  const parts = body && readMultipart(body, ctx.req.headers["content-type"]);
  if (parts === undefined) throw new HttpError(400, { error: "malformed multipart body" });
  const files = parts.filter((p) => p.name === "files" && p.filename !== undefined);
  if (files.length === 0) throw new HttpError(400, { error: "no files field in request" });
  if (files.length > 64) throw new HttpError(400, { error: "too many files (limit 64)" });
  for (const f of files) {
    if (f.body.length > caps.perFile)
      throw new HttpError(413, {
        error: "file exceeds per-file cap",
        filename: f.filename,
        size: f.body.length,
        max: caps.perFile,
      });
  }
  const staged = stage(
    platform,
    id,
    files.map((f) => ({
      name: sanitizeFilename(f.filename!),
      mimeType: safeMimetype(f.contentType),
      // A copy: the request's buffer is not kept alive by a part of it.
      content: Buffer.from(f.body),
    })),
  );
  sendJson(ctx, 200, { files: staged });
}

/** `GET /workspaces/:id/chat/download?path=` (`Download`, chat_files.go 367-431; 7cf77f27 327-371). */
async function download(platform: Platform, ctx: Ctx, id: string): Promise<void> {
  if (!UUID_ANY_RE.test(id)) throw new HttpError(400, { error: "invalid workspace ID" });
  const path = ctx.query.get("path") ?? "";
  if (path === "") throw new HttpError(400, { error: "path query required" });
  if (!path.startsWith("/")) throw new HttpError(400, { error: "path must be absolute" });
  if (!ROOTS.some((r) => path === r || path.startsWith(`${r}/`)))
    throw new HttpError(400, {
      error: "path must be under /configs, /workspace, /home, or /plugins",
    });
  if (path.includes("..") || path.includes("//") || path.endsWith("/") || /\/\.(\/|$)/.test(path))
    throw new HttpError(400, { error: "invalid path" });
  if (!platform.latest) throw new HttpError(503, { error: "workspace container not running" });
  const w = platform.ws(id);
  if (w === undefined) throw new HttpError(404, { error: "workspace not found" });
  if (w.url === "") {
    if (w.deliveryMode !== "push")
      throw new HttpError(422, {
        error: "workspace has no callback URL — chat download requires push-mode + public URL",
        detail:
          "This workspace registered without a publicly-reachable URL (delivery_mode is not 'push'). The platform cannot dispatch chat uploads to it. Re-register the workspace with a public URL in push mode (e.g. via ngrok / Cloudflare tunnel) to enable chat file download.",
      });
    throw new HttpError(503, { error: "workspace url not registered yet" });
  }
  await forwardDownload(ctx, w, path);
}
