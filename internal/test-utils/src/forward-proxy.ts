// A forward proxy for tests, as a company network has: absolute-URI requests (http://) and CONNECT
// tunnels (https://, the TLS stays end to end), optionally demanding Proxy-Authorization, and
// counting what it carries. Also a TLS terminator to put a private-CA certificate in front of a
// plain HTTP server (the emulator).
import { createServer, type IncomingMessage, request } from "node:http";
import { connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { createServer as createTlsServer } from "node:tls";

/** A running forward proxy. */
export interface ForwardProxy {
  /** `http://127.0.0.1:<port>` (no credentials). */
  url: string;
  /** With credentials: `http://user:password@127.0.0.1:<port>` (URL-encoded). */
  urlWith(user: string, password: string): string;
  /** What it carried, in order: `CONNECT host:port` or `GET http://host:port/path`. */
  carried: string[];
  /** Requests it refused with 407. */
  refused: number;
  /** Every Proxy-Authorization header it received. */
  authorizations: string[];
  /**
   * Refuses with 407 from now on every request (`true`: its password changed; the connections and
   * tunnels open are cut, as a restarted proxy does), those a predicate picks (on what `carried`
   * lists: `POST http://host:port/path`, `CONNECT host:port`), or none again (`false`).
   */
  refusing(which: boolean | ((request: string) => boolean)): void;
  close(): Promise<void>;
}

/**
 * Starts a forward proxy on 127.0.0.1; with `auth` ("user:password") it demands those credentials.
 * `offers`: the `Proxy-Authenticate` values its 407 carries (default `Basic realm="test"`); a proxy
 * offering only `NTLM` and `Negotiate` (a Windows domain's) refuses every request, as it would
 * refuse anything but its own handshake.
 */
export async function forwardProxy(
  options: { auth?: string; offers?: string[] } = {},
): Promise<ForwardProxy> {
  const offers = options.offers ?? ['Basic realm="test"'];
  const basic = offers.some((o) => /^basic\b/i.test(o));
  const carried: string[] = [];
  const authorizations: string[] = [];
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  };
  const expected =
    options.auth === undefined
      ? undefined
      : `Basic ${Buffer.from(options.auth).toString("base64")}`;
  let refused = 0;
  let refuse: boolean | ((request: string) => boolean) = false;
  const allowed = (req: IncomingMessage): boolean => {
    const got = req.headers["proxy-authorization"];
    if (got !== undefined) authorizations.push(got);
    const line = `${req.method} ${(req.url ?? "").split("?")[0]}`;
    const denied = (typeof refuse === "function" ? refuse(line) : refuse) || !basic;
    if (!denied && (expected === undefined || got === expected)) return true;
    refused++;
    return false;
  };
  const server = createServer((req, res) => {
    if (!allowed(req)) {
      res.writeHead(407, { "proxy-authenticate": offers }).end();
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end("absolute URI expected");
      return;
    }
    carried.push(`${req.method} ${target.origin}${target.pathname}`);
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    delete headers["proxy-connection"];
    const out = request(
      {
        host: target.hostname,
        port: target.port || 80,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on("error", () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(out);
  });
  server.on("connection", track);
  server.on("connect", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on("error", () => undefined);
    if (!allowed(req)) {
      socket.end(
        `HTTP/1.1 407 Proxy Authentication Required\r\n${offers.map((o) => `Proxy-Authenticate: ${o}\r\n`).join("")}Content-Length: 0\r\n\r\n`,
      );
      return;
    }
    carried.push(`CONNECT ${req.url}`);
    const m = /^\[?(.+?)\]?:(\d+)$/.exec(req.url ?? "");
    if (!m) {
      socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      return;
    }
    const upstream = connect(Number(m[2]), m[1]!, () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    track(upstream);
    upstream.on("error", () => socket.end("HTTP/1.1 502 Bad Gateway\r\n\r\n"));
    socket.once("close", () => upstream.destroy());
    upstream.once("close", () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    urlWith: (user, password) =>
      `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    carried,
    get refused() {
      return refused;
    },
    authorizations,
    refusing(which) {
      refuse = which;
      if (which === true) for (const s of sockets) s.destroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TLS terminator on 127.0.0.1 in front of `target` (a plain HTTP base URL). */
export interface TlsFront {
  /** `https://localhost:<port>`. */
  url: string;
  /** When each TCP connection was accepted (`performance.now()`), in order. */
  accepted: number[];
  /** Presents `cert` from now on (a renewal, or a certificate that expired): open connections are cut. */
  use(cert: { certPem: string; keyPem: string }): void;
  close(): Promise<void>;
}

/**
 * Puts TLS (`certPem` / `keyPem`, e.g. from `makeTestCa`; `certPem` may hold a chain) in front of
 * `target`.
 */
export async function tlsFront(
  target: string,
  cert: { certPem: string; keyPem: string },
): Promise<TlsFront> {
  const to = new URL(target);
  const accepted: number[] = [];
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  };
  const server = createTlsServer({ key: cert.keyPem, cert: cert.certPem }, (tls) => {
    track(tls);
    const plain = connect(Number(to.port), to.hostname);
    track(plain);
    tls.on("error", () => plain.destroy());
    plain.on("error", () => tls.destroy());
    tls.pipe(plain).pipe(tls);
  });
  server.on("connection", () => accepted.push(performance.now()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `https://localhost:${(server.address() as AddressInfo).port}`,
    accepted,
    use(next) {
      server.setSecureContext({ key: next.keyPem, cert: next.certPem });
      for (const s of sockets) s.destroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
