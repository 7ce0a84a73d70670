// Injected faults (`emu.injectFault`): matching a request or an A2A forward, and answering it.
import { type Ctx, sleep } from "./http-io.js";
import type { Platform } from "./platform.js";
import type { ActiveFault, FaultSpec } from "./types.js";

/** The next active fault matching the request (its count is consumed). */
export function findFault(
  platform: Platform,
  method: string,
  path: string,
  stage: "request" | "forward",
  query?: URLSearchParams,
): FaultSpec | undefined {
  for (let i = 0; i < platform.faults.length; i++) {
    const f = platform.faults[i] as ActiveFault;
    if ((f.spec.stage ?? "request") !== stage) continue;
    if (f.spec.method !== undefined && f.spec.method.toUpperCase() !== method) continue;
    if (f.spec.queryParam !== undefined && query?.has(f.spec.queryParam) !== true) continue;
    if (!f.matcher(path)) continue;
    f.remaining--;
    if (f.remaining <= 0) platform.faults.splice(i, 1);
    return f.spec;
  }
  return undefined;
}

/** Answers (or delays, or resets) a request that matches an injected fault; `true` when answered. */
export async function applyRequestFault(platform: Platform, ctx: Ctx): Promise<boolean> {
  const f = findFault(platform, ctx.method, ctx.path, "request", ctx.query);
  if (f === undefined) return false;
  if (f.delayMs !== undefined && f.delayMs > 0) await sleep(f.delayMs);
  if (f.reset === true) {
    ctx.req.socket.destroy();
    return true;
  }
  if (f.status === undefined) return false;
  const body = f.body ?? { error: "injected fault" };
  const data = typeof body === "string" ? body : JSON.stringify(body);
  ctx.req.resume();
  ctx.res.writeHead(f.status, {
    ...ctx.headers,
    "Content-Type":
      typeof body === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(data),
    ...f.headers,
  });
  ctx.res.end(data);
  return true;
}
