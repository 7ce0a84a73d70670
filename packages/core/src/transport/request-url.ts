// One request on the SDK's own connection path (its request pool, through the proxy the
// environment names): for tools that probe the platform outside a client (the CLI's `doctor`), so
// every check takes the path the agent takes.
import { readBodyText } from "./body.js";
import { leaseRequestPool } from "./dispatchers.js";
import { MoleculeError, MoleculeTimeoutError } from "./errors.js";
import { type ProxyOption, proxyFailure, proxySettings } from "./proxy.js";

/** Options of {@link requestPlatformUrl}. */
export interface PlatformUrlRequest {
  method?: "GET" | "POST" | undefined;
  headers?: Record<string, string> | undefined;
  body?: string | undefined;
  /** Whole request, body included (default 10 000 ms). */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** As `PlatformClient`'s `proxy` (default: the environment's). */
  proxy?: ProxyOption | undefined;
}

/** Largest body read (a health page, a JSON-RPC answer). */
const MAX_BYTES = 1024 * 1024;

/**
 * Sends one request to `url` (a platform URL) the way `PlatformClient` does (same pool, same
 * proxy) and returns its status and body text. A failure is a `MoleculeError`: `timeout`,
 * `proxy_refused`, or `connection_failed` naming the proxy when one was used.
 */
export async function requestPlatformUrl(
  url: string,
  request: PlatformUrlRequest = {},
): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  const timeoutMs = request.timeoutMs ?? 10_000;
  const lease = leaseRequestPool(proxySettings(request.proxy));
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  try {
    const res = await lease.dispatcher.request({
      origin: u.origin,
      path: `${u.pathname}${u.search}`,
      method: request.method ?? "GET",
      headers: request.headers ?? {},
      body: request.body ?? null,
      signal,
    });
    const text = await readBodyText(res.body, MAX_BYTES, res.headers["content-length"]);
    return { status: res.statusCode, text };
  } catch (err) {
    if (request.signal?.aborted) throw request.signal.reason;
    if (timeout.aborted) {
      throw new MoleculeTimeoutError(`${u.origin} did not answer within ${timeoutMs} ms`, {
        timeoutMs,
        cause: err,
      });
    }
    const proxied = proxyFailure(err, u.origin);
    if (proxied) throw proxied;
    if (err instanceof MoleculeError) throw err;
    const code = (err as { code?: unknown })?.code;
    throw new MoleculeError(
      `could not reach ${u.origin} (${typeof code === "string" ? code : ((err as Error)?.name ?? "error")})`,
      { code: "connection_failed", retryable: true, cause: err },
    );
  } finally {
    await lease.release();
  }
}
