// One request to a remote A2A agent (`RemoteA2AAgent`), through its address guard: headers built
// from scratch (`Content-Type`, `Accept`, `User-Agent`, `A2A-Version` for v1.0, and only the
// credentials the agent's card asks for), a deadline on the answer (on its head for a stream), a
// bounded body, no redirect followed. Errors are `MoleculePeerError`s naming the agent by origin
// (its path may hold a secret), never a credential.
import type { Dispatcher } from "undici";
import {
  BodyTooLargeError,
  judgePeerAnswer,
  MoleculePeerError,
  peerProxyError,
  peerTlsFailure,
  readBodyText,
  withTraceHeaders,
} from "../../transport/index.js";
import type { HttpResponse, PeerShape, TlsParty } from "../../transport/index.js";
import { AddressGuard } from "./address-guard.js";

/** How one request is sent. */
interface RemoteRequestOptions {
  /** How errors name the agent (its origin). */
  who: string;
  /** The agent and the option holding its URL, as the fix of a TLS failure names them. */
  party: TlsParty;
  signal?: AbortSignal | undefined;
  timeoutMs: number;
  userAgent: string;
  a2aVersion?: "1.0" | undefined;
  maxBytes: number;
  /** The credentials of the card's schemes. */
  headers?: Readonly<Record<string, string>> | undefined;
  query?: Readonly<Record<string, string>> | undefined;
  /** What the agent answers at this URL, for the judge (default `json`: its A2A endpoint). */
  shape?: PeerShape | undefined;
}

/** The URL of `base` with `path` appended and `query` added. */
export function targetUrl(
  base: string,
  path: string | undefined,
  query: Readonly<Record<string, string>> = {},
): URL {
  const url = new URL(base);
  if (path) {
    const [p, q] = path.split("?", 2) as [string, string | undefined];
    url.pathname = url.pathname.replace(/\/+$/, "") + p;
    if (q !== undefined) for (const [k, v] of new URLSearchParams(q)) url.searchParams.set(k, v);
  }
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url;
}

/**
 * Sends one request to `url` through `guard`. With `stream`, an answer of type
 * `text/event-stream` is returned unread as `stream` (aborting `signal` closes it); any other is
 * read within `maxBytes` and parsed as JSON when it is; one the path gave, not the agent (a front's
 * redirect or sign-in page, a proxy's 407), throws its typed error (`judgePeerAnswer`).
 */
export async function remoteRequest(
  guard: AddressGuard,
  url: URL,
  req: { method: "GET" | "POST"; body?: string | undefined; stream?: boolean; accept?: string },
  options: RemoteRequestOptions,
): Promise<HttpResponse> {
  const who = options.who;
  guard.check(url);
  const dispatcher: Dispatcher = guard.dispatcher();
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
  const party = { at: `the A2A agent at ${who}`, peerId: who, name: "the A2A agent" };
  const known = [...Object.values(options.headers ?? {}), ...Object.values(options.query ?? {})];
  try {
    const res = await dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: req.method,
      headers: withTraceHeaders({
        ...options.headers,
        ...(req.method === "POST" ? { "content-type": "application/json" } : {}),
        accept:
          req.accept ?? (req.stream ? "text/event-stream, application/json" : "application/json"),
        "user-agent": options.userAgent,
        ...(options.a2aVersion ? { "a2a-version": options.a2aVersion } : {}),
      }),
      body: req.body ?? null,
      signal: controller.signal,
    });
    const type = String(res.headers["content-type"] ?? "");
    if (req.stream && type.startsWith("text/event-stream") && res.statusCode < 300) {
      clearTimeout(timer);
      open = true;
      res.body.once("close", () => signal?.removeEventListener("abort", onAbort));
      return { status: res.statusCode, headers: res.headers, body: undefined, stream: res.body };
    }
    const text = await readBodyText(res.body, options.maxBytes, res.headers["content-length"]);
    let body: unknown = text === "" ? undefined : text;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      /* keep text */
    }
    const answer = { status: res.statusCode, headers: res.headers, body };
    judgePeerAnswer(party, answer, known, options.shape);
    return answer;
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (err instanceof MoleculePeerError) throw err; // the judge's
    if (AddressGuard.isRefusal(err) || AddressGuard.isRefusal((err as Error)?.cause)) {
      throw AddressGuard.refusal(AddressGuard.isRefusal(err) ? err : (err as Error).cause);
    }
    if (err instanceof BodyTooLargeError) {
      throw new MoleculePeerError(
        `the A2A agent at ${who} answered with more than ${err.limit} bytes; the answer was discarded (raise maxResponseBytes if expected)`,
        { peerId: who, code: "peer_response_too_large", cause: err },
      );
    }
    if (timedOut) {
      throw new MoleculePeerError(
        `the A2A agent at ${who} did not answer within ${options.timeoutMs} ms; raise timeoutMs, or start the task without waiting (start) and follow it`,
        { peerId: who, code: "peer_timeout", retryable: true, cause: err },
      );
    }
    // Its certificate (untrusted, another host's, expired, ...): the platform's words, not retried.
    const at = `the A2A agent at ${who}`;
    const tls = peerTlsFailure(err, { peerId: who, at, origin: url.origin, party: options.party });
    if (tls) throw tls;
    throw (
      peerProxyError(party, err, known) ??
      new MoleculePeerError(`the A2A agent at ${who} is unreachable; check its URL, or try later`, {
        peerId: who,
        code: "peer_unreachable",
        retryable: true,
        cause: err,
      })
    );
  } finally {
    clearTimeout(timer);
    if (!open) signal?.removeEventListener("abort", onAbort);
  }
}
