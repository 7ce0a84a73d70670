import { MockAgent } from "undici";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backoffDelay, parseRetryAfter, retriedByCaller } from "../src/transport/index.js";
import {
  isMoleculeError,
  type MoleculeError,
  MoleculeRateLimitError,
  MoleculeTimeoutError,
  PlatformClient,
} from "../src/index.js";
import { HttpTransport } from "../src/transport/http.js";
import { forgetRateBuckets } from "../src/transport/rate-budget.js";

const ORIGIN = "http://platform.test:8080";
const WS = "11111111-2222-4333-8444-555555555555";
const TOKEN = "tok_secret_abcdefghijklmnopqrstuvwxyz012345";

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-05-01T00:00:00Z");
  it("reads delta seconds, rounding up, capped at 30 s", () => {
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter("1.2", now)).toBe(1200);
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter("120", now)).toBe(30_000);
    expect(parseRetryAfter(["3"], now)).toBe(3000);
  });
  it("reads HTTP-dates relative to now, capped at 30 s", () => {
    expect(parseRetryAfter("Fri, 01 May 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Fri, 01 May 2026 01:00:00 GMT", now)).toBe(30_000);
  });
  it("ignores garbage, negatives and past dates", () => {
    for (const bad of [
      "-5",
      "nan",
      "NaN",
      "Infinity",
      "soon",
      "",
      "  ",
      "1e3",
      "Thu, 30 Apr 2026 23:00:00 GMT",
    ]) {
      expect({ bad, ms: parseRetryAfter(bad, now) }).toEqual({ bad, ms: undefined });
    }
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

/** The platform retry's backoff for `attempt` with the jitter source fixed at `r`. */
const at = (attempt: number, r: number) => backoffDelay(attempt, 1_000, 30_000, () => r);

describe("backoffDelay", () => {
  it("is 1/2/4 s with ±25 % jitter", () => {
    expect(at(1, 0.5)).toBe(1000);
    expect(at(2, 0.5)).toBe(2000);
    expect(at(3, 0.5)).toBe(4000);
    expect(at(1, 0)).toBe(750);
    expect(at(3, 0.999999)).toBe(5000);
    expect(at(10, 0.5)).toBe(30_000);
  });

  it("never exceeds maxMs and still spreads at the cap; attempt 0 counts as 1", () => {
    expect(backoffDelay(10, 500, 8_000, () => 0.999999)).toBe(8_000);
    expect(backoffDelay(10, 500, 8_000, () => 0)).toBe(6_000);
    expect(backoffDelay(0, 500, 8_000, () => 0.5)).toBe(500);
    expect(backoffDelay(2_000, 500, 8_000, () => 0.5)).toBe(8_000);
  });
});

/** Advances fake time in small steps until `done` or `maxMs`. */
async function advanceUntil(done: () => boolean, maxMs: number): Promise<number> {
  let t = 0;
  while (!done() && t < maxMs) {
    await vi.advanceTimersByTimeAsync(50);
    t += 50;
  }
  return t;
}

describe("HttpTransport retry policy (fake timers)", () => {
  let agent: MockAgent;
  let calls: { method: string; path: string; headers: Record<string, string> }[];

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    agent = new MockAgent();
    agent.disableNetConnect();
    calls = [];
    forgetRateBuckets(); // one test's 429 must not hold the next test's requests
  });
  afterEach(async () => {
    vi.useRealTimers();
    await agent.close();
  });

  function transport(random = () => 0.5): HttpTransport {
    return new HttpTransport({ baseUrl: ORIGIN, dispatcher: agent, getToken: () => TOKEN, random });
  }

  function intercept(
    method: string,
    path: string,
    status: number,
    headers: Record<string, string> = {},
    times = 1,
  ) {
    agent
      .get(ORIGIN)
      .intercept({ method, path })
      .reply((opts) => {
        calls.push({
          method: opts.method,
          path: opts.path,
          headers: opts.headers as Record<string, string>,
        });
        return {
          statusCode: status,
          data: status === 200 ? { ok: true } : { error: `status ${status}` },
          responseOptions: { headers },
        };
      })
      .times(times);
  }

  it("retries a GET on 429 after Retry-After seconds, then succeeds", async () => {
    intercept("GET", "/x", 429, { "retry-after": "2" });
    intercept("GET", "/x", 200);
    const p = transport().send({ method: "GET", path: "/x" });
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1900);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(calls).toHaveLength(2);
    expect((await p).status).toBe(200);
  });

  it("the platform limiter's 429 (its spent window): Retry-After rounded down, so one second more", async () => {
    intercept("GET", "/x", 429, {
      "retry-after": "2",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-limit": "600",
    });
    intercept("GET", "/x", 200);
    const p = transport().send({ method: "GET", path: "/x" });
    await vi.advanceTimersByTimeAsync(2900);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(400);
    expect(calls).toHaveLength(2);
    expect((await p).status).toBe(200);
  });

  it("uses 1/2/4 s backoff without Retry-After and stops after 3 retries", async () => {
    intercept("GET", "/y", 429, {}, 4);
    const p = transport().send({ method: "GET", path: "/y" });
    const times: number[] = [];
    let elapsed = 0;
    for (let n = 2; n <= 4; n++) {
      elapsed += await advanceUntil(() => calls.length >= n, 10_000);
      times.push(elapsed);
    }
    expect(times).toEqual([1000, 3000, 7000]);
    const res = await p;
    expect(res.status).toBe(429);
    expect(calls).toHaveLength(4);
  });

  it("ignores a garbage Retry-After and falls back to backoff", async () => {
    intercept("GET", "/z", 429, { "retry-after": "-5" });
    intercept("GET", "/z", 200);
    const p = transport().send({ method: "GET", path: "/z" });
    const t = await advanceUntil(() => calls.length >= 2, 10_000);
    // A refusal that names no usable wait: the next second.
    expect(t).toBeGreaterThanOrEqual(1000);
    expect(t).toBeLessThanOrEqual(1300);
    expect((await p).status).toBe(200);
  });

  it("honours an HTTP-date Retry-After", async () => {
    const at = new Date(Date.now() + 3000).toUTCString();
    intercept("GET", "/d", 429, { "retry-after": at });
    intercept("GET", "/d", 200);
    const p = transport().send({ method: "GET", path: "/d" });
    const t = await advanceUntil(() => calls.length >= 2, 10_000);
    expect(t).toBeGreaterThanOrEqual(2000);
    expect(t).toBeLessThanOrEqual(4300);
    expect((await p).status).toBe(200);
  });

  it("retries GETs on 502/503 and connection errors", async () => {
    intercept("GET", "/g", 502);
    intercept("GET", "/g", 503);
    agent
      .get(ORIGIN)
      .intercept({ method: "GET", path: "/g" })
      .replyWithError(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }));
    intercept("GET", "/g", 200);
    const p = transport().send({ method: "GET", path: "/g" });
    await advanceUntil(() => calls.length >= 3, 20_000);
    const res = await p;
    expect(res.status).toBe(200);
    expect(calls).toHaveLength(3); // 502, 503, (error is not recorded), 200
  });

  it("sends a GET once when its signal is marked retriedByCaller (the caller's one retry budget)", async () => {
    intercept("GET", "/once", 503);
    agent
      .get(ORIGIN)
      .intercept({ method: "GET", path: "/refused" })
      .replyWithError(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }));
    const signal = retriedByCaller(new AbortController().signal);
    const t = transport();
    expect((await t.send({ method: "GET", path: "/once", signal })).status).toBe(503);
    expect(calls).toHaveLength(1);
    const refused = await t.send({ method: "GET", path: "/refused", signal }).catch((e) => e);
    expect(isMoleculeError(refused) && refused.code).toBe("connection_failed");
    agent.assertNoPendingInterceptors();
  });

  it("timeoutMs bounds each attempt, not the call: slow retried attempts still succeed", async () => {
    for (const status of [503, 200]) {
      agent
        .get(ORIGIN)
        .intercept({ method: "GET", path: "/slow" })
        .reply(() => {
          calls.push({ method: "GET", path: "/slow", headers: {} });
          return { statusCode: status, data: {} };
        })
        .delay(800);
    }
    let status = 0;
    void transport()
      .send({ method: "GET", path: "/slow", timeoutMs: 1000 })
      .then((res) => (status = res.status));
    const t = await advanceUntil(() => status !== 0, 10_000);
    expect(status).toBe(200);
    expect(calls).toHaveLength(2);
    expect(t).toBeGreaterThan(2000); // 800 + 1 s backoff + 800: twice timeoutMs in total
  });

  it("an attempt that runs out of timeoutMs is not retried", async () => {
    agent
      .get(ORIGIN)
      .intercept({ method: "GET", path: "/stuck" })
      .reply(() => {
        calls.push({ method: "GET", path: "/stuck", headers: {} });
        return { statusCode: 200, data: {} };
      })
      .delay(5000)
      .times(2);
    const p = transport().send({ method: "GET", path: "/stuck", timeoutMs: 1000 });
    const outcome = p.then(
      () => "resolved",
      (err: unknown) => err,
    );
    await advanceUntil(() => false, 3000);
    const err = await outcome;
    expect(err).toBeInstanceOf(MoleculeTimeoutError);
    expect((err as MoleculeTimeoutError).timeoutMs).toBe(1000);
    await advanceUntil(() => false, 10_000);
    expect(calls.length).toBeLessThanOrEqual(1);
  });

  it("does not retry POSTs on 5xx (the platform may have handled them)", async () => {
    intercept("POST", "/p", 503, { "retry-after": "1" });
    const res = await transport().send({ method: "POST", path: "/p", json: {} });
    expect(res.status).toBe(503);
    expect(calls).toHaveLength(1);
  });

  it("retries POSTs that carry an idempotency key (retry: true)", async () => {
    intercept("POST", "/p", 503);
    intercept("POST", "/p", 200);
    const p = transport().send({
      method: "POST",
      path: "/p",
      json: { idempotency_key: "k" },
      retry: true,
    });
    await advanceUntil(() => calls.length >= 2, 5_000);
    expect((await p).status).toBe(200);
  });

  it("the client's exhausted 429 becomes MoleculeRateLimitError with retryAfterMs", async () => {
    agent
      .get(ORIGIN)
      .intercept({ method: "GET", path: `/workspaces/${WS}/secrets/values` })
      .reply(
        429,
        { error: "rate limit exceeded", retry_after: 7 },
        { headers: { "retry-after": "7" } },
      )
      .times(6);
    const client = new PlatformClient({
      platformUrl: ORIGIN,
      workspaceId: WS,
      token: TOKEN,
      dispatcher: agent,
    });
    const p = client.pullSecrets().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(60_000);
    const err = await p;
    expect(err).toBeInstanceOf(MoleculeRateLimitError);
    // 7 whole seconds rounded down by the platform: 8 s.
    expect((err as MoleculeRateLimitError).retryAfterMs).toBe(8000);
    expect(isMoleculeError(err, "rate_limited")).toBe(true);
  });

  it("times out with MoleculeTimeoutError and honours AbortSignal", async () => {
    agent.get(ORIGIN).intercept({ method: "GET", path: "/slow" }).reply(200, {}).delay(60_000);
    const t = transport();
    const p = t
      .send({ method: "GET", path: "/slow", timeoutMs: 500, retry: false })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(600);
    const err = await p;
    expect(err).toBeInstanceOf(MoleculeTimeoutError);
    expect((err as MoleculeTimeoutError).timeoutMs).toBe(500);

    agent.get(ORIGIN).intercept({ method: "GET", path: "/slow2" }).reply(200, {}).delay(60_000);
    const ac = new AbortController();
    const p2 = t
      .send({ method: "GET", path: "/slow2", signal: ac.signal })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    ac.abort(new Error("stop now"));
    // A MoleculeError that keeps the reason, named as a fetch names an abort.
    const aborted = (await p2) as MoleculeError;
    expect(isMoleculeError(aborted, "aborted")).toBe(true);
    expect(aborted.name).toBe("AbortError");
    expect((aborted.cause as Error).message).toBe("stop now");
  });
});

describe("HttpTransport headers", () => {
  let agent: MockAgent;
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
  });
  afterEach(async () => {
    await agent.close();
  });

  async function headersFor(opts: ConstructorParameters<typeof HttpTransport>[0], auth = true) {
    let seen: Record<string, string> = {};
    agent
      .get("https://acme.example")
      .intercept({ method: "GET", path: (p) => p.endsWith("/h") })
      .reply((o) => {
        seen = o.headers as Record<string, string>;
        return { statusCode: 200, data: "{}" };
      });
    await new HttpTransport({ ...opts, dispatcher: agent }).send({
      method: "GET",
      path: "/h",
      auth,
    });
    return Object.fromEntries(Object.entries(seen).map(([k, v]) => [k.toLowerCase(), v]));
  }

  it("sends bearer, origin (platform origin without path), org id and user agent", async () => {
    const h = await headersFor({
      baseUrl: "https://acme.example/api/",
      getToken: () => TOKEN,
      orgId: "org-1",
    });
    expect(h.authorization).toBe(`Bearer ${TOKEN}`);
    expect(h.origin).toBe("https://acme.example");
    expect(h["x-molecule-org-id"]).toBe("org-1");
    expect(h["user-agent"]).toMatch(/^molecule-ai-agent-core\//);
  });

  it("origin can be overridden or disabled; no org header without orgId; auth: false drops the bearer", async () => {
    const h1 = await headersFor({
      baseUrl: "https://acme.example",
      origin: "https://canvas.example",
      getToken: () => TOKEN,
    });
    expect(h1.origin).toBe("https://canvas.example");
    expect(h1["x-molecule-org-id"]).toBeUndefined();
    const h2 = await headersFor(
      { baseUrl: "https://acme.example", origin: false, getToken: () => TOKEN },
      false,
    );
    expect(h2.origin).toBeUndefined();
    expect(h2.authorization).toBeUndefined();
  });

  it("rejects non-http platform URLs and embedded credentials", () => {
    expect(() => new HttpTransport({ baseUrl: "ftp://x" })).toThrow(/http or https/);
    expect(() => new HttpTransport({ baseUrl: "not a url" })).toThrow(/absolute http/);
    expect(() => new HttpTransport({ baseUrl: "https://u:p@x" })).toThrow(/credentials/);
  });
});
