// What answers in front of a platform when the platform behind it is down: a reverse proxy or load
// balancer serving its own error pages (nginx's 502 and 503, Cloudflare's 522), as HTML, on
// 127.0.0.1. In front of nothing it answers every request with the page; in front of an upstream
// (the emulator) it forwards until `failing(...)` says which requests get the page instead.
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** nginx's stock 502 page (as `proxy_pass` serves it when the upstream refuses). */
export const NGINX_502 = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx/1.25.3</center>
</body>
</html>
`;

/** nginx's stock 503 page (as `limit_req` or a `return 503` serves it). */
export const NGINX_503 = `<html>
<head><title>503 Service Temporarily Unavailable</title></head>
<body>
<center><h1>503 Service Temporarily Unavailable</h1></center>
<hr><center>nginx</center>
</body>
</html>
`;

/** The shape of Cloudflare's 522 page (the origin did not answer its connection), shortened. */
export const CLOUDFLARE_522 = `<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<!--[if gt IE 8]><!--> <html class="no-js" lang="en-US"> <!--<![endif]-->
<head>
<title>acme.moleculesai.app | 522: Connection timed out</title>
<meta charset="UTF-8" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta http-equiv="X-UA-Compatible" content="IE=Edge" />
<meta name="robots" content="noindex, nofollow" />
<meta name="viewport" content="width=device-width,initial-scale=1" />
<link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/main.css" />
</head>
<body>
<div id="cf-wrapper">
  <div id="cf-error-details" class="p-0">
    <header class="mx-auto pt-10 lg:pt-6 lg:px-8 w-240 lg:w-full mb-8">
      <h1 class="inline-block sm:block sm:mb-2 font-light text-60 lg:text-4xl text-black-dark leading-tight mr-2">
        <span class="inline-block">Connection timed out</span>
        <span class="code-label">Error code 522</span>
      </h1>
      <div>Visit <a href="https://www.cloudflare.com/5xx-error-landing?utm_source=errorcode_522&utm_campaign=acme.moleculesai.app" target="_blank" rel="noopener noreferrer">cloudflare.com</a> for more information.</div>
      <div class="mt-3">2026-11-27 11:30:00 UTC</div>
    </header>
    <div class="cf-error-footer cf-wrapper w-240 lg:w-full py-10 sm:py-4 sm:px-8 mx-auto text-center sm:text-left border-solid border-0 border-t border-gray-300">
      <p class="text-13">
        <span class="cf-footer-item sm:block sm:mb-1">Cloudflare Ray ID: <strong class="font-semibold">8e9f1a2b3c4d5e6f</strong></span>
      </p>
    </div>
  </div>
</div>
</body>
</html>
`;

/** nginx's stock 413 page (a body over `client_max_body_size`). */
export const NGINX_413 = `<html>
<head><title>413 Request Entity Too Large</title></head>
<body>
<center><h1>413 Request Entity Too Large</h1></center>
<hr><center>nginx</center>
</body>
</html>
`;

/** The shape of a web application firewall's block page (Cloudflare's WAF, 403), shortened. */
export const WAF_403 = `<!DOCTYPE html>
<html lang="en-US">
<head>
<title>Attention Required! | Cloudflare</title>
<meta charset="UTF-8" />
</head>
<body>
<div id="cf-wrapper">
  <h1 data-translate="block_headline">Sorry, you have been blocked</h1>
  <h2 class="cf-subheadline">You are unable to access acme.moleculesai.app</h2>
  <p>This website is using a security service to protect itself from online attacks.</p>
  <span class="cf-footer-item">Cloudflare Ray ID: <strong>8e9f1a2b3c4d5e70</strong></span>
</div>
</body>
</html>
`;

/** One of the pages a front answers with. */
export interface FrontPage {
  status: number;
  /** `content-type` it is sent with. */
  type: string;
  body: string;
  /** Other headers it is sent with (`location`, `set-cookie`, `www-authenticate`). */
  headers?: Record<string, string>;
}

/** The pages by name, as the fronts serve them. */
export const FRONT_PAGES = {
  "nginx 502": { status: 502, type: "text/html", body: NGINX_502 },
  "nginx 503": { status: 503, type: "text/html", body: NGINX_503 },
  "cloudflare 522": { status: 522, type: "text/html; charset=UTF-8", body: CLOUDFLARE_522 },
} as const satisfies Record<string, FrontPage>;

/** A front's pages of a 4xx status (a refusal that is not the platform's), by name. */
export const FRONT_REFUSAL_PAGES = {
  "waf 403": { status: 403, type: "text/html; charset=UTF-8", body: WAF_403 },
  "nginx 413": { status: 413, type: "text/html", body: NGINX_413 },
} as const satisfies Record<string, FrontPage>;

/** An identity-aware proxy's sign-in page (oauth2-proxy's, shortened). */
export const SIGN_IN_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><title>Sign In</title></head>
<body><form method="GET" action="/oauth2/start"><button type="submit">Sign in with Corp SSO</button></form></body>
</html>
`;

/**
 * What an identity-aware proxy (oauth2-proxy, Cloudflare Access, an ALB with OIDC) answers once
 * its session expired: a redirect to its sign-in page with a cookie, or the page itself as a 401.
 */
export const SIGN_IN_PAGES = {
  "sign-in 302": {
    status: 302,
    type: "text/html; charset=utf-8",
    body: '<a href="https://sso.corp.example/oauth2/start">Found</a>.\n',
    headers: {
      location: "https://sso.corp.example/oauth2/start?rd=%2Fregistry%2Fheartbeat",
      "set-cookie": "_oauth2_proxy_csrf=abc123; Path=/; HttpOnly; Secure",
    },
  },
  "sign-in 401": {
    status: 401,
    type: "text/html; charset=utf-8",
    body: SIGN_IN_PAGE,
    headers: { "www-authenticate": 'Bearer realm="corp"' },
  },
} as const satisfies Record<string, FrontPage>;

/** A running front. */
export interface ErrorFront {
  /** `http://127.0.0.1:<port>`: give it as the platform's URL. */
  url: string;
  /** Requests it answered with its page (`METHOD /path`), in order. */
  paged: string[];
  /**
   * In front of an upstream: which requests get the page from now on (`true`: all, a predicate
   * on `METHOD /path`, `false`: none, the default). In front of nothing every request does.
   */
  failing(which: boolean | ((request: string) => boolean)): void;
  close(): Promise<void>;
}

/**
 * Starts a front on 127.0.0.1 answering `page` (default nginx's 502). With `upstream` (a base URL)
 * it forwards every request there, bodies and all, until {@link ErrorFront.failing} says otherwise.
 * `answer` takes the requests it wants first (an event stream that never ends a line, a trickle).
 */
export async function errorFront(
  options: {
    page?: FrontPage;
    upstream?: string;
    /** Answers a request itself instead (returns true when it did), before anything else. */
    answer?: (req: IncomingMessage, res: ServerResponse) => boolean;
  } = {},
): Promise<ErrorFront> {
  const page: FrontPage = options.page ?? FRONT_PAGES["nginx 502"];
  const upstream = options.upstream === undefined ? undefined : new URL(options.upstream);
  let which: boolean | ((request: string) => boolean) = upstream === undefined;
  const paged: string[] = [];
  const sockets = new Set<Socket>();
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    if (options.answer?.(req, res)) return;
    const line = `${req.method} ${(req.url ?? "/").split("?")[0]}`;
    const fail = typeof which === "function" ? which(line) : which;
    if (fail || upstream === undefined) {
      paged.push(line);
      req.resume();
      res
        .writeHead(page.status, {
          ...page.headers,
          "content-type": page.type,
          "content-length": Buffer.byteLength(page.body),
          server: "nginx/1.25.3",
        })
        .end(page.body);
      return;
    }
    const headers = { ...req.headers, host: upstream.host };
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    res.on("close", () => out.destroy());
    req.pipe(out);
  };
  const server = createServer(answer);
  server.on("connection", (s) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    paged,
    failing(w) {
      which = w;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
