// The platform's rate limit as the August server answers it (enteros-core aeec8e47
// `middleware/ratelimit.go`): `X-RateLimit-*` on every answer, `429 {"error":"rate limit
// exceeded","retry_after":N}` with `Retry-After: N` in whole seconds rounded down (0 in the window's
// last second). Served here by a small HTTP server that answers exactly that, so each test controls
// when the platform refuses. Times are only asserted as lower bounds (a slow machine only makes
// them longer).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isMoleculeError, MoleculeRateLimitError, PlatformClient } from "../src/index.js";
import { HttpTransport, retriedByCaller } from "../src/transport/index.js";
import { forgetRateBuckets, rateLimitWaitMs, RateBucket } from "../src/transport/rate-budget.js";

const WS = "11111111-2222-4333-8444-555555555555";

interface Seen {
  method: string;
  path: string;
  at: number;
  org: string | undefined;
  auth: string | undefined;
}

type Answer = (req: IncomingMessage, res: ServerResponse, seen: Seen[]) => void;

const cleanups: Array<() => Promise<unknown>> = [];
beforeEach(() => forgetRateBuckets());
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
  forgetRateBuckets();
});

/** A platform whose every answer is `answer`'s; records each request as it arrives. */
async function platform(answer: Answer): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        path: req.url ?? "",
        at: performance.now(),
        org: req.headers["x-molecule-org-id"] as string | undefined,
        auth: req.headers.authorization,
      });
      answer(req, res, seen);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function json(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** The limiter's refusal, `Retry-After: seconds` (whole, rounded down). */
function refuse(res: ServerResponse, seconds: number): void {
  json(
    res,
    429,
    { error: "rate limit exceeded", retry_after: seconds },
    {
      "retry-after": String(seconds),
      "x-ratelimit-limit": "30",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(seconds),
    },
  );
}

function transport(url: string, orgId?: string, token = "tok-a"): HttpTransport {
  const t = new HttpTransport({ baseUrl: url, getToken: () => token, orgId });
  cleanups.push(() => t.close());
  return t;
}

describe("rateLimitWaitMs", () => {
  it("reads the platform's rounded-down seconds as one second more; 0 means the next second", () => {
    expect(rateLimitWaitMs({ "retry-after": "0" }, undefined)).toBe(1_000);
    expect(rateLimitWaitMs({ "retry-after": "30" }, undefined)).toBe(31_000);
    expect(rateLimitWaitMs({}, { retry_after: 4 })).toBe(5_000);
    expect(rateLimitWaitMs({ "x-ratelimit-reset": "2" }, {})).toBe(3_000);
    expect(rateLimitWaitMs({ "retry-after": "3600" }, undefined)).toBe(61_000);
    expect(rateLimitWaitMs({}, { error: "x" })).toBeUndefined();
  });
});

/** An answer's limiter headers: a limit of 40. */
const headers = (remaining: number, reset: number) => ({
  "x-ratelimit-limit": "40",
  "x-ratelimit-remaining": String(remaining),
  "x-ratelimit-reset": String(reset),
});

describe("RateBucket", () => {
  it("lets everything through while the platform names no limit (development: unlimited)", () => {
    const b = new RateBucket(() => 1_000);
    b.observe(200, { "x-ratelimit-limit": "unlimited" }, undefined);
    for (let i = 0; i < 1_000; i++) expect(b.take(false)).toBe(0);
  });

  it("keeps the reserve for liveness requests, then waits for the window's reset", () => {
    let now = 1_000_000;
    const b = new RateBucket(
      () => now,
      () => 0,
    );
    b.observe(200, headers(5, 10), undefined);
    // Reserve: min(40/4, 0 liveness + 2) = 2: three requests go, the fourth waits to the reset.
    expect([b.take(false), b.take(false), b.take(false)]).toEqual([0, 0, 0]);
    expect(b.take(false)).toBe(11_000);
    // A heartbeat still goes, twice; then nothing until the window ends.
    expect([b.take(true), b.take(true)]).toEqual([0, 0]);
    expect(b.take(true)).toBe(11_000);
    now += 11_000;
    expect(b.take(false)).toBe(0); // a new window: unknown until the next answer
  });

  it("after a 429 nothing is sent, liveness included, until the time the platform named", () => {
    let now = 5_000;
    const b = new RateBucket(
      () => now,
      () => 0,
    );
    b.observe(429, { "retry-after": "0" }, { error: "rate limit exceeded", retry_after: 0 });
    expect(b.take(true)).toBe(1_000);
    now += 1_000;
    expect(b.take(true)).toBe(0);
  });

  it("answers that arrive out of order never raise the count", () => {
    const b = new RateBucket(
      () => 0,
      () => 0,
    );
    b.observe(200, headers(3, 30), undefined);
    b.observe(200, headers(9, 30), undefined); // an older answer, overtaken
    expect([b.take(false)]).toEqual([0]);
    expect(b.take(false)).toBeGreaterThan(0); // 3 - 1 = 2 = the reserve
  });
});

describe("HttpTransport and the platform's rate limit", () => {
  it("a POST the limiter refused is sent again after Retry-After: 0 + the next second, and once handled", async () => {
    const p = await platform((_req, res, seen) => {
      if (seen.length === 1) return refuse(res, 0);
      json(res, 200, { ok: true });
    });
    const res = await transport(p.url).send({ method: "POST", path: "/notify", json: { a: 1 } });
    expect(res.status).toBe(200);
    expect(p.seen).toHaveLength(2);
    // "0" is the window's last second: never sent again at once.
    expect(p.seen[1]!.at - p.seen[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it("gives up after 5 refusals with a rate_limited error that says the call was not carried out", async () => {
    const p = await platform((_req, res) => refuse(res, 0));
    const client = new PlatformClient({ platformUrl: p.url, workspaceId: WS, token: "tok" });
    cleanups.push(() => client.close());
    const err = await client.notify("hello").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoleculeRateLimitError);
    expect(isMoleculeError(err, "rate_limited")).toBe(true);
    expect((err as MoleculeRateLimitError).retryAfterMs).toBe(1_000);
    expect((err as Error).message).toMatch(/not carried out/);
    expect((err as Error).message).toMatch(/MOLECULE_ORG_ID/);
    expect(p.seen).toHaveLength(6);
  }, 20_000);

  it("clients of one org share a budget: after one is refused, the other waits instead of being refused", async () => {
    let refused = false;
    const p = await platform((_req, res) => {
      if (!refused) {
        refused = true;
        return refuse(res, 1);
      }
      json(res, 200, {});
    });
    const a = transport(p.url, "org-1", "tok-a");
    const b = transport(p.url, "org-1", "tok-b");
    // Sent once (its caller retries itself), so the refusal comes back.
    const once = retriedByCaller(new AbortController().signal);
    expect((await a.send({ method: "GET", path: "/a", signal: once })).status).toBe(429);
    const t0 = performance.now();
    expect((await b.send({ method: "GET", path: "/b" })).status).toBe(200);
    // b was not sent before the window the platform named (2 s: 1 rounded down, plus a second).
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1_900);
    expect(p.seen.map((s) => s.path)).toEqual(["/a", "/b"]);
    expect(p.seen.every((s) => s.org === "org-1")).toBe(true);
  }, 20_000);

  it("clients with their own tokens and no org id are separate buckets, as on the platform", async () => {
    let refused = false;
    const p = await platform((_req, res) => {
      if (!refused) {
        refused = true;
        return refuse(res, 30);
      }
      json(res, 200, {});
    });
    const a = transport(p.url, undefined, "tok-a");
    const b = transport(p.url, undefined, "tok-b");
    // Sent once (its caller retries itself), so the refusal comes back.
    const once = retriedByCaller(new AbortController().signal);
    expect((await a.send({ method: "GET", path: "/a", signal: once })).status).toBe(429);
    // b is not held behind a's 31 s wait: the test's own timeout would end it.
    expect((await b.send({ method: "GET", path: "/b" })).status).toBe(200);
  });

  it("a spent budget holds requests, while a heartbeat uses the reserve", async () => {
    const p = await platform((_req, res) =>
      json(
        res,
        200,
        {},
        { "x-ratelimit-limit": "40", "x-ratelimit-remaining": "2", "x-ratelimit-reset": "1" },
      ),
    );
    const t = transport(p.url, "org-2");
    await t.send({ method: "GET", path: "/first" }); // learns: 2 left, the reserve is 2
    const held = t.send({ method: "GET", path: "/held" });
    const hb = await t.send({ method: "POST", path: "/registry/heartbeat", liveness: true });
    expect(hb.status).toBe(200);
    expect(p.seen.map((s) => s.path)).toEqual(["/first", "/registry/heartbeat"]);
    await held; // after the reset
    expect(p.seen.map((s) => s.path)).toEqual(["/first", "/registry/heartbeat", "/held"]);
  }, 20_000);
});
