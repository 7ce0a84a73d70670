// The platform's rate limit as the August server answers it (enteros-core aeec8e47
// `middleware/ratelimit.go`): `X-RateLimit-*` on every answer, `429 {"error":"rate limit
// exceeded","retry_after":N}` with `Retry-After: N` in whole seconds rounded down (0 in the window's
// last second). Served here by a small HTTP server that answers exactly that, so each test controls
// when the platform refuses. Times are only asserted as lower bounds (a slow machine only makes
// them longer).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { isMoleculeError, MoleculeRateLimitError, PlatformClient } from "../src/index.js";
import { HttpTransport, retriedByCaller } from "../src/transport/index.js";
import { forgetRateBuckets, RateBucket } from "../src/transport/rate-budget.js";
import { rateLimitWaitMs } from "../src/transport/rate-answers.js";
import { sentBy } from "../src/transport/rate-class.js";
import { callSettled } from "../src/transport/rate-replies.js";
import type { RatePriority } from "../src/transport/rate-priority.js";

const WS = "11111111-2222-4333-8444-555555555555";

/** The monotonic clock in whole milliseconds, for what a failing test reports. */
const at = (): number => Math.round(performance.now());

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
const headers = (remaining: number, reset: number, limit = 40) => ({
  "x-ratelimit-limit": String(limit),
  "x-ratelimit-remaining": String(remaining),
  "x-ratelimit-reset": String(reset),
});

/** Takes turns of `priority` while they come at once; how many came. */
function drain(b: RateBucket, priority: RatePriority, max = 1_000): number {
  let n = 0;
  while (n < max && b.take(priority) !== undefined) n++;
  return n;
}

describe("RateBucket", () => {
  afterEach(() => void vi.useRealTimers());

  it("lets everything through while the platform names no limit (development: unlimited)", () => {
    const b = new RateBucket(() => 1_000);
    b.observe(200, { "x-ratelimit-limit": "unlimited" }, undefined);
    expect(drain(b, "request")).toBe(1_000);
  });

  it("keeps the reserve for liveness requests, then waits for the window's reset", () => {
    const now = 1_000_000;
    const b = new RateBucket(() => now);
    b.observe(200, headers(5, 10), undefined);
    // Reserve: min(40/4, 0 liveness + 2) = 2 a minute, 1 for the 11 s left: four requests go.
    expect(drain(b, "request")).toBe(4);
    // A heartbeat still goes; then nothing until the window ends.
    expect(drain(b, "heartbeat")).toBe(1);
    expect(b.take("liveness")).toBeUndefined();
  });

  it("keeps the limit across a reset: the next window is not sent at once", () => {
    let now = 1_000_000;
    const b = new RateBucket(() => now);
    b.observe(200, headers(0, 10), undefined);
    expect(b.take("request")).toBeUndefined();
    now += 11_000;
    // A new window of 40: a burst (a quarter) goes, the rest is spread over the minute.
    expect(drain(b, "request")).toBe(10);
  });

  it("after a 429 nothing is sent, liveness included, until the time the platform named", () => {
    let now = 5_000;
    const b = new RateBucket(() => now);
    b.observe(429, { "retry-after": "0" }, { error: "rate limit exceeded", retry_after: 0 });
    expect(b.take("heartbeat")).toBeUndefined();
    now += 1_000;
    expect(b.take("heartbeat")).toBe(0);
  });

  it("a refusal in the process's first half second opens the next window too (a monotonic clock starts near 0)", () => {
    // `performance.now()` counts from the process's start: a 429 at 300 ms with `Reset: 0` says
    // the window ends at 1.3 s. It once left the count at "0 left, no end" and nothing went again.
    let now = 300;
    const b = new RateBucket(() => now);
    expect(b.take("request")).toBe(0);
    const refusal = { "retry-after": "0", ...headers(0, 0, 30) };
    b.observe(429, refusal, { error: "rate limit exceeded", retry_after: 0 }, 0);
    expect(b.take("request")).toBeUndefined();
    now = 1_300;
    expect(b.take("request")).toBeDefined();
  });

  it("answers that arrive out of order never raise the count", () => {
    const b = new RateBucket(() => 0);
    b.observe(200, headers(3, 30), undefined);
    b.observe(200, headers(9, 30), undefined); // an older answer, overtaken
    // 3 left, not 9: two of them are the reserve, and the third waits its share of the 31 s.
    expect(drain(b, "request")).toBe(0);
    expect(drain(b, "heartbeat")).toBe(3);
  });

  it("answers to requests of an earlier window say nothing of the current one", () => {
    let now = 0;
    const b = new RateBucket(() => now);
    b.observe(200, headers(0, 10), undefined);
    const old = b.take("heartbeat"); // the reserve... of a spent window: none
    expect(old).toBeUndefined();
    now += 11_000;
    const w = b.take("request")!;
    // The old window's last answer (0 left) arrives after the new window began.
    b.observe(200, headers(0, 0), undefined, w - 1);
    expect(b.take("request")).toBe(w);
  });

  it("spreads a backlog over the window instead of sending it at the reset", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const b = new RateBucket();
    const t0 = performance.now();
    b.observe(200, headers(39, 59), undefined); // a fresh window of 40
    const sent: number[] = [];
    const far = t0 + 600_000;
    const all = Array.from({ length: 30 }, () =>
      b.wait("request", far).then(() => void sent.push(performance.now() - t0)),
    );
    await vi.advanceTimersByTimeAsync(70_000);
    await Promise.all(all);
    // A burst of a quarter of the limit at once; the others one by one over the minute.
    expect(sent.filter((at) => at < 1_000)).toHaveLength(10);
    const later = sent.slice(10);
    // About 1.6 s apart (38 a minute past the reserve); two at once where the reserve shrinks.
    for (let i = 2; i < later.length; i++) expect(later[i]! - later[i - 2]!).toBeGreaterThan(1_000);
    expect(sent.at(-1)!).toBeLessThan(61_000);
  });

  it("a heartbeat that arrives while a backlog waits goes before it", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const b = new RateBucket();
    b.observe(200, headers(39, 59), undefined);
    const far = performance.now() + 600_000;
    const backlog = Array.from({ length: 30 }, () => b.wait("request", far));
    expect(b.waiting).toBe(21); // the burst went (39 left: a quarter of 40, less the one answered)
    const t = performance.now();
    expect(b.take("heartbeat")).toBe(0); // nothing of its rank waits: at once
    expect(performance.now() - t).toBe(0);
    await vi.advanceTimersByTimeAsync(70_000);
    await Promise.all(backlog);
  });

  it("at their last turn (5 s before their deadline, half their wait when shorter) the requests the pace alone holds back go, in their agents' turns, while the window has a turn for each", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const b = new RateBucket();
    const t0 = performance.now();
    b.observe(200, headers(39, 59), undefined); // a fresh window of 40
    expect(drain(b, "request")).toBe(9); // its burst (a quarter, less the one answered)
    // Agent A's six, then B's six, each to be sent within 5 s; A's seventh may wait longer.
    const sent: string[] = [];
    const ask = (owner: string, by: number) =>
      b.wait("request", by, undefined, undefined, owner).then((turn) => {
        if ("window" in turn) sent.push(owner);
        return turn;
      });
    const owners = [..."AAAAAABBBBBB"];
    const due = owners.map((o) => ask(o, t0 + 5_000));
    const later = ask("A", t0 + 600_000);
    await vi.advanceTimersByTimeAsync(2_499);
    expect(sent.length).toBeLessThan(3); // the pace: one every 1.6 s or so
    await vi.advanceTimersByTimeAsync(1); // half their 5 s
    // None refused: the window has turns for all of them (the pace kept them for later in it).
    expect((await Promise.all(due)).every((turn) => "window" in turn)).toBe(true);
    expect(sent).toEqual([..."ABABABABABAB"]); // the agents in turn
    expect(b.waiting).toBe(1); // A's seventh is not due: it waits for the pace
    await vi.advanceTimersByTimeAsync(60_000);
    expect("window" in (await later)).toBe(true);
  });

  it("an awaited question goes while the window holds its reply beside the replies owed; the rest wait aside, and settled calls free turns", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const b = new RateBucket();
    const t0 = performance.now();
    b.observe(200, headers(39, 59), undefined); // a fresh window of 40, no other before them
    // 30 awaited questions, each to be sent by 25 s and answered by 30 s (in this window).
    const signals = Array.from({ length: 30 }, () =>
      sentBy(new AbortController().signal, t0 + 25_000, t0 + 30_000),
    );
    const sent: number[] = [];
    const turns = signals.map((signal, i) =>
      b.wait("request", t0 + 25_000, signal).then((turn) => {
        if ("window" in turn) sent.push(i);
        return turn;
      }),
    );
    await vi.advanceTimersByTimeAsync(19_000); // the pace alone would have sent 22 by now
    // 39 left, less the reserve (2): 18 questions and their 18 replies.
    expect(sent).toHaveLength(18);
    // A request that is no awaited question goes past those waiting aside.
    expect("window" in (await b.wait("request", t0 + 25_000))).toBe(true);
    // Two calls settle (their answers came): the turns kept for their replies go to one more
    // question and its reply (the request above took one).
    callSettled(signals[sent[0]!]!);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(18);
    callSettled(signals[sent[1]!]!);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(19);
    // At their send-by time, the rest are refused unsent: their replies would not fit.
    await vi.advanceTimersByTimeAsync(6_000);
    expect((await Promise.all(turns)).filter((turn) => "retryAfterMs" in turn)).toHaveLength(11);
    expect(b.waiting).toBe(0);
  });

  it("once every heartbeat counted is expected again, the others leave room for the heartbeats due and the state checks, not the history's share", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const b = new RateBucket();
    const t0 = performance.now();
    b.observe(200, headers(39, 59), undefined); // a fresh window of 40
    // Ten agents' heartbeats, each next due a minute later: none more in this window.
    for (let i = 0; i < 10; i++) {
      expect(b.take("heartbeat")).toBe(0);
      b.heartbeatSent(`ws-${i}`, 60_000);
    }
    // 25 requests the pace holds back, due in 5 s: at their deadline those the window has a turn
    // for go. 29 left, less two for state checks: 27 (kept for the history's share of the window's
    // liveness instead, 14, only 15 of the 25 went).
    const turns = Array.from({ length: 25 }, () => b.wait("request", t0 + 5_000));
    await vi.advanceTimersByTimeAsync(5_000);
    const went = (await Promise.all(turns)).filter((turn) => "window" in turn).length;
    expect(went).toBe(25);
    const more = Array.from({ length: 5 }, () => b.wait("request", t0 + 6_000));
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await Promise.all(more)).filter((turn) => "window" in turn)).toHaveLength(2);
  });

  it("a turn that does not come by the deadline is given up with how long it would still wait", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const b = new RateBucket();
    b.observe(200, headers(0, 29), undefined); // 30 s to the reset
    const turn = b.wait("request", performance.now() + 5_000);
    await vi.advanceTimersByTimeAsync(5_000);
    const got = await turn;
    expect("retryAfterMs" in got && got.retryAfterMs).toBeGreaterThan(20_000);
    expect(b.waiting).toBe(0);
  });
});

describe("HttpTransport and the platform's rate limit", () => {
  it("a POST the limiter refused is sent again after Retry-After: 0 + the next second, and once handled", async () => {
    const p = await platform((_req, res, seen) => {
      if (seen.length === 1) return refuse(res, 0);
      json(res, 200, { ok: true });
    });
    // A bound below the test's own: a request that hangs fails with the error naming where (the
    // rate budget's turn, or the platform's answer), not with a test timeout; and with what the
    // transport logged and what the platform saw, when.
    const log: string[] = [];
    const t = new HttpTransport({
      baseUrl: p.url,
      getToken: () => "tok-a",
      logger: { debug: (m) => void log.push(`${at()} ${m}`) },
    });
    cleanups.push(() => t.close());
    const res = await t
      .send({ method: "POST", path: "/notify", json: { a: 1 }, timeoutMs: 15_000 })
      .catch((err: unknown) => {
        const seen = p.seen.map((s) => `${Math.round(s.at)} ${s.method} ${s.path}`);
        throw new Error(
          `${String(err)} at ${at()}; logged: ${log.join(" | ")}; seen: ${seen.join(" | ")}`,
          {
            cause: err,
          },
        );
      });
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
  });

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
  });

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

  it("a call's timeoutMs covers its wait for a spent budget: rate_limited at the deadline, nothing sent", async () => {
    let refused = false;
    const p = await platform((_req, res) => {
      if (!refused) {
        refused = true;
        return refuse(res, 30);
      }
      json(res, 200, {});
    });
    const t = transport(p.url, "org-3");
    const once = retriedByCaller(new AbortController().signal);
    expect((await t.send({ method: "GET", path: "/a", signal: once })).status).toBe(429);
    const t0 = performance.now();
    const err = await t
      .send({ method: "POST", path: "/b", json: {}, timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(err).toBeInstanceOf(MoleculeRateLimitError);
    expect((err as MoleculeRateLimitError).retryable).toBe(true);
    expect((err as MoleculeRateLimitError).retryAfterMs).toBeGreaterThan(20_000);
    expect((err as Error).message).toMatch(/not sent/);
    // An AbortSignal.timeout ends the wait with a MoleculeError too, and so does an abort.
    const timedOut = await t
      .send({ method: "GET", path: "/c", signal: AbortSignal.timeout(200) })
      .catch((e: unknown) => e);
    expect(isMoleculeError(timedOut, "rate_limited")).toBe(true);
    const ac = new AbortController();
    const aborted = t
      .send({ method: "GET", path: "/d", signal: ac.signal })
      .catch((e: unknown) => e);
    ac.abort();
    expect(isMoleculeError(await aborted, "aborted")).toBe(true);
    expect(p.seen.map((s) => s.path)).toEqual(["/a"]);
  });

  it("callPeer's timeoutMs covers the wait for the budget (PlatformClient)", async () => {
    let refused = false;
    const p = await platform((_req, res) => {
      if (!refused) {
        refused = true;
        return refuse(res, 30);
      }
      json(res, 200, {});
    });
    const client = new PlatformClient({ platformUrl: p.url, workspaceId: WS, token: "tok" });
    cleanups.push(() => client.close());
    await client
      .notify("x", { signal: retriedByCaller(new AbortController().signal) })
      .catch(() => {});
    const t0 = performance.now();
    const err = await client
      .callPeer("22222222-2222-4333-8444-555555555555", "hi", { timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(isMoleculeError(err, "rate_limited")).toBe(true);
    const viaSignal = await client
      .callPeer("22222222-2222-4333-8444-555555555555", "hi", { signal: AbortSignal.timeout(200) })
      .catch((e: unknown) => e);
    expect(isMoleculeError(viaSignal, "rate_limited")).toBe(true);
    expect(p.seen).toHaveLength(1);
  });

  it("a spent budget holds requests, while a heartbeat uses the reserve", async () => {
    const p = await platform((_req, res) =>
      json(
        res,
        200,
        {},
        { "x-ratelimit-limit": "40", "x-ratelimit-remaining": "1", "x-ratelimit-reset": "1" },
      ),
    );
    const t = transport(p.url, "org-2");
    await t.send({ method: "GET", path: "/first" }); // learns: 1 left, the reserve (2 s of it) is 1
    const held = t.send({ method: "GET", path: "/held" });
    const hb = await t.send({ method: "POST", path: "/registry/heartbeat", liveness: true });
    expect(hb.status).toBe(200);
    expect(p.seen.map((s) => s.path)).toEqual(["/first", "/registry/heartbeat"]);
    await held; // after the reset
    expect(p.seen.map((s) => s.path)).toEqual(["/first", "/registry/heartbeat", "/held"]);
  });
});
