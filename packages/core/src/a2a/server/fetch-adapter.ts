// Serves the endpoint on the web fetch API (`Request` in, `Response` out: Next.js route handlers,
// Hono, Bun, Deno): reads the body within the limit, hands JSON-RPC and HTTP+JSON requests to their
// front end, and streams SSE answers as a ReadableStream.
import { servingTraceHeaders } from "../../transport/index.js";
import { readWebBody, TOO_LARGE } from "./body.js";
import { declaredBytes, type Release } from "./body-budget.js";
import type { EndpointCore } from "./endpoint-core.js";
import { A2AErrorCode } from "./errors.js";
import { precheck, SHUTTING_DOWN, tooLarge } from "./http-checks.js";
import {
  httpError,
  JSON_HEADERS,
  SSE_HEADERS,
  type Outcome,
  type StreamOutcome,
} from "./outcome.js";
import { requestedExtensions, requestMeta } from "./request-meta.js";
import { DISCONNECTED, Scope } from "./scope.js";

/** Serves one web `Request`. */
export async function handleFetch(core: EndpointCore, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const route = core.routes.route(url.pathname + url.search);
  const method = request.method;
  const h = request.headers;
  const head = {
    contentType: h.get("content-type"),
    contentLength: h.get("content-length"),
    version: h.get("a2a-version"),
  };
  let outcome: Outcome | undefined = precheck(method, route, head, core);
  if (outcome === undefined) {
    if (route === "card" || route === "jwks") {
      try {
        outcome = await core.routes.card(url.origin, route, head.version);
      } catch (err) {
        core.report(err, "(card)", null);
        outcome = httpError(500, A2AErrorCode.InternalError, "Internal error");
      }
    } else {
      const extensions = h.get("a2a-extensions") ?? h.get("x-a2a-extensions");
      const meta = requestMeta(
        head.version ?? undefined,
        requestedExtensions(extensions, core.extensions),
        () => h,
      );
      const bodyless = route !== "rpc" && method !== "POST";
      // The body is read once the budget of bodies held at once has room for it.
      const release = bodyless ? undefined : await room(core, request, head.contentLength);
      if (release === null) return new Response(null, { status: 503 }); // the caller went away
      // Closed while it waited for room: refused as a request arriving now is.
      const text = core.closed
        ? null
        : bodyless
          ? ""
          : await readWebBody(request.body, core.maxBody).catch(() => undefined);
      if (text === null) {
        outcome = httpError(503, A2AErrorCode.InternalError, SHUTTING_DOWN);
      } else if (text === undefined) {
        outcome = httpError(400, A2AErrorCode.InvalidRequest, "Could not read the request body");
      } else if (text === TOO_LARGE) {
        outcome = tooLarge(core.maxBody);
      } else {
        const scope = new Scope();
        const onAbort = (): void => scope.abort(DISCONNECTED);
        request.signal?.addEventListener("abort", onAbort, { once: true });
        core.inflight.add(scope);
        try {
          outcome = await servingTraceHeaders(h.get("traceparent"), h.get("tracestate"), () =>
            route === "rpc"
              ? core.rpc(text, meta, scope)
              : core.rest(route!, method, text, meta, scope),
          );
        } catch (err) {
          core.report(err, "(transport)", null);
          outcome = httpError(500, A2AErrorCode.InternalError, "Internal error");
        }
        if ("stream" in outcome) return streamResponse(core, outcome, scope, release);
        core.inflight.delete(scope);
        request.signal?.removeEventListener("abort", onAbort);
      }
      release?.();
    }
  }
  if ("stream" in outcome) return streamResponse(core, outcome, outcome.scope);
  const headers: Record<string, string> = { ...JSON_HEADERS, ...outcome.headers };
  const empty = method === "HEAD" || outcome.status === 204;
  return new Response(empty ? null : outcome.body, {
    status: outcome.status,
    headers,
  });
}

/**
 * The release of a share of `core`'s body budget for `request` (waiting for room first), or `null`
 * when the request went away while it waited.
 */
async function room(
  core: EndpointCore,
  request: Request,
  contentLength: string | null,
): Promise<Release | null> {
  const taken = core.budget.take(declaredBytes(contentLength, core.maxBody), request);
  if (typeof taken === "function") return taken;
  const gone = (): void => core.budget.leave(request);
  request.signal?.addEventListener("abort", gone, { once: true });
  const release = await taken;
  request.signal?.removeEventListener("abort", gone);
  return release ?? null;
}

/**
 * An SSE `Response` pulling frames from the task's generator; canceling it ends the stream (the
 * task runs on). The request's share of the body budget (`release`) is given back when it ends.
 */
function streamResponse(
  core: EndpointCore,
  outcome: StreamOutcome,
  scope: Scope,
  release?: Release,
): Response {
  const gen = outcome.stream;
  const encoder = new TextEncoder();
  const finish = (): void => {
    core.inflight.delete(scope);
    release?.();
  };
  const body = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      try {
        const next = await gen.next();
        if (next.done) {
          finish();
          controller.close();
        } else {
          controller.enqueue(encoder.encode(next.value));
        }
      } catch (err) {
        finish();
        controller.error(err);
      }
    },
    cancel: async () => {
      scope.abort(DISCONNECTED);
      finish();
      await gen.return(undefined).catch(() => undefined);
    },
  });
  return new Response(body, { status: 200, headers: SSE_HEADERS });
}
