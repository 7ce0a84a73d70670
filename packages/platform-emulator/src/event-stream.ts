// `GET /workspaces/:id/events/stream`: the SSE subscription (frames are written by `Platform.emit`).
import { type Ctx, HttpError } from "./http-io.js";
import type { Platform } from "./platform.js";
import { UUID_ANY_RE } from "./util.js";

/** `GET /workspaces/:id/events/stream`: subscribes the response to the workspace's events. */
export function eventStream(platform: Platform, ctx: Ctx, rawId: string): void {
  // The server's existence query fails on a value that is not a UUID.
  if (!UUID_ANY_RE.test(rawId)) throw new HttpError(500, { error: "failed to verify workspace" });
  const id = rawId.toLowerCase();
  if (platform.ws(id) === undefined) throw new HttpError(404, { error: "workspace not found" });
  const res = ctx.res;
  const h = ctx.headers;
  h["Content-Type"] = "text/event-stream";
  h["Cache-Control"] = "no-cache";
  h["Connection"] = "keep-alive";
  h["X-Accel-Buffering"] = "no";
  res.writeHead(200, h);
  res.write(": ping\n\n");
  let subs = platform.events.subscribers.get(id);
  if (subs === undefined) {
    subs = new Set();
    platform.events.subscribers.set(id, subs);
  }
  subs.add(res);
  // Not after `end()` (closeStreams ends a stream before its socket closes): a write after end is
  // an error event with no listener.
  const every = platform.s.sseKeepAliveMs;
  const timer =
    every > 0
      ? setInterval(() => void (res.writableEnded || res.write(": ping\n\n")), every)
      : undefined;
  timer?.unref();
  const done = (): void => {
    clearInterval(timer);
    subs.delete(res);
  };
  res.on("finish", done);
  res.on("close", done);
  ctx.req.socket.setTimeout(0);
}
