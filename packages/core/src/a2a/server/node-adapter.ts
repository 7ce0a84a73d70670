// Serves the endpoint on node:http (and Express, Fastify's raw objects, Nest): reads the headers
// and body, hands JSON-RPC and HTTP+JSON requests to their front end, writes JSON and SSE answers
// with back-pressure, and watches for a disconnect.
import { servingTraceHeaders } from "../../transport/index.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readNodeBody, TOO_LARGE } from "./body.js";
import type { BodyHold } from "./body-budget.js";
import type { EndpointCore } from "./endpoint-core.js";
import { A2AErrorCode } from "./errors.js";
import { closeUnread, precheck, SHUTTING_DOWN, tooLarge } from "./http-checks.js";
import {
  httpError,
  JSON_HEADERS,
  SSE_HEADERS,
  type Outcome,
  type StreamOutcome,
} from "./outcome.js";
import { requestedExtensions, requestMeta } from "./request-meta.js";
import { DISCONNECTED, Scope } from "./scope.js";

const RESOLVED: Promise<void> = Promise.resolve();

/** Runs a request's body through its front end (JSON-RPC or HTTP+JSON). */
type Runner = (input: unknown, scope: Scope) => Outcome | Promise<Outcome>;
const INTERNAL_ERROR_BODY =
  '{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"Internal error"}}';

/**
 * The request headers the endpoint reads, scanned from `rawHeaders` (cheaper than building
 * node's `req.headers` object on every request).
 */
function readHeaders(req: IncomingMessage): {
  contentType: string | undefined;
  contentLength: string | undefined;
  version: string | undefined;
  extensions: string | undefined;
} {
  const out = {
    contentType: undefined as string | undefined,
    contentLength: undefined as string | undefined,
    version: undefined as string | undefined,
    extensions: undefined as string | undefined,
  };
  const raw = req.rawHeaders;
  if (!Array.isArray(raw)) {
    const h = req.headers;
    out.contentType = h["content-type"];
    out.contentLength = h["content-length"];
    out.version = one(h["a2a-version"]);
    out.extensions = one(h["a2a-extensions"]) ?? one(h["x-a2a-extensions"]);
    return out;
  }
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const n = name.length;
    if (n === 12 && out.contentType === undefined && name.toLowerCase() === "content-type") {
      out.contentType = raw[i + 1];
    } else if (
      n === 14 &&
      out.contentLength === undefined &&
      name.toLowerCase() === "content-length"
    ) {
      out.contentLength = raw[i + 1];
    } else if (n === 11 && out.version === undefined && name.toLowerCase() === "a2a-version") {
      out.version = raw[i + 1];
    } else if ((n === 14 || n === 16) && out.extensions === undefined) {
      const lower = name.toLowerCase();
      if (lower === "a2a-extensions" || lower === "x-a2a-extensions") out.extensions = raw[i + 1];
    }
  }
  return out;
}

/**
 * The connection a request came on, whose bodies share one part of the budget: its HTTP/2 session
 * (node's compatibility API), else its socket.
 */
function connectionOf(req: IncomingMessage): object {
  return (req as { stream?: { session?: object } }).stream?.session ?? req.socket ?? req;
}

/** The first value of a header. */
function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A node request's headers as web `Headers` (for the extended card's `authorize`). */
function webHeaders(req: IncomingMessage): Headers {
  const h = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) h.append(name, v);
  }
  return h;
}

/** The node:http side of one endpoint. */
export class NodeAdapter {
  readonly #core: EndpointCore;

  constructor(core: EndpointCore) {
    this.#core = core;
  }

  /** Serves one request; `body` is a body a framework already read (text, bytes or parsed JSON). */
  handle(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    const core = this.#core;
    try {
      const route = core.routes.route(req.url ?? "/");
      const method = req.method ?? "GET";
      const headers = readHeaders(req);
      const pre = precheck(method, route, headers, core);
      if (pre !== undefined) return this.#write(req, res, pre, method);
      if (route === "card" || route === "jwks") {
        const proto = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
        const origin = `${proto}://${req.headers.host ?? "localhost"}`;
        const card = core.routes.card(origin, route, headers.version);
        return card instanceof Promise
          ? card.then(
              (o) => this.#write(req, res, o, method),
              (err: unknown) => this.#failure(res, err),
            )
          : this.#write(req, res, card, method);
      }
      const meta = requestMeta(
        headers.version,
        requestedExtensions(headers.extensions, core.extensions),
        () => webHeaders(req),
      );
      const { traceparent, tracestate } = req.headers;
      const run: Runner =
        route === "rpc"
          ? (input, scope) =>
              servingTraceHeaders(traceparent, tracestate, () => core.rpc(input, meta, scope))
          : (input, scope) =>
              servingTraceHeaders(traceparent, tracestate, () =>
                core.rest(route!, method, input, meta, scope),
              );
      if (route !== "rpc" && method !== "POST") return this.#rpc(req, res, "", run);
      if (body !== undefined) return this.#rpc(req, res, body, run);
      if (req.readableEnded) {
        const parsed = (req as { body?: unknown }).body;
        if (parsed === undefined) {
          return this.#write(
            req,
            res,
            httpError(
              500,
              A2AErrorCode.InternalError,
              "The request body was consumed by another middleware; pass it to handleNode(req, res, body)",
            ),
            method,
          );
        }
        return this.#rpc(req, res, parsed, run);
      }
      // The body is read within the budget of bodies held at once (body-budget.ts).
      if (res.closed) return RESOLVED; // the caller went away
      const hold = core.budget.open(req, connectionOf(req), headers.contentLength);
      res.once("close", hold.release);
      const room = hold.start();
      if (room === true) return this.#read(req, res, run, hold);
      return room.then((ok) => (ok ? this.#read(req, res, run, hold) : RESOLVED));
    } catch (err) {
      return this.#failure(res, err);
    }
  }

  /** Reads the body within `hold` and runs it (`hold` is given back once the caller is answered). */
  #read(req: IncomingMessage, res: ServerResponse, run: Runner, hold: BodyHold): Promise<void> {
    const core = this.#core;
    if (core.closed) {
      hold.release();
      // Closed while it waited for room: refused as a request arriving now is.
      return this.#write(
        req,
        res,
        httpError(503, A2AErrorCode.InternalError, SHUTTING_DOWN),
        "POST",
      );
    }
    return new Promise<void>((resolve) => {
      readNodeBody(req, core.maxBody, hold, (text) => {
        let done: Promise<void>;
        if (typeof text !== "string") hold.release();
        if (text === undefined) {
          done = this.#write(
            req,
            res,
            httpError(400, A2AErrorCode.InvalidRequest, "Could not read the request body"),
            "POST",
          );
        } else if (text === TOO_LARGE) {
          done = this.#write(req, res, tooLarge(core.maxBody), "POST");
        } else {
          done = this.#rpc(req, res, text, run, hold.parsed);
        }
        resolve(done);
      });
    });
  }

  #failure(res: ServerResponse, err: unknown): Promise<void> {
    this.#core.report(err, "(transport)", null);
    if (!res.headersSent && !res.destroyed) {
      res.writeHead(500, {
        "content-type": "application/json",
        "content-length": INTERNAL_ERROR_BODY.length,
      });
      res.end(INTERNAL_ERROR_BODY);
    } else {
      res.destroy();
    }
    return RESOLVED;
  }

  #write(
    req: IncomingMessage,
    res: ServerResponse,
    outcome: Outcome,
    method: string,
  ): Promise<void> {
    if ("stream" in outcome) {
      return this.#writeStream(res, outcome).catch((err: unknown) => {
        this.#core.report(err, "(stream)", null);
        res.destroy();
      });
    }
    if (res.headersSent || res.destroyed) return RESOLVED;
    try {
      const length = Buffer.byteLength(outcome.body);
      // A refusal (path, secret, method, type, size, shutdown) is sent before the body is read;
      // so is the card, whose GET should have none.
      closeUnread(req, res, outcome.status >= 400);
      res.writeHead(
        outcome.status,
        outcome.headers === undefined
          ? { "content-type": "application/json", "content-length": length }
          : { ...JSON_HEADERS, ...outcome.headers, "content-length": length },
      );
      res.end(method === "HEAD" ? undefined : outcome.body);
    } catch (err) {
      this.#core.report(err, "(transport)", null);
      res.destroy();
    }
    return RESOLVED;
  }

  /** Runs `body`; `parsed` is called once its front end has parsed it (or refused it). */
  #rpc(
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    run: Runner,
    parsed?: () => void,
  ): Promise<void> {
    const core = this.#core;
    let input = body;
    if (Buffer.isBuffer(input) || input instanceof Uint8Array) {
      if (input.byteLength > core.maxBody) {
        return this.#write(req, res, tooLarge(core.maxBody), "POST");
      }
      input = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString("utf8");
    } else if (
      typeof input === "string" &&
      input.length > core.maxBody / 3 &&
      Buffer.byteLength(input) > core.maxBody
    ) {
      return this.#write(req, res, tooLarge(core.maxBody), "POST");
    }
    // The disconnect watch is attached only if the handler (or a stream) asks for the signal.
    const scope = new Scope((s) => {
      if (res.destroyed && !res.writableFinished) s.abort(DISCONNECTED);
      else res.once("close", () => res.writableFinished || s.abort(DISCONNECTED));
    });
    core.inflight.add(scope);
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = run(input, scope);
    } catch (err) {
      core.inflight.delete(scope);
      return this.#failure(res, err);
    } finally {
      parsed?.(); // the handler holds the message, no longer a body being read
    }
    if (outcome instanceof Promise) {
      return outcome.then(
        (o) => {
          if (!("stream" in o)) core.inflight.delete(scope);
          return this.#write(req, res, o, "POST");
        },
        (err: unknown) => {
          core.inflight.delete(scope);
          return this.#failure(res, err);
        },
      );
    }
    if (!("stream" in outcome)) core.inflight.delete(scope);
    return this.#write(req, res, outcome, "POST");
  }

  async #writeStream(res: ServerResponse, outcome: StreamOutcome): Promise<void> {
    const { stream, scope } = outcome;
    void scope.signal; // attaches the disconnect watch
    try {
      res.writeHead(200, SSE_HEADERS);
      res.flushHeaders();
      for await (const frame of stream) {
        if (res.destroyed) break;
        if (!res.write(frame)) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              res.off("drain", done);
              res.off("close", done);
              resolve();
            };
            res.on("drain", done);
            res.on("close", done);
          });
        }
      }
    } finally {
      this.#core.inflight.delete(scope);
      await stream.return(undefined).catch(() => undefined);
      if (!res.destroyed) res.end();
    }
  }
}
