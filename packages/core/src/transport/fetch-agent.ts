// The SDK's pools on a runtime whose `undici` is not undici (Bun resolves `require("undici")` to a
// built-in stub whose `Agent` has no `request` or `dispatch`): the part of undici's `Agent` the SDK
// calls on its own pools (`request`, `dispatch` with undici ≥ 7's handler API, `close`), sent
// through the runtime's `fetch`. The runtime's fetch pools connections itself, so the connection
// limits of dispatchers.ts do not apply there. Node (and Deno, whose `undici` is the npm package)
// keep undici: this is chosen by what the loaded `undici` can do, not by the runtime's name.
import type { EventEmitter } from "node:events";
import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";
import { chunkOf, readableFromWeb } from "../runtime/index.js";
import type { ProxySettings } from "./proxy.js";

/** Whether `undici` (as the runtime resolved it) is usable undici: its `Agent` can dispatch. */
export function isUsableUndici(undici: { Agent?: unknown }): boolean {
  const proto = (undici.Agent as { prototype?: { dispatch?: unknown; request?: unknown } })
    ?.prototype;
  return typeof proto?.dispatch === "function" && typeof proto.request === "function";
}

/** Runtime error names of a failed connection, as the Node codes the transport classifies. */
const CODES: Record<string, string> = {
  ConnectionRefused: "ECONNREFUSED",
  ConnectionClosed: "ECONNRESET",
  ECONNRESET: "ECONNRESET",
  FailedToOpenSocket: "ECONNREFUSED",
  ConnectionTimeout: "ETIMEDOUT",
  DNSError: "ENOTFOUND",
};

/** `err` with a Node-style `code` when the runtime named a connection failure its own way. */
function networkError(err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  if (e.name === "AbortError") return e;
  const raw = (e as { code?: unknown }).code;
  const code = typeof raw === "string" ? (CODES[raw] ?? raw) : undefined;
  const out = new Error(e.message, { cause: e }) as Error & { code?: string };
  out.name = e.name;
  if (code !== undefined) out.code = code;
  return out;
}

type Signal = AbortSignal | EventEmitter | null | undefined;

/** Calls `onAbort` when `signal` aborts (an AbortSignal or undici's EventEmitter form). */
function onSignal(signal: Signal, onAbort: () => void): () => void {
  if (!signal) return () => undefined;
  if ("addEventListener" in signal) {
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    return () => signal.removeEventListener("abort", onAbort);
  }
  signal.once("abort", onAbort);
  return () => void signal.off("abort", onAbort);
}

function headersOf(h: Headers): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  h.forEach((value, key) => {
    if (key !== "set-cookie") out[key] = value;
  });
  const cookies = h.getSetCookie();
  if (cookies.length > 0) out["set-cookie"] = cookies;
  return out;
}

function flatHeaders(headers: Dispatcher.DispatchOptions["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2)
      out[String(headers[i])] = String(headers[i + 1]);
    return out;
  }
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : String(v);
  }
  return out;
}

const closedError = (): Error =>
  Object.assign(new Error("The client is destroyed"), { code: "UND_ERR_CLOSED" });

/**
 * undici's `Agent` surface the SDK uses, over `fetch`. Options are accepted and ignored. A proxy
 * (the environment's, or the `proxy` option) goes to the runtime's fetch as its `proxy` option
 * (Bun's; Bun's fetch also reads the proxy variables itself); an edge runtime has none.
 */
export class FetchAgent {
  #closed = false;
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #proxy: ProxySettings | undefined;

  constructor(proxy?: ProxySettings) {
    this.#proxy = proxy;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get destroyed(): boolean {
    return false;
  }

  #fetch(options: Dispatcher.DispatchOptions, signal: AbortSignal): Promise<Response> {
    if (this.#closed) return Promise.reject(closedError());
    const url = new URL(options.path, options.origin as string | URL);
    const body = options.body as BodyInit | null | undefined;
    const proxy = this.#proxy?.for(url);
    const p = fetch(url, {
      method: options.method,
      headers: flatHeaders(options.headers),
      body: body ?? null,
      redirect: "manual",
      signal,
      // Bun's fetch ends a response after 5 idle minutes unless told not to; a peer call through
      // the platform proxy may be held longer, and the transport applies its own timeout.
      ...({ timeout: false } as object),
      ...(proxy === undefined ? {} : ({ proxy: proxy.uri } as object)),
    });
    this.#inflight.add(p);
    const drop = (): void => void this.#inflight.delete(p);
    p.then(drop, drop);
    return p;
  }

  /** undici's `request`: resolves at the headers with the body as a Node `Readable`. */
  async request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
    const ac = new AbortController();
    const off = onSignal(options.signal as Signal, () => ac.abort());
    try {
      const res = await this.#fetch(options, ac.signal);
      const body = readableFromWeb(res.body);
      body.once("close", off);
      return {
        statusCode: res.status,
        headers: headersOf(res.headers),
        body,
        trailers: {},
        opaque: null,
        context: {},
      } as unknown as Dispatcher.ResponseData;
    } catch (err) {
      off();
      throw networkError(err);
    }
  }

  /** undici's `dispatch` with the ≥ 7 handler API (start, response start, data, end or error). */
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    new FetchDispatch(options, handler).run((o, s) => this.#fetch(o, s));
    return true;
  }

  /** Refuses new requests and resolves once the ones in flight have their response headers. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled(this.#inflight);
  }
}

/** One dispatched request: its controller (abort, pause, resume) and its handler's callbacks. */
class FetchDispatch implements Dispatcher.DispatchController {
  readonly #options: Dispatcher.DispatchOptions;
  readonly #handler: Dispatcher.DispatchHandler;
  readonly #ac = new AbortController();
  #ended = false;
  #paused = false;
  #wake: (() => void) | undefined;
  #reason: Error | null = null;
  rawHeaders: Dispatcher.DispatchController["rawHeaders"] = null;

  constructor(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) {
    this.#options = options;
    this.#handler = handler;
  }

  get aborted(): boolean {
    return this.#ac.signal.aborted;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get reason(): Error | null {
    return this.#reason;
  }

  abort(reason: Error): void {
    if (this.#ac.signal.aborted) return;
    this.#reason = reason;
    this.#ac.abort(reason);
    this.#wake?.();
    this.#error(reason);
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#wake?.();
  }

  #error(err: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#handler.onResponseError?.(this, err);
  }

  run(send: (o: Dispatcher.DispatchOptions, s: AbortSignal) => Promise<Response>): void {
    const off = onSignal((this.#options as { signal?: Signal }).signal, () =>
      this.abort(new DOMException("request aborted", "AbortError")),
    );
    this.#handler.onRequestStart?.(this, {});
    if (this.aborted) {
      off();
      return;
    }
    void this.#read(send).finally(off);
  }

  async #read(
    send: (o: Dispatcher.DispatchOptions, s: AbortSignal) => Promise<Response>,
  ): Promise<void> {
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    try {
      const res = await send(this.#options, this.#ac.signal);
      if (this.aborted) {
        void res.body?.cancel().catch(() => undefined);
        return;
      }
      this.#handler.onResponseStart?.(this, res.status, headersOf(res.headers), res.statusText);
      reader = res.body?.getReader();
      for (;;) {
        if (!reader || this.aborted) break;
        while (this.#paused && !this.aborted) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          this.#wake = undefined;
        }
        if (this.aborted) break;
        const { done, value } = await reader.read();
        if (done || this.aborted) break;
        this.#handler.onResponseData?.(this, chunkOf(value));
      }
      if (this.aborted) {
        void reader?.cancel().catch(() => undefined);
        return;
      }
      if (!this.#ended) {
        this.#ended = true;
        this.#handler.onResponseEnd?.(this, {});
      }
    } catch (err) {
      if (this.aborted) return;
      this.#error(networkError(err));
    }
  }
}
