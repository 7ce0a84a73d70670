// Forward proxies. Every outbound connection of the SDK's own pools goes through the proxy the
// environment names, as curl, npm and Python's requests read it: HTTPS_PROXY for https URLs
// (falling back to HTTP_PROXY, as npm and undici's EnvHttpProxyAgent do), HTTP_PROXY for http
// URLs, NO_PROXY for the hosts reached directly; lower case wins over upper case, as in curl. An
// explicit `proxy` option (a URL, or `false`) wins over the environment. The connections
// themselves are undici's `ProxyAgent` (https: a CONNECT tunnel, TLS end to end to the platform;
// http: absolute-URI requests); this file only chooses the agent per origin and names the proxy
// (never its credentials) when a request through it fails.
import type { Agent, Dispatcher, ProxyAgent } from "undici";
import type * as Undici from "undici";
import { envVar } from "../runtime/index.js";
import { MoleculeError } from "./errors.js";
import { ProxyAuth } from "./proxy-auth.js";
import { proxyAuthFix } from "./proxy-schemes.js";
import { tlsFailure } from "./tls-errors.js";

/** A proxy URL (`http://[user:password@]host:port`), or `false` for none whatever the environment. */
export type ProxyOption = string | URL | false;

/** A proxy as messages name it: never its credentials. */
export interface ProxyInfo {
  /** The proxy's URL without credentials: `http://proxy.example:3128`. */
  readonly shown: string;
  /** Where it came from: `HTTPS_PROXY`, `http_proxy`, ..., or `the proxy option`. */
  readonly from: string;
  /** The schemes its last 407 offered in `Proxy-Authenticate` (`["NTLM", "Negotiate"]`). */
  readonly schemes?: readonly string[] | undefined;
}

/** The proxy one origin goes through. */
export interface ProxyChoice extends ProxyInfo {
  /** The proxy's URL, credentials included (only ever given to undici). */
  readonly uri: string;
}

interface NoProxyEntry {
  host: string;
  port: number;
  /** `*.example.com`: subdomains only. */
  wildcard: boolean;
}

const DEFAULT_PORTS: Record<string, number> = { "http:": 80, "https:": 443 };

/** A proxy URL without its credentials, query or path: `http://host:port`. */
function showProxy(uri: string): string {
  try {
    const u = new URL(uri);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "<unparsable proxy URL>";
  }
}

function choice(uri: string | undefined, from: string): ProxyChoice | undefined {
  const raw = uri?.trim();
  if (!raw) return undefined;
  // `host:port` without a scheme (curl and requests accept it): http://.
  const full = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(full);
  } catch {
    throw new MoleculeError(
      `${from} is not a URL (it must look like http://host:port or http://user:password@host:port)`,
      { code: "invalid_argument" },
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new MoleculeError(
      `${from} uses ${url.protocol}, which the SDK does not speak to a proxy: use an http:// (or https://) proxy URL`,
      { code: "invalid_argument" },
    );
  }
  return { uri: full, shown: showProxy(full), from };
}

function parseNoProxy(value: string): NoProxyEntry[] {
  const out: NoProxyEntry[] = [];
  for (const entry of value.split(/[,\s]+/)) {
    if (!entry) continue;
    let host = entry;
    let port = 0;
    const v6 = /^\[(.+)\](?::(\d+))?$/.exec(entry);
    if (v6) {
      host = v6[1]!;
      port = v6[2] ? Number(v6[2]) : 0;
    } else if ((entry.match(/:/g) ?? []).length === 1) {
      const m = /^(.+):(\d+)$/.exec(entry);
      if (m) {
        host = m[1]!;
        port = Number(m[2]);
      }
    }
    out.push({
      host: host
        .replace(/^\*?\./, "")
        .replace(/^(.+)\.$/, "$1")
        .toLowerCase(),
      port,
      wildcard: entry.startsWith("*") && entry !== "*",
    });
  }
  return out;
}

/** The first set variable of `names`, with its name. */
function fromEnv(...names: string[]): ProxyChoice | undefined {
  for (const name of names) {
    const value = envVar(name);
    if (value !== undefined && value.trim() !== "") return choice(value, name);
  }
  return undefined;
}

/** Which proxy each origin goes through: resolved once from the option or the environment. */
export class ProxySettings {
  readonly #http: ProxyChoice | undefined;
  readonly #https: ProxyChoice | undefined;
  readonly #noProxy: NoProxyEntry[];
  /** Equal for equal settings: the SDK's pools are shared per key. */
  readonly key: string;

  constructor(option?: ProxyOption) {
    const noProxy =
      option === false
        ? ""
        : ([envVar("no_proxy"), envVar("NO_PROXY")].find((v) => v?.trim()) ?? "");
    if (option === false) {
      this.#http = this.#https = undefined;
    } else if (option !== undefined) {
      this.#http = this.#https = choice(String(option), "the proxy option");
    } else {
      this.#http = fromEnv("http_proxy", "HTTP_PROXY");
      this.#https = fromEnv("https_proxy", "HTTPS_PROXY") ?? this.#http;
    }
    this.#noProxy = parseNoProxy(noProxy);
    this.key =
      this.#http === undefined && this.#https === undefined
        ? ""
        : JSON.stringify([
            [this.#http?.uri, this.#http?.from],
            [this.#https?.uri, this.#https?.from],
            noProxy,
          ]);
  }

  /** Whether any origin goes through a proxy. */
  get any(): boolean {
    return this.key !== "";
  }

  /** The proxy `origin` goes through, or `undefined` (none set, or NO_PROXY lists it). */
  for(origin: string | URL): ProxyChoice | undefined {
    if (!this.any) return undefined;
    const url = typeof origin === "string" ? new URL(origin) : origin;
    const proxy = url.protocol === "https:" ? this.#https : this.#http;
    if (proxy === undefined) return undefined;
    const host = url.hostname
      .replace(/^\[(.+)\]$/, "$1")
      .replace(/^(.+)\.$/, "$1")
      .toLowerCase();
    const port = Number(url.port) || DEFAULT_PORTS[url.protocol] || 0;
    for (const e of this.#noProxy) {
      if (e.port && e.port !== port) continue;
      if (e.host === "*") return undefined;
      if (!e.wildcard && host === e.host) return undefined;
      if (host.endsWith(`.${e.host}`)) return undefined;
    }
    return proxy;
  }
}

/** The settings of `option` (`undefined`: the environment's). */
export function proxySettings(option?: ProxyOption): ProxySettings {
  return new ProxySettings(option);
}

/**
 * The proxy requests to `url` go through by default (the environment's), without credentials:
 * `{ shown: "http://proxy:3128", from: "HTTPS_PROXY" }`; `undefined` when they go direct.
 */
export function proxyFor(url: string, option?: ProxyOption): ProxyInfo | undefined {
  const c = new ProxySettings(option).for(url);
  return c && { shown: c.shown, from: c.from };
}

const PROXIED = Symbol("molecule.proxy");

/**
 * Marks `err` as the failure of a request through `proxy` (non-enumerable: never serialised), with
 * the schemes it offered (`auth`).
 */
function mark(err: unknown, proxy: ProxyChoice, auth: ProxyAuth | undefined): unknown {
  if (err !== null && typeof err === "object" && !(PROXIED in err)) {
    const schemes = auth?.schemes;
    Object.defineProperty(err, PROXIED, {
      value: { shown: proxy.shown, from: proxy.from, ...(schemes ? { schemes } : {}) },
      enumerable: false,
    });
  }
  return err;
}

/** The proxy a failed request went through (on `err` or its causes), without credentials. */
export function proxyOfError(err: unknown): ProxyInfo | undefined {
  let e: unknown = err;
  for (let i = 0; i < 6 && e !== null && typeof e === "object"; i++) {
    const p = (e as { [PROXIED]?: ProxyInfo })[PROXIED];
    if (p !== undefined) return p;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function codeOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e !== null && typeof e === "object"; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR_ABORTED" && code !== "UND_ERR_INVALID_ARG")
      return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The status a proxy refused a request with (a CONNECT's answer, or a 407), if it did. */
export function refusalStatus(err: unknown): number | undefined {
  const msg = (err as Error | undefined)?.message ?? "";
  const m =
    /Proxy response \((\d{3})\)/.exec(msg) ?? /Proxy Authentication Required \((407)\)/.exec(msg);
  return m ? Number(m[1]) : undefined;
}

/**
 * The typed error of a request to `origin` that failed on its way through a proxy, or `undefined`
 * when it did not go through one. The proxy is named without its credentials.
 * - the proxy refused (407: its credentials; another 4xx: its policy): code `proxy_refused`;
 * - it could not reach the platform (a 5xx to CONNECT), or did not answer: `connection_failed`;
 * - the platform's certificate failed (through the tunnel): the TLS error of tls-errors.ts
 *   (`tls_untrusted`, `tls_hostname`, `tls_expired`, ...), naming the proxy.
 */
export function proxyFailure(err: unknown, origin: string): MoleculeError | undefined {
  const proxy = proxyOfError(err);
  if (proxy === undefined) return undefined;
  const via = `the proxy ${proxy.shown} (${proxy.from})`;
  const status = refusalStatus(err);
  if (status === 407) {
    const offered = proxy.schemes?.length ? ` (it offers ${proxy.schemes.join(", ")})` : "";
    return new MoleculeError(
      `${via} refused the request to ${origin}: 407 Proxy Authentication Required${offered}; ${proxyAuthFix(proxy.schemes, proxy.from)}`,
      { code: "proxy_refused", status, retryable: false, cause: err },
    );
  }
  if (status !== undefined && status < 500) {
    return new MoleculeError(
      `${via} refused to connect to ${origin} (${status}): its policy does not allow this host; ask its administrator to allow it, or list the host in NO_PROXY if it is reachable directly`,
      { code: "proxy_refused", status, retryable: false, cause: err },
    );
  }
  if (status !== undefined) {
    return new MoleculeError(
      `could not reach the platform at ${origin} through ${via}: the proxy answered ${status} (it could not reach the platform); check MOLECULE_PLATFORM_URL, or list the platform's host in NO_PROXY if it is reachable directly`,
      { code: "connection_failed", status, retryable: true, cause: err },
    );
  }
  const tls = tlsFailure(err, origin, via);
  if (tls !== undefined) return tls;
  const code = codeOf(err);
  return new MoleculeError(
    `could not reach the platform at ${origin} through ${via} (${code ?? (err as Error)?.name ?? "error"}): check that the proxy is running and ${proxy.from} names it, or list the platform's host in NO_PROXY if it is reachable directly`,
    { code: "connection_failed", retryable: code !== "ENOTFOUND", cause: err },
  );
}

type Handler = Dispatcher.DispatchHandler;

/** `handler` with its errors marked as the failures of a request through `proxy`. */
function marking(handler: Handler, proxy: ProxyChoice, auth: ProxyAuth | undefined): Handler {
  return {
    onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
    onRequestUpgrade: (c, s, h, sock) => handler.onRequestUpgrade?.(c, s, h, sock),
    onResponseStart: (c, s, h, m) => handler.onResponseStart?.(c, s, h, m),
    onResponseData: (c, d) => handler.onResponseData?.(c, d),
    onResponseEnd: (c, t) => handler.onResponseEnd?.(c, t),
    onResponseError: (c, e) => handler.onResponseError?.(c, mark(e, proxy, auth) as Error),
  };
}

/**
 * Checks a proxied request's final target (never the proxy) before it is sent: the address
 * guards of webhooks and remote A2A agents. Rejects to refuse.
 */
export type TargetCheck = (target: URL) => Promise<void>;

/**
 * undici's `Agent` surface (`request`, `dispatch`, `close`) over one direct `Agent` and one
 * `ProxyAgent` per proxy, chosen per origin by `settings`. Every agent gets `options` (connection
 * limits and keep-alive included), so a pool keeps its budget whether its origin is proxied.
 */
export class ProxyRouter {
  readonly #undici: Pick<typeof Undici, "Agent" | "ProxyAgent" | "Pool">;
  readonly #options: Agent.Options;
  readonly #settings: ProxySettings;
  readonly #check: TargetCheck | undefined;
  #direct: Dispatcher | undefined;
  readonly #proxies = new Map<string, ProxyAgent>();
  /** Each proxy's credentials (sent only once it offered Basic), by its URL. */
  readonly #auths = new Map<string, ProxyAuth>();
  #closed = false;

  constructor(
    undici: Pick<typeof Undici, "Agent" | "ProxyAgent" | "Pool">,
    options: Agent.Options,
    settings: ProxySettings,
    direct?: Dispatcher,
    check?: TargetCheck,
  ) {
    this.#undici = undici;
    this.#options = options;
    this.#settings = settings;
    this.#direct = direct;
    this.#check = check;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get destroyed(): boolean {
    return false;
  }

  #agent(proxy: ProxyChoice | undefined): Dispatcher {
    if (proxy === undefined) return (this.#direct ??= new this.#undici.Agent(this.#options));
    let agent = this.#proxies.get(proxy.uri);
    if (agent === undefined) {
      const auth = this.#auth(proxy);
      const { Pool } = this.#undici;
      agent = new this.#undici.ProxyAgent({
        ...this.#options,
        uri: auth.uri,
        clientFactory: auth.clientFactory(Pool),
        factory: auth.factory(Pool),
      });
      this.#proxies.set(proxy.uri, agent);
    }
    return agent;
  }

  #auth(proxy: ProxyChoice): ProxyAuth {
    let auth = this.#auths.get(proxy.uri);
    if (auth === undefined) this.#auths.set(proxy.uri, (auth = new ProxyAuth(proxy.uri)));
    return auth;
  }

  async request(options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
    const proxy = this.#settings.for(options.origin as string | URL);
    if (proxy === undefined) return await this.#agent(undefined).request(options);
    if (this.#check) await this.#check(new URL(options.origin as string | URL));
    try {
      return await this.#agent(proxy).request(options);
    } catch (err) {
      throw mark(err, proxy, this.#auths.get(proxy.uri));
    }
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Handler): boolean {
    const proxy = this.#settings.for(options.origin as string | URL);
    if (proxy === undefined) return this.#agent(undefined).dispatch(options, handler);
    const agent = this.#agent(proxy);
    const marked = marking(handler, proxy, this.#auths.get(proxy.uri));
    if (this.#check === undefined) return agent.dispatch(options, marked);
    this.#check(new URL(options.origin as string | URL)).then(
      () => void agent.dispatch(options, marked),
      // The guard's refusal is not the proxy's failure: unmarked.
      (err: unknown) => handler.onResponseError?.(undefined as never, err as Error),
    );
    return true;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([
      this.#direct?.close(),
      ...[...this.#proxies.values()].map((a) => a.close()),
    ]);
  }
}
