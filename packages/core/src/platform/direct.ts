// Direct peer calls: a separate code path that builds its headers from scratch and has no access to
// the platform token, so the token cannot leak to a peer's self-registered URL.
import type { Dispatcher } from "undici";
import { MoleculePeerError, peerTlsFailure } from "../transport/index.js";
import { BodyTooLargeError, judgePeerAnswer, peerProxyError } from "../transport/index.js";
import { readBodyText } from "../transport/index.js";
import { withTraceHeaders } from "../transport/index.js";
import type { HttpResponse, TlsParty } from "../transport/index.js";

/**
 * Largest peer answer read from a peer's own URL: 16 MiB (the platform proxy truncates peer
 * answers at 10 MiB). A longer body is cut off: the peer cannot exhaust this process's memory.
 */
export const MAX_PEER_RESPONSE_BYTES = 16 * 1024 * 1024;

/** A peer, as the fix of a TLS failure at its URL names it. */
const PEER: TlsParty = { name: "the peer", url: "the peer's registered URL" };

/** What {@link requestPeer} needs besides the request. */
export interface PeerRequestOptions {
  peerId: string;
  signal?: AbortSignal | undefined;
  /** Deadline of the answer (of its head, for a stream). */
  timeoutMs: number;
  userAgent: string;
  /** Sent as `A2A-Version` (only v1.0 requests carry it; absent means 0.3). */
  a2aVersion?: "1.0" | undefined;
  /** Largest answer read, in bytes (default {@link MAX_PEER_RESPONSE_BYTES}). */
  maxBytes?: number | undefined;
}

/**
 * POSTs a JSON body to a peer URL with only `Content-Type`, `Accept`, `User-Agent` and, for an
 * A2A 1.0 request, `A2A-Version`. Network failures and timeouts raise {@link MoleculePeerError}.
 */
export async function postToPeer(
  dispatcher: Dispatcher,
  peerUrl: string,
  bodyText: string,
  options: PeerRequestOptions,
): Promise<HttpResponse> {
  return await requestPeer(dispatcher, peerUrl, { method: "POST", body: bodyText }, options);
}

/**
 * Sends one request to a peer URL (`path` appended), with only `Content-Type` (when it has a
 * body), `Accept`, `User-Agent` and `A2A-Version` (v1.0): never a platform credential. Without
 * `stream`, the answer is read (within `maxBytes`) and parsed as JSON when it is; with it, an
 * answer of type `text/event-stream` is returned unread as `stream` (its deadline is the head's;
 * aborting `signal` closes it), any other is read as without. An answer read that the path gave,
 * not the peer (a front's redirect or sign-in page, a proxy's 407), throws its typed error
 * (`judgePeerAnswer`).
 */
export async function requestPeer(
  dispatcher: Dispatcher,
  peerUrl: string,
  req: { method: "GET" | "POST"; path?: string; body?: string | undefined; stream?: boolean },
  options: PeerRequestOptions,
): Promise<HttpResponse> {
  const url = peerHttpUrl(peerUrl);
  if (!url) {
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
  let open = false;
  const party = {
    at: `peer ${options.peerId} at ${url.origin}`,
    peerId: options.peerId,
    name: "the peer",
  };
  try {
    // An HTTP+JSON route is below the interface URL; JSON-RPC posts to the URL itself.
    const path = req.path ? url.pathname.replace(/\/+$/, "") + req.path : url.pathname + url.search;
    const res = await dispatcher.request({
      origin: url.origin,
      path,
      method: req.method,
      // The peer call's span is active: its trace context goes in the headers too.
      headers: withTraceHeaders({
        // Every POST says JSON (a bodiless :subscribe too): A2A servers refuse a POST without it.
        ...(req.method === "POST" ? { "content-type": "application/json" } : {}),
        accept: req.stream ? "text/event-stream, application/json" : "application/json",
        "user-agent": options.userAgent,
        ...(options.a2aVersion ? { "a2a-version": options.a2aVersion } : {}),
      }),
      body: req.body ?? null,
      signal: controller.signal,
    });
    const type = String(res.headers["content-type"] ?? "");
    if (req.stream && type.startsWith("text/event-stream")) {
      clearTimeout(timer);
      open = true; // the caller's signal stays bridged: aborting it closes the stream
      res.body.once("close", () => signal?.removeEventListener("abort", onAbort));
      return { status: res.statusCode, headers: res.headers, body: undefined, stream: res.body };
    }
    const text = await readBodyText(
      res.body,
      options.maxBytes ?? MAX_PEER_RESPONSE_BYTES,
      res.headers["content-length"],
    );
    let body: unknown = text === "" ? undefined : text;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      /* keep text */
    }
    const answer = { status: res.statusCode, headers: res.headers, body };
    judgePeerAnswer(party, answer, []);
    return answer;
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (err instanceof MoleculePeerError) throw err; // the judge's
    if (err instanceof BodyTooLargeError) {
      throw new MoleculePeerError(
        `peer ${options.peerId} answered with more than ${err.limit} bytes; the answer was discarded`,
        { peerId: options.peerId, code: "peer_response_too_large", cause: err },
      );
    }
    if (timedOut) {
      throw new MoleculePeerError(
        `peer ${options.peerId} did not answer within ${options.timeoutMs} ms; raise timeoutMs or try later`,
        { peerId: options.peerId, code: "peer_timeout", retryable: true, cause: err },
      );
    }
    // Its certificate (untrusted, another host's, expired, ...): the platform's words, not retried.
    const at = `peer ${options.peerId} at ${url.origin}`;
    const tls = peerTlsFailure(err, {
      peerId: options.peerId,
      at,
      origin: url.origin,
      party: PEER,
    });
    if (tls) throw tls;
    throw (
      peerProxyError(party, err, []) ??
      new MoleculePeerError(
        `peer ${options.peerId} is unreachable at its advertised URL; try via: "proxy"`,
        { peerId: options.peerId, code: "peer_unreachable", retryable: true, cause: err },
      )
    );
  } finally {
    clearTimeout(timer);
    if (!open) signal?.removeEventListener("abort", onAbort);
  }
}

function peerHttpUrl(raw: string): URL | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
  } catch {
    return undefined;
  }
}

const MAX_CARD_BYTES = 256 * 1024;

/**
 * Fetches a peer's agent card from `<origin>/.well-known/agent-card.json` (then, when the peer URL
 * has a path, `<url>/.well-known/agent-card.json`), with only `Accept` and `User-Agent`: never a
 * platform credential. Best effort: `undefined` on any failure, a non-JSON or oversized body, or
 * when `timeoutMs` runs out; but the path's answer (the judge's: a front's sign-in redirect or
 * page, a proxy's 407) throws its typed error, as the call it precedes would. Aborting `signal`
 * rejects with its reason.
 */
export async function fetchPeerCard(
  dispatcher: Dispatcher,
  peerUrl: string,
  options: {
    peerId: string;
    signal?: AbortSignal | undefined;
    timeoutMs: number;
    userAgent: string;
  },
): Promise<unknown> {
  const url = peerHttpUrl(peerUrl);
  if (!url) return undefined;
  const path = url.pathname.replace(/\/+$/, "");
  const candidates = ["/.well-known/agent-card.json"];
  if (path !== "") candidates.push(`${path}/.well-known/agent-card.json`);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, options.timeoutMs));
  const onAbort = (): void => controller.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const party = { at: `peer ${options.peerId} at ${url.origin}`, peerId: options.peerId };
  try {
    for (const candidate of candidates) {
      if (options.signal?.aborted) throw options.signal.reason;
      try {
        const res = await dispatcher.request({
          origin: url.origin,
          path: candidate,
          method: "GET",
          headers: withTraceHeaders({
            accept: "application/json",
            "user-agent": options.userAgent,
          }),
          signal: controller.signal,
        });
        const text = await readBodyText(res.body, MAX_CARD_BYTES, res.headers["content-length"]);
        let body: unknown = text === "" ? undefined : text;
        try {
          body = text === "" ? undefined : JSON.parse(text);
        } catch {
          /* keep text */
        }
        if (res.statusCode === 200 && typeof body === "object") return body;
        const answer = { status: res.statusCode, headers: res.headers, body };
        judgePeerAnswer({ ...party, name: "the peer" }, answer, [], "card");
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (err instanceof MoleculePeerError) throw err; // the judge's
        if (controller.signal.aborted) return undefined; // out of time
      }
    }
    return undefined;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}
