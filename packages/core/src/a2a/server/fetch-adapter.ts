// Serves the endpoint on the web fetch API (`Request` in, `Response` out: Next.js route handlers,
// Hono, Bun, Deno): reads the body within the limit, hands JSON-RPC and HTTP+JSON requests to their
// front end, and streams SSE answers as a ReadableStream.
import { servingTraceHeaders } from "../../transport/index.js";
import { readWebBody, TOO_LARGE } from "./body.js";
import { connectionOfRequest, type BodyHold } from "./body-budget.js";
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
import { requestedExtensions, requestMeta, type RequestMeta } from "./request-meta.js";
import type { RestTarget } from "./rest.js";
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
      // The body is read within the budget of bodies held at once (body-budget.ts), on the
      // connection its front end marked (else a connection of its own).
      const connection = connectionOfRequest(request);
      const hold = bodyless ? undefined : core.budget.open(request, connection, head.contentLength);
      const gone = (): void => hold?.release();
      request.signal?.addEventListener("abort", gone, { once: true });
      try {
        const room = hold?.start();
        if (room !== undefined && room !== true && !(await room)) {
          return new Response(null, { status: 503 }); // the caller went away
        }
        outcome = await run(core, request, route as "rpc" | RestTarget, meta, hold);
      } catch (err) {
        hold?.release();
        throw err;
      } finally {
        request.signal?.removeEventListener("abort", gone);
      }
      // Its message is held until the answer (a stream's until its end).
      if ("stream" in outcome) return streamResponse(core, outcome, outcome.scope, hold);
      hold?.release();
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
 * Reads the body of a request on `route` within `hold` (none: a bodiless one) and runs it; `hold`
 * is given back when the reading fails (the caller, once it has its answer).
 */
async function run(
  core: EndpointCore,
  request: Request,
  route: "rpc" | RestTarget,
  meta: RequestMeta,
  hold: BodyHold | undefined,
): Promise<Outcome> {
  // Closed while it waited for room: refused as a request arriving now is.
  const text = core.closed
    ? null
    : hold === undefined
      ? ""
      : await readWebBody(request.body, core.maxBody, hold).catch(() => undefined);
  if (text === null) {
    hold?.release();
    return httpError(503, A2AErrorCode.InternalError, SHUTTING_DOWN);
  }
  if (typeof text !== "string") hold?.release();
  if (text === undefined) {
    return httpError(400, A2AErrorCode.InvalidRequest, "Could not read the request body");
  }
  if (text === TOO_LARGE) return tooLarge(core.maxBody);
  const h = request.headers;
  const scope = new Scope();
  const onAbort = (): void => scope.abort(DISCONNECTED);
  request.signal?.addEventListener("abort", onAbort, { once: true });
  core.inflight.add(scope);
  let outcome: Outcome;
  try {
    const pending = servingTraceHeaders(h.get("traceparent"), h.get("tracestate"), () =>
      route === "rpc"
        ? core.rpc(text, meta, scope)
        : core.rest(route, request.method, text, meta, scope),
    );
    hold?.parsed(); // the handler holds the message, no longer a body being read
    outcome = await pending;
  } catch (err) {
    core.report(err, "(transport)", null);
    outcome = httpError(500, A2AErrorCode.InternalError, "Internal error");
  }
  if ("stream" in outcome) return outcome;
  core.inflight.delete(scope);
  request.signal?.removeEventListener("abort", onAbort);
  return outcome;
}

/**
 * An SSE `Response` pulling frames from the task's generator; canceling it ends the stream (the
 * task runs on). The request's share of the body budget (`hold`) is given back when it ends.
 */
function streamResponse(
  core: EndpointCore,
  outcome: StreamOutcome,
  scope: Scope,
  hold?: BodyHold,
): Response {
  const gen = outcome.stream;
  const encoder = new TextEncoder();
  const finish = (): void => {
    core.inflight.delete(scope);
    hold?.release();
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
