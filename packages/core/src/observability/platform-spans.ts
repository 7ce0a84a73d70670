// Spans of the requests this SDK makes to the platform (HTTP client semantic conventions): one
// per request, retries included; the route, never the token or the body.
import { activeTracing, otel } from "./otel.js";
import { inSpan } from "./spans.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `path` with its id segments as `{id}` (a span name of bounded cardinality), no query. */
function routeOf(path: string): string {
  const pathname = path.split("?")[0] ?? "";
  return pathname
    .split("/")
    .map((s) => (UUID.test(s) || (s.length >= 8 && /\d/.test(s)) ? "{id}" : s))
    .join("/");
}

interface Server {
  key: string;
  origin: string;
  address: string;
  port: number;
}
let lastOrigin: Server | undefined;

/** `origin`'s parts (the last one cached: a process talks to one platform). */
function server(origin: string): Server {
  if (lastOrigin?.key !== origin) {
    const url = new URL(origin);
    lastOrigin = {
      key: origin,
      origin: url.origin,
      address: url.hostname,
      port: Number(url.port) || (url.protocol === "https:" ? 443 : 80),
    };
  }
  return lastOrigin;
}

/**
 * Runs one platform request in a client span named `<METHOD> <route>` with `http.request.method`,
 * `url.full` (no query), `server.address`, `server.port` and `http.response.status_code`; a 4xx
 * or 5xx answer marks it failed. Without tracing, `fn` runs as it is.
 */
export function tracePlatformRequest<T extends { status: number }>(
  origin: string,
  method: string,
  path: string,
  fn: () => Promise<T>,
): Promise<T> {
  if (activeTracing() === undefined) return fn();
  const url = server(origin);
  return inSpan(
    `${method} ${routeOf(path)}`,
    "client",
    {
      "http.request.method": method,
      "url.full": `${url.origin}${path.split("?")[0] ?? ""}`,
      "server.address": url.address,
      "server.port": url.port,
    },
    fn,
    {
      onResult: (span, res) => {
        span.setAttribute("http.response.status_code", res.status);
        if (res.status >= 400) {
          span.setAttribute("error.type", String(res.status));
          const api = otel();
          if (api) span.setStatus({ code: api.SpanStatusCode.ERROR });
        }
      },
    },
  );
}
