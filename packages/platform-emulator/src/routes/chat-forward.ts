// The platform's chat-file forwards to a push workspace (compat "latest", RFC #2312; molecule-core
// #2314 #2315): the upload's multipart body streamed as is to `<url>/internal/chat/uploads/ingest`
// and a download to `<url>/internal/file/read?path=`, each with `Authorization: Bearer
// <platform_inbound_secret>`; the workspace's answer is relayed unchanged (its status, the named
// headers, its body). enteros-core@50c3bdfd `chat_files.go` 286-345 (Upload), 405-431 (Download),
// 436-456 (`streamWorkspaceResponse`).
import http from "node:http";
import https from "node:https";
import { type Ctx, HttpError } from "../http-io.js";
import type { WorkspaceRow } from "../store.js";

/** `chatUploadMaxBytes` (chat_files.go 113): the whole body, behind `http.MaxBytesReader`. */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

/** `NewChatFilesHandler`'s client timeout (chat_files.go 88-97): 120 s for the whole exchange. */
const FORWARD_TIMEOUT_MS = 120_000;

/**
 * POSTs the caller's body to the workspace's ingest route and relays the answer (`Content-Type`
 * only, chat_files.go 345). The body passes through the 50 MB `MaxBytesReader`: past it the
 * forward's body fails, and so does the forward (502), unless the workspace answered first.
 */
export async function forwardUpload(
  ctx: Ctx,
  w: WorkspaceRow,
  maxBytes = MAX_UPLOAD_BYTES,
): Promise<void> {
  const url = `${w.url.replace(/\/+$/, "")}/internal/chat/uploads/ingest`;
  const headers: Record<string, string> = { Authorization: `Bearer ${w.inboundSecret}` };
  const type = ctx.req.headers["content-type"];
  if (type !== undefined && type !== "") headers["Content-Type"] = type;
  const length = Number(ctx.req.headers["content-length"]);
  if (length > 0) headers["Content-Length"] = String(length);
  await relay(ctx, url, "POST", headers, ["content-type"], maxBytes);
}

/** GETs `path` from the workspace's file-read route and relays the answer (chat_files.go 405-431). */
export async function forwardDownload(ctx: Ctx, w: WorkspaceRow, path: string): Promise<void> {
  // url.QueryEscape: spaces as "+", like URLSearchParams.
  const query = new URLSearchParams({ path }).toString();
  const url = `${w.url.replace(/\/+$/, "")}/internal/file/read?${query}`;
  const headers = { Authorization: `Bearer ${w.inboundSecret}` };
  const keep = ["content-type", "content-length", "content-disposition"];
  await relay(ctx, url, "GET", headers, keep, undefined);
}

/** Sends one forward and streams the answer back (`streamWorkspaceResponse`); 502 when it fails. */
function relay(
  ctx: Ctx,
  url: string,
  method: "GET" | "POST",
  headers: Record<string, string>,
  keep: readonly string[],
  /** The caller's body is forwarded, cut past this many bytes; `undefined`: no body. */
  bodyCap: number | undefined,
): Promise<void> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.reject(new HttpError(502, { error: "workspace unreachable" }));
  }
  const mod = u.protocol === "https:" ? https : http;
  return new Promise<void>((resolve, reject) => {
    let answered = false;
    const req = mod.request(u, { method, headers, timeout: FORWARD_TIMEOUT_MS });
    const unreachable = (): void => {
      if (answered) return;
      answered = true;
      req.destroy();
      reject(new HttpError(502, { error: "workspace unreachable" }));
    };
    req.on("error", unreachable);
    req.on("timeout", unreachable);
    req.on("response", (res) => {
      answered = true;
      for (const name of keep) {
        const v = res.headers[name];
        if (typeof v === "string") ctx.headers[name] = v;
      }
      if (bodyCap !== undefined && !ctx.req.complete) ctx.headers["Connection"] = "close";
      ctx.res.writeHead(res.statusCode ?? 502, ctx.headers);
      res.pipe(ctx.res);
      res.on("end", () => resolve());
      res.on("error", () => {
        ctx.res.destroy();
        resolve();
      });
    });
    if (bodyCap === undefined) {
      req.end();
      return;
    }
    // The caller's body, streamed as it arrives, cut at 50 MB (2026-08: 100 MB; `http.MaxBytesReader`).
    let sent = 0;
    ctx.req.on("data", (chunk: Buffer) => {
      sent += chunk.length;
      if (sent > bodyCap) {
        ctx.req.pause();
        req.destroy(new Error("http: request body too large"));
        return;
      }
      if (!req.write(chunk)) {
        ctx.req.pause();
        req.once("drain", () => ctx.req.resume());
      }
    });
    ctx.req.on("end", () => req.end());
    ctx.req.on("error", () => req.destroy());
  });
}
