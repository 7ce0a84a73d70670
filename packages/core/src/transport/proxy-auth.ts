// A forward proxy's credentials (the user and password in its URL), sent as Basic only to a proxy
// that offered Basic: the first request goes without them, and a 407 whose `Proxy-Authenticate`
// offers Basic (or names no scheme) is answered at once with them, then they go with every request.
// A proxy that offers only NTLM, Negotiate or Kerberos never gets them (a domain password sent as
// Basic); its schemes are kept for the line that says what to run instead (proxy-schemes.ts).
import type { Dispatcher, Pool } from "undici";
import { basicRefused, offeredSchemes } from "./proxy-schemes.js";

type Handler = Dispatcher.DispatchHandler;
type PoolClass = new (url: string | URL, options?: Pool.Options) => Pool;
type Connect = (options: Dispatcher.ConnectOptions) => Promise<Dispatcher.ConnectData>;
type Dispatch = (options: Dispatcher.DispatchOptions, handler: Handler) => boolean;

/** undici's internal dispatch method of `pool` (the symbol named `dispatch` on its prototypes). */
function dispatchKey(pool: object): symbol | undefined {
  for (let p = Object.getPrototypeOf(pool); p !== null; p = Object.getPrototypeOf(p)) {
    const key = Object.getOwnPropertySymbols(p).find((k) => k.description === "dispatch");
    if (key !== undefined) return key;
  }
  return undefined;
}

const HEADER = "proxy-authorization";

/** `options` with the headers its request goes with now (credentials, or none). */
function withHeaders<T extends { headers?: unknown }>(options: T, auth: string | undefined): T {
  const headers = { ...(options.headers as Record<string, string> | undefined) };
  delete headers[HEADER];
  if (auth !== undefined) headers[HEADER] = auth;
  return { ...options, headers };
}

/** One proxy's credentials and what it offered. */
export class ProxyAuth {
  /** `Basic <base64>`, or `undefined` when its URL holds none. */
  readonly #basic: string | undefined;
  /** Whether it offered Basic (its credentials go with every request from then on). */
  #takesBasic = false;
  /** The schemes its last 407 offered. */
  #schemes: string[] | undefined;
  /** The proxy's URL without credentials: what undici is given. */
  readonly uri: string;

  constructor(uri: string) {
    const url = new URL(uri);
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    this.#basic =
      user || password
        ? `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`
        : undefined;
    url.username = "";
    url.password = "";
    this.uri = url.href;
  }

  /** The schemes the proxy's last 407 offered (`undefined` before one). */
  get schemes(): readonly string[] | undefined {
    return this.#schemes;
  }

  /** The credentials to send now. */
  #auth(): string | undefined {
    return this.#takesBasic ? this.#basic : undefined;
  }

  /**
   * Reads a 407's `Proxy-Authenticate` to a request sent with `sent` (its credentials, if any):
   * true when it should go again with the credentials (it offered Basic or named nothing, they
   * exist, and this request went without them: another may have sent them since).
   */
  #refused(header: string | string[] | undefined, sent: string | undefined): boolean {
    this.#schemes = offeredSchemes(header);
    if (this.#basic === undefined || sent !== undefined || basicRefused(this.#schemes))
      return false;
    this.#takesBasic = true;
    return true;
  }

  /** undici's `clientFactory` (the CONNECT tunnels' client): each CONNECT goes as said above. */
  clientFactory(Pool: PoolClass): (url: URL, options: Pool.Options) => Dispatcher {
    return (url, options) => {
      const pool = new Pool(url, options);
      const connect = pool.connect.bind(pool) as Connect;
      const tunnel = async (o: Dispatcher.ConnectOptions): Promise<Dispatcher.ConnectData> => {
        const sent = this.#auth();
        const data = await connect(withHeaders(o, sent));
        if (data.statusCode !== 407 || !this.#refused(data.headers["proxy-authenticate"], sent))
          return data;
        data.socket.destroy();
        return await connect(withHeaders(o, this.#auth()));
      };
      (pool as { connect: unknown }).connect = tunnel;
      return pool;
    };
  }

  /** undici's `factory` (the absolute-URI requests' pool): each request goes as said above. */
  factory(Pool: PoolClass): (origin: string, options: Pool.Options) => Dispatcher {
    return (origin, options) => {
      const pool = new Pool(origin, options);
      // undici's proxy wrapper calls the pool's internal dispatch (its `kDispatch` symbol).
      const key = dispatchKey(pool);
      if (key === undefined) return pool;
      const target = pool as unknown as Record<symbol, Dispatch>;
      const dispatch = target[key]!.bind(pool);
      target[key] = (o, h) => {
        const sent = this.#auth();
        return dispatch(withHeaders(o, sent), this.#answering(o, h, sent, dispatch));
      };
      return pool;
    };
  }

  /** `handler`, but a 407 that offers Basic is not passed on: the request goes again with it. */
  #answering(
    options: Dispatcher.DispatchOptions,
    handler: Handler,
    sent: string | undefined,
    dispatch: Dispatch,
  ): Handler {
    let again = false;
    return {
      onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
      onRequestUpgrade: (c, s, h, sock) => handler.onRequestUpgrade?.(c, s, h, sock),
      onResponseStart: (c, status, headers, message) => {
        if (status === 407 && this.#refused(headers["proxy-authenticate"], sent)) again = true;
        else handler.onResponseStart?.(c, status, headers, message);
      },
      onResponseData: (c, d) => {
        if (!again) handler.onResponseData?.(c, d);
      },
      onResponseEnd: (c, t) => {
        if (again) dispatch(withHeaders(options, this.#auth()), handler);
        else handler.onResponseEnd?.(c, t);
      },
      onResponseError: (c, e) => handler.onResponseError?.(c, e),
    };
  }
}
