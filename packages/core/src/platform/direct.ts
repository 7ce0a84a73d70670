// Direct peer calls: a separate code path that builds its headers from scratch and has no access to
// the platform token, so the token cannot leak to a peer's self-registered URL.
import type { Dispatcher } from "undici";
import { MoleculePeerError } from "../transport/errors.js";
import type { HttpResponse } from "../transport/http.js";

/**
 * POSTs a JSON body to a peer URL with only `Content-Type`, `Accept` and `User-Agent`.
 * Network failures and timeouts raise {@link MoleculePeerError}.
 */
export async function postToPeer(
  dispatcher: Dispatcher,
  peerUrl: string,
  bodyText: string,
  options: {
    peerId: string;
    signal?: AbortSignal | undefined;
    timeoutMs: number;
    userAgent: string;
  },
): Promise<HttpResponse> {
  let url: URL | undefined;
  try {
    url = new URL(peerUrl);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new MoleculePeerError(
      `peer ${options.peerId} advertises no http(s) URL (it may use poll delivery); call it through the platform proxy (via: "proxy")`,
      { peerId: options.peerId, code: "peer_url_invalid" },
    );
  }
  const signal = options.signal;
  if (signal?.aborted) throw signal.reason;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const onAbort = (): void => controller.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const res = await dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "user-agent": options.userAgent,
      },
      body: bodyText,
      signal: controller.signal,
    });
    const text = await res.body.text();
    let body: unknown = text === "" ? undefined : text;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      /* keep text */
    }
    return { status: res.statusCode, headers: res.headers, body };
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (timedOut) {
      throw new MoleculePeerError(
        `peer ${options.peerId} did not answer within ${options.timeoutMs} ms; raise timeoutMs or try later`,
        { peerId: options.peerId, code: "peer_timeout", retryable: true, cause: err },
      );
    }
    throw new MoleculePeerError(
      `peer ${options.peerId} is unreachable at its advertised URL; try via: "proxy"`,
      { peerId: options.peerId, code: "peer_unreachable", retryable: true, cause: err },
    );
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}
