// The one table of "the platform refused this write" against "the path to it failed"
// (transport/path-failure.ts), on the errors the transport really builds, and the path warnings'
// minute (events/path-warnings.ts) on a clock the test moves: one line per cause when it begins, at
// most one reminder a minute, one line when the path is back.
import { describe, expect, it } from "vitest";
import { MoleculeError } from "../src/index.js";
import { httpError } from "../src/platform/http-errors.js";
import { isPlatformAnswer, pathFailureOf, platformRefused } from "../src/transport/index.js";
import { answerPath, peerAnswerPath } from "../src/transport/path-failure.js";
import { offeredSchemes } from "../src/transport/proxy-schemes.js";
import { PathWarnings } from "../src/events/index.js";

/** The error the client builds for a platform answer `status` with `body`. */
function answered(status: number, body: unknown, type = "application/json"): MoleculeError {
  return httpError({ status, headers: { "content-type": type }, body }, "notify", []);
}

/** A connection failure as http.ts wraps Node's error. */
function unreachable(code: string, hostname?: string): MoleculeError {
  const cause = Object.assign(new Error(`getaddrinfo ${code}`), { code, hostname });
  return new MoleculeError("could not reach the platform", {
    code: "connection_failed",
    retryable: false,
    cause,
  });
}

const PAGE = "<html><head><title>403 Forbidden</title></head><body>blocked</body></html>";

describe("the platform said no, or the path failed", () => {
  it.each([
    ["its JSON refusal (403)", answered(403, { error: "access denied" })],
    ["its JSON refusal with a code (422)", answered(422, { code: "X", error: "y" })],
    ["gin's 404 text", answered(404, "404 page not found", "text/plain")],
    ["a tenant's bare 404", answered(404, "")],
    ["its JSON 401", answered(401, { error: "invalid workspace auth token" })],
  ])("%s is the platform's own refusal", (_, err) => {
    expect(pathFailureOf(err)).toBeUndefined();
    expect(platformRefused(err)).toBe(true);
  });

  it("the platform's JSON 5xx is its own, and not a refusal (retryable)", () => {
    const err = answered(500, { error: "failed to update" });
    expect(pathFailureOf(err)).toBeUndefined();
    expect(platformRefused(err)).toBe(false);
  });

  it.each([
    ["a WAF's 403 page", answered(403, PAGE, "text/html"), "front", /^403 \(page title "403/],
    ["nginx's 413 page", answered(413, PAGE.replace(/403/g, "413"), "text/html"), "front", /413/],
    ["an identity proxy's empty 401", answered(401, ""), "front", /^401$/],
    ["a load balancer's 502 page", answered(502, PAGE, "text/html"), "front", /^502/],
    ["a proxy's 407", answered(407, ""), "proxy", /407/],
    ["ENOTFOUND", unreachable("ENOTFOUND", "p.example"), "resolver", /^ENOTFOUND p\.example$/],
    ["EAI_AGAIN", unreachable("EAI_AGAIN"), "resolver", /^EAI_AGAIN$/],
    ["ENODATA", unreachable("ENODATA"), "resolver", /^ENODATA$/],
    ["a reset", unreachable("ECONNRESET"), "connection", /^ECONNRESET$/],
    ["a refused connection", unreachable("ECONNREFUSED"), "connection", /^ECONNREFUSED$/],
    [
      "an expired certificate",
      new MoleculeError("x", {
        code: "tls_expired",
        cause: Object.assign(new Error("certificate has expired"), { code: "CERT_HAS_EXPIRED" }),
      }),
      "certificate",
      /^tls_expired \(CERT_HAS_EXPIRED\)$/,
    ],
  ])("%s is the path's", (_, err, cause, detail) => {
    const failure = pathFailureOf(err);
    expect(failure?.cause).toBe(cause);
    expect(failure?.detail).toMatch(detail);
    expect(platformRefused(err)).toBe(false);
  });

  it("no request's failure (a bug, a timeout, a plain value) is neither", () => {
    expect(pathFailureOf(new TypeError("x is undefined"))).toBeUndefined();
    expect(pathFailureOf(new MoleculeError("t", { code: "timeout", retryable: true }))).toBe(
      undefined,
    );
    expect(pathFailureOf("boom")).toBeUndefined();
    expect(platformRefused(new TypeError("x"))).toBe(false);
  });

  it("an error with a status but no answer's body (a custom client's) is taken at its word", () => {
    const err = Object.assign(new Error("400 bad request"), { status: 400, retryable: false });
    expect(pathFailureOf(err)).toBeUndefined();
    expect(platformRefused(err)).toBe(true);
  });

  it("a 407 is never the platform's answer, whatever its body", () => {
    expect(isPlatformAnswer(407, { error: "x" })).toBe(false);
    expect(isPlatformAnswer(400, { error: "x" })).toBe(true);
    expect(isPlatformAnswer(400, "<html></html>")).toBe(false);
  });
});

/** A response as the transport reads it. */
const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body,
});

describe("who answered, judged once for every status (answerPath)", () => {
  const proxy = { shown: "http://proxy.corp:3128", from: "HTTP_PROXY" };
  it.each([
    ["a success", reply(200, "<html>ok</html>")],
    ["its JSON 401", reply(401, { error: "invalid workspace auth token" })],
    ["a peer's 302 its proxy relays in JSON", reply(302, { error: "Found" })],
    ["its JSON 5xx through a proxy, with Via", reply(502, { error: "x" }, { via: "1.1 squid" })],
    ["gin's bare 500 (a handler's panic)", reply(500, "")],
  ])("%s is the platform's", (_, res) => {
    expect(answerPath(res, proxy)).toBeUndefined();
  });

  it.each([
    [
      "a sign-in redirect with a cookie",
      reply(302, "", {
        location: "https://login.corp/oauth2/start?rd=%2Fsecret",
        "set-cookie": "s=1",
      }),
      "front",
      "302 redirect to https://login.corp",
    ],
    ["a redirect with no Location", reply(307, ""), "front", "307 redirect with no Location"],
    [
      "a relative redirect",
      reply(301, "", { location: "/login" }),
      "front",
      "301 redirect to a page of the same host",
    ],
    [
      "an identity proxy's HTML 401",
      reply(401, "<html><title>Sign in</title></html>", {
        "content-type": "text/html",
        "www-authenticate": 'Bearer realm="corp"',
      }),
      "front",
      '401 (page title "Sign in", WWW-Authenticate Bearer)',
    ],
    ["an empty 401", reply(401, ""), "front", "401"],
    [
      "a proxy's 407 offering NTLM and Negotiate",
      reply(407, "", { "proxy-authenticate": "NTLM, Negotiate" }),
      "proxy",
      "407 Proxy Authentication Required (it offers NTLM, Negotiate)",
    ],
    [
      "a 5xx page with Via",
      reply(503, "<html><title>Down</title></html>", {
        "content-type": "text/html",
        via: "1.1 squid",
      }),
      "proxy",
      '503 via 1.1 squid (page title "Down")',
    ],
  ])("%s is the path's", (_, res, cause, detail) => {
    const failure = answerPath(res);
    expect(failure?.cause).toBe(cause);
    expect(failure?.detail).toBe(detail);
  });

  it("a forward proxy's own 5xx page names the proxy; no query or path of a redirect is shown", () => {
    expect(answerPath(reply(502, "<html>Bad Gateway</html>"), proxy)?.detail).toBe(
      'http://proxy.corp:3128 (HTTP_PROXY): 502 (page "Bad Gateway")',
    );
    const redirect = answerPath(reply(302, "", { location: "https://l.corp/p?state=secret" }));
    expect(redirect?.detail).not.toContain("secret");
  });

  it("reads the schemes a 407 offers", () => {
    expect(offeredSchemes('NTLM, Negotiate, Basic realm="corp", charset="UTF-8"')).toEqual([
      "NTLM",
      "Negotiate",
      "Basic",
    ]);
    expect(offeredSchemes(["Negotiate TlRMTVNTUAAB=", "Kerberos"])).toEqual([
      "Negotiate",
      "Kerberos",
    ]);
    expect(offeredSchemes(undefined)).toEqual([]);
  });
});

/** Path warnings on a clock the test moves, and the lines they write. */
function warnings() {
  let now = Date.UTC(2026, 10, 28, 7, 0, 0);
  const lines: string[] = [];
  const w = new PathWarnings(
    { warn: (m: string) => void lines.push(m) },
    "ws",
    () => now,
    () => now,
  );
  return { w, lines, tick: (ms: number) => (now += ms) };
}

describe("the path warnings", () => {
  const dns = unreachable("ENOTFOUND", "p.example");
  const proxy = answered(407, "");

  it("says a cause once, then at most once a minute while it lasts, whatever the failures", () => {
    const { w, lines, tick } = warnings();
    // A failure every 100 ms for 3.5 minutes: 2100 failed writes.
    for (let t = 0; t < 210_000; t += 100) {
      w.failed(dns, 10);
      tick(100);
    }
    expect(lines).toHaveLength(4); // the first, and one at 60, 120 and 180 s
    expect(lines[0]).toMatch(
      /fails at the resolver .*ENOTFOUND p\.example; holding 10 answers since 2026-11-28T07:00:00Z/,
    );
    expect(lines[1]).toMatch(/still fails at the resolver .* since 2026-11-28T07:00:00Z \(60 s\)/);
    expect(lines[3]).toMatch(/\(180 s\)/);
  });

  it("says each cause on its own line, and the end once when no answer is held", () => {
    const { w, lines, tick } = warnings();
    w.failed(dns, 2);
    w.failed(proxy);
    w.failed(dns, 2);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/fails at the proxy: 407 Proxy Authentication Required/);
    tick(12_000);
    w.passed(); // a heartbeat went through: answers are still held
    expect(lines).toHaveLength(2);
    w.passed(1, true);
    w.passed(0, true);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(
      /path to the platform is back after 12 s \(it failed at: resolver, proxy\); 2 held answers delivered/,
    );
    w.passed(0);
    expect(lines).toHaveLength(3);
    expect(w.failing).toBe(false);
  });
});

/** An answer as the judge reads it. */
const res = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body,
});
const html = { "content-type": "text/html" };

describe("the judge's peer form: the peer's own answer, or the path in front of it", () => {
  it.each([
    ["a JSON-RPC error (200)", res(200, { jsonrpc: "2.0", id: 1, error: { code: -32601 } })],
    ["an A2A REST error (400)", res(400, { error: { code: 400, status: "INVALID_ARGUMENT" } })],
    ["a framework's JSON 404", res(404, { detail: "Not Found" })],
    ["its JSON 401", res(401, { error: "unauthorized" })],
    ["a 429, whoever said it", res(429, "Too Many Requests")],
  ])("%s is the peer's", (_, answer) => {
    expect(peerAnswerPath(answer)).toBeUndefined();
  });

  it.each([
    ["a sign-in 302 with JSON", res(302, { a: 1 }, { location: "https://sso.example/x?rd=1" })],
    ["an HTML 401", res(401, PAGE, { ...html, "www-authenticate": "Bearer" })],
    ["an HTML 404 (the peer's HTTP server, not its endpoint)", res(404, PAGE, html)],
    ["an empty 401", res(401, undefined)],
    ["a 407 with JSON", res(407, { error: "auth" }, { "proxy-authenticate": "NTLM" })],
  ])("%s is the path's", (_, answer) => {
    expect(peerAnswerPath(answer)).toMatchObject({ status: answer.status });
  });

  it("names the cause: a proxy's 5xx page by its Via, a front's redirect by its origin only", () => {
    expect(peerAnswerPath(res(502, PAGE, { ...html, via: "1.1 squid" }))).toMatchObject({
      cause: "proxy",
    });
    expect(peerAnswerPath(res(302, "", { location: "https://sso.example/x?rd=1" }))).toEqual({
      cause: "front",
      detail: "302 redirect to https://sso.example",
      status: 302,
    });
  });

  it("a card's 404 of any body is its HTTP server's 'no card here'; a webhook's text is its own", () => {
    expect(peerAnswerPath(res(404, PAGE, html), "card")).toBeUndefined();
    expect(peerAnswerPath(res(302, ""), "card")).toMatchObject({ cause: "front" });
    expect(peerAnswerPath(res(503, undefined), "any")).toBeUndefined();
    expect(peerAnswerPath(res(401, "Unauthorized"), "any")).toBeUndefined();
    expect(peerAnswerPath(res(401, PAGE, html), "any")).toMatchObject({ cause: "front" });
    expect(peerAnswerPath(res(503, undefined, { via: "1.1 squid" }), "any")).toMatchObject({
      cause: "proxy",
    });
  });
});
