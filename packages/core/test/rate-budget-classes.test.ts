// Issue 93: a spent budget goes to what brings answers, heartbeats keep their room in each window, a
// turn that cannot come in time is refused before anything is sent, and an idle agent whose event
// stream is up costs little more than its heartbeats. The bucket's own tests run on fake timers; the
// transport's against a small HTTP server; the idle agent against the emulator, whose clock runs
// SCALE times faster (the SDK's `platformSecond` and the agent's intervals shrink with it).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { isMoleculeError, PlatformClient, RemoteAgent } from "../src/index.js";
import { heartbeatsEvery, HttpTransport, retriedByCaller, sentBy } from "../src/transport/index.js";
import {
  forgetRateBuckets,
  platformSecond,
  promoteNow,
  rateBucketOf,
  RateBucket,
} from "../src/transport/rate-budget.js";
import type { RatePriority, RatePromotion } from "../src/transport/rate-priority.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
  vi.useRealTimers();
  platformSecond.ms = 1_000;
  forgetRateBuckets();
});

/** An answer's limiter headers. */
const headers = (remaining: number, reset: number, limit = 120) => ({
  "x-ratelimit-limit": String(limit),
  "x-ratelimit-remaining": String(remaining),
  "x-ratelimit-reset": String(reset),
});

/** A woken read's promotion: to the reads that bring answers after `afterS`. */
const woken = (afterS: number): RatePromotion => ({ afterS, to: "read" });

/** The order in which requests (name, class, promotion) waiting in a window spent for 60 s get their turns. */
async function turnOrder(waits: Array<[string, RatePriority, RatePromotion?]>): Promise<string[]> {
  const b = new RateBucket();
  b.observe(200, headers(0, 59), undefined);
  const far = performance.now() + 600_000;
  const order: string[] = [];
  const all = waits.map(([name, p, promotion]) =>
    b.wait(p, far, undefined, promotion).then((t) => void ("window" in t && order.push(name))),
  );
  await vi.advanceTimersByTimeAsync(600_000);
  await Promise.all(all);
  return order;
}

describe("RateBucket's classes", () => {
  it("under a spent budget: heartbeats, the start, state checks, the event stream, a read collecting answers due, answers, reads that bring answers, other calls, background last", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const b = new RateBucket();
    b.observe(200, headers(0, 2, 40), undefined); // spent for about 3 s
    const order: string[] = [];
    const far = performance.now() + 120_000;
    const wait = (p: RatePriority, name: string) =>
      b.wait(p, far).then((t) => void ("window" in t && order.push(name)));
    const all = [
      wait("background", "ack"),
      wait("request", "question"),
      wait("read", "read"),
      wait("background", "safety-net read"),
      wait("answer", "answer-1"),
      wait("stream", "event stream"),
      wait("liveness", "state"),
      wait("start", "register"),
      wait("answer", "answer-2"),
      wait("heartbeat", "heartbeat"),
      wait("request", "question-2"),
      wait("collect", "read of answers due"),
    ];
    await vi.advanceTimersByTimeAsync(10_000); // the next window, and its pace past the burst of 10
    await Promise.all(all);
    // Within a class, in the order they asked.
    expect(order).toEqual([
      "heartbeat",
      "register",
      "state",
      "event stream",
      "read of answers due",
      "answer-1",
      "answer-2",
      "read",
      "question",
      "question-2",
      "ack",
      "safety-net read",
    ]);
  });

  it("a flooded budget keeps the room the last window's heartbeats used (80 of 120: 4 intervals of 20 agents)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const b = new RateBucket();
    b.observe(200, headers(119, 59), undefined); // a fresh window of 120
    for (let i = 0; i < 80; i++) expect(b.take("heartbeat")).toBe(0);
    await vi.advanceTimersByTimeAsync(61_000); // the next window: 80 heartbeats are its due
    let answers = 0;
    const far = performance.now() + 600_000;
    const flood = Array.from({ length: 200 }, () =>
      b.wait("answer", far).then((t) => void ("window" in t && answers++)),
    );
    // Over the whole window, the flood leaves the heartbeats their 80 (and a margin).
    let beats = 0;
    for (let s = 0; s < 60; s += 3) {
      await vi.advanceTimersByTimeAsync(3_000);
      for (let i = 0; i < 4; i++) if (b.take("heartbeat") !== undefined) beats++;
    }
    expect(beats).toBe(80);
    expect(answers).toBeLessThanOrEqual(40);
    expect(answers).toBeGreaterThan(0);
    await vi.advanceTimersByTimeAsync(600_000);
    await Promise.all(flood);
  });

  it("a fleet's first window: the start, the event streams and other calls leave room for the heartbeats expected in it, which a state check may use", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const b = new RateBucket();
    b.observe(200, headers(60, 59), undefined); // 60 left, no history of heartbeats
    // 20 agents come online: each heartbeat says the next is due in 30 s (once more in this window).
    for (let i = 0; i < 20; i++) {
      expect(b.take("heartbeat")).toBe(0);
      b.heartbeatSent(`agent-${i}`, 30_000);
    }
    // 40 left, 20 of them the heartbeats' room: the rest of the starts, the event streams'
    // opens and the answers get 20.
    let others = 0;
    for (let i = 0; i < 10; i++) if (b.take("start") !== undefined) others++;
    while (b.take("stream") !== undefined) others++;
    expect(others).toBe(20);
    expect(b.take("start")).toBeUndefined();
    expect(b.take("answer")).toBeUndefined();
    // At 30 s the next heartbeats go, each after a state check (which may use their room).
    await vi.advanceTimersByTimeAsync(30_000);
    for (let i = 0; i < 10; i++) expect(b.take("liveness")).toBe(0);
    for (let i = 0; i < 10; i++) {
      expect(b.take("heartbeat")).toBe(0);
      b.heartbeatSent(`agent-${i}`, 30_000);
    }
    // An agent that stopped is forgotten an interval after its heartbeat was due.
    await vi.advanceTimersByTimeAsync(31_000); // the next window
    b.observe(200, headers(119, 59), undefined);
    let next = 0;
    while (b.take("start") !== undefined) next++;
    expect(next).toBe(119 - 30); // the 10 still beating: one due now, two more in this window
  });

  it("a request with a promotion waits in its class, then moves up to the other and goes before the calls of its first", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    // In a window spent for 60 s: after 30 s the woken read has moved up.
    expect(
      await turnOrder([
        ["question-1", "request"],
        ["question-2", "request"],
        ["woken read", "request", woken(30)],
        ["question-3", "request"],
        ["read of answers", "read"],
      ]),
    ).toEqual(["read of answers", "woken read", "question-1", "question-2", "question-3"]);
    // A read that brings answers waits behind the answers to send (it reads more at once) until
    // the first awaiting call's deadline nears; then it goes before them: it brings every answer
    // logged, each reply only its own.
    expect(
      await turnOrder([
        ["answer-1", "answer"],
        ["read of answers", "read", { afterS: 20, to: "collect" }],
        ["answer-2", "answer"],
        ["answer-3", "answer"],
      ]),
    ).toEqual(["read of answers", "answer-1", "answer-2", "answer-3"]);
    expect(
      await turnOrder([
        ["answer-1", "answer"],
        ["read of answers", "read", { afterS: 120, to: "collect" }],
        ["answer-2", "answer"],
      ]),
    ).toEqual(["answer-1", "answer-2", "read of answers"]);
    // Issue 100: a read that brings answers waits with new calls (it brings every answer logged
    // meanwhile), then goes before them, then before the answers to send as its deadline nears
    // (4da7b868 moved a request up once: it stayed behind the answers).
    const gather: RatePromotion = { afterS: 20, to: "read", next: { afterS: 30, to: "collect" } };
    expect(
      await turnOrder([
        ["question-1", "request"],
        ["read of answers", "request", gather],
        ["answer-1", "answer"],
        ["question-2", "request"],
      ]),
    ).toEqual(["read of answers", "answer-1", "question-1", "question-2"]);
    // Before its time it keeps its place among the calls of its class.
    expect(
      await turnOrder([
        ["question-1", "request"],
        ["woken read", "request", woken(120)],
        ["question-2", "request"],
      ]),
    ).toEqual(["question-1", "woken read", "question-2"]);
  });

  it("promoteNow moves a waiting request up to the highest class of its promotion at once", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const b = new RateBucket();
    b.observe(200, headers(0, 59), undefined);
    const far = performance.now() + 600_000;
    const order: string[] = [];
    const wait = (name: string, p: RatePriority, signal?: AbortSignal, promotion?: RatePromotion) =>
      b.wait(p, far, signal, promotion).then((t) => void ("window" in t && order.push(name)));
    const read = new AbortController().signal;
    const gather: RatePromotion = { afterS: 20, to: "read", next: { afterS: 80, to: "collect" } };
    const all = [
      wait("answer-1", "answer"),
      wait("question-1", "request"),
      wait("read of answers", "request", read, gather),
      wait("answer-2", "answer"),
    ];
    // Many answers are logged 1 s in: the read goes before the answers to send, not 100 s later.
    await vi.advanceTimersByTimeAsync(1_000);
    promoteNow(read);
    promoteNow(new AbortController().signal); // no request waits with it: nothing
    await vi.advanceTimersByTimeAsync(600_000);
    await Promise.all(all);
    expect(order).toEqual(["read of answers", "answer-1", "answer-2", "question-1"]);
  });

  it("the start's turns do not count as heartbeats due (they do not recur)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const b = new RateBucket();
    b.observe(200, headers(119, 59), undefined);
    for (let i = 0; i < 80; i++) expect(b.take("start")).toBe(0);
    await vi.advanceTimersByTimeAsync(61_000);
    // The next window: answers have it all but the two spare (80 heartbeats due would leave 30).
    let answers = 0;
    const far = performance.now() + 600_000;
    const flood = Array.from({ length: 200 }, () =>
      b.wait("answer", far).then((t) => void ("window" in t && answers++)),
    );
    await vi.advanceTimersByTimeAsync(59_000);
    expect(answers).toBeGreaterThan(100);
    await vi.advanceTimersByTimeAsync(600_000);
    await Promise.all(flood);
  });

  it("a turn that cannot come by the deadline is refused at once, not at the deadline", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const b = new RateBucket();
    b.observe(200, headers(0, 29), undefined); // 30 s to the reset
    const t0 = performance.now();
    const got = await b.wait("answer", t0 + 5_000);
    expect(performance.now()).toBe(t0);
    expect("retryAfterMs" in got && got.retryAfterMs).toBeGreaterThan(20_000);
    expect(b.waiting).toBe(0);
    // Behind a full window of others, one that could go in the next window is refused too.
    const far = t0 + 600_000;
    const ahead = Array.from({ length: 120 }, () => b.wait("answer", far));
    const late = await b.wait("answer", t0 + 45_000);
    expect("retryAfterMs" in late && late.retryAfterMs).toBeGreaterThan(60_000);
    await vi.advanceTimersByTimeAsync(600_000);
    await Promise.all(ahead);
  });
});

/**
 * The turns of the start class left in a fresh window after one heartbeat sent with `signal`,
 * and whether a heartbeat still has a turn then.
 */
async function startsAfter(signal: AbortSignal): Promise<[number, boolean]> {
  const orgId = crypto.randomUUID();
  const emu = await startEmulator({ orgId, rateLimit: 120, ui: false });
  cleanups.push(() => emu.close());
  const w = await emu.admin.createWorkspace({ name: "beating", deliveryMode: "poll" });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token, orgId });
  cleanups.push(() => client.close());
  await client.heartbeat({}, { signal });
  const bucket = rateBucketOf(new URL(emu.url).origin, orgId, token);
  let starts = 0;
  while (bucket.take("start") !== undefined) starts++;
  return [starts, bucket.take("heartbeat") !== undefined];
}

describe("an agent's heartbeat over HTTP", () => {
  it("says when the next goes (its signal's mark), and the budget keeps room for it", async () => {
    const [unmarked, roomLeft] = await startsAfter(new AbortController().signal);
    expect(roomLeft).toBe(false);
    // The next heartbeat is due in 40 s, within the window: one turn fewer for the others, kept
    // for it.
    const marked = heartbeatsEvery(new AbortController().signal, 40_000);
    expect(await startsAfter(marked)).toEqual([unmarked - 1, true]);
  });
});

/**
 * A transport whose platform refused its first request (`/first`) with `Retry-After: retryAfterS`
 * (the platform's second 1 s) and answers every later one after `delayMs`; `seen`: the paths
 * that reached it. The call that follows is made a moment after the refusal was read, a longer
 * moment on a busy machine: each test's margin for it is hundreds of milliseconds (100 ms
 * platform seconds left it 25 ms, which a loaded machine outlasted).
 */
async function refusedOnce(
  retryAfterS: number,
  delayMs: number,
  orgId: string,
): Promise<{ t: HttpTransport; seen: string[] }> {
  platformSecond.ms = 1_000;
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? "");
    const refuse = seen.length === 1;
    setTimeout(() => {
      res.writeHead(refuse ? 429 : 200, {
        "content-type": "application/json",
        ...(refuse ? { "retry-after": String(retryAfterS) } : {}),
        ...headers(refuse ? 0 : 100, retryAfterS, 30),
      });
      res.end(
        JSON.stringify(refuse ? { error: "rate limit exceeded", retry_after: retryAfterS } : {}),
      );
    }, delayMs);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const t = new HttpTransport({ baseUrl: url, getToken: () => "tok", orgId });
  cleanups.push(() => t.close());
  const once = retriedByCaller(new AbortController().signal);
  expect((await t.send({ method: "GET", path: "/first", signal: once })).status).toBe(429);
  return { t, seen };
}

describe("HttpTransport: a deadline the budget cannot meet", () => {
  it("is refused rate_limited before anything is sent, never sent to be aborted", async () => {
    // Slow answers: a request sent with a moment left would be aborted on the way.
    const { t, seen } = await refusedOnce(0, 600, "org-93");
    // The budget waits a platform second (1 s) after the refusal: a call of 1.1 s would be sent
    // with 100 ms left for an answer that takes 600 (its turn must leave half its time: refused
    // unsent while it is made less than 450 ms after the refusal was read).
    const err = await t
      .send({ method: "POST", path: "/late", json: {}, timeoutMs: 1_100 })
      .catch((e: unknown) => e);
    expect(isMoleculeError(err, "rate_limited")).toBe(true);
    expect((err as Error).message).toMatch(/not sent/);
    expect(seen).toEqual(["/first"]);
  });

  it("a request marked to be sent by a time (an awaited call's question) is refused unsent when its turn comes later, whatever its own deadline", async () => {
    // Issue 100: a question sent late in its call's time costs the turns the answers of the calls
    // already sent need, and its own answer cannot come back in time (4da7b868 sent it up to 5 s
    // before the call's end).
    const { t, seen } = await refusedOnce(0, 0, "org-100");
    // The next turn is a platform second (1 s) away; each call may wait 10 s for it (the marked
    // one is refused while made less than 800 ms after the refusal was read).
    const now = performance.now();
    const late = sentBy(AbortSignal.any([]), now + 200);
    const err = await t
      .send({ method: "POST", path: "/question", json: {}, timeoutMs: 10_000, signal: late })
      .catch((e: unknown) => e);
    expect(isMoleculeError(err, "rate_limited")).toBe(true);
    expect((err as Error).message).toMatch(/not sent/);
    // Unmarked, or marked with time enough, it waits for its turn and is sent.
    const inTime = sentBy(AbortSignal.any([]), now + 5_000);
    await t.send({ method: "POST", path: "/in-time", json: {}, timeoutMs: 10_000, signal: inTime });
    await t.send({ method: "POST", path: "/unmarked", json: {}, timeoutMs: 10_000 });
    expect(seen).toEqual(["/first", "/in-time", "/unmarked"]);
  });
});

describe("an idle default agent with its event stream up", () => {
  it("costs at most 2.5 requests a minute (heartbeats 2; the safety-net read and the state check rare)", async () => {
    const SCALE = 60;
    const p0 = performance.now();
    const t0 = Date.now();
    const clock = { now: () => t0 + (performance.now() - p0) * SCALE };
    platformSecond.ms = 1_000 / SCALE;
    const emu = await startEmulator({ clock, ui: false });
    cleanups.push(() => emu.close());
    const w = await emu.admin.createWorkspace({ name: "idle", deliveryMode: "poll" });
    const token = w.token ?? (await emu.admin.createToken(w.id));
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
    cleanups.push(() => client.close());
    const sent: number[] = [];
    const count = (m: unknown): void => {
      const { request } = m as { request: { origin?: unknown; path: string } };
      if (String(request.origin).startsWith(emu.url) && !request.path.startsWith("/admin"))
        sent.push(clock.now());
    };
    subscribe("undici:request:create", count);
    cleanups.push(async () => unsubscribe("undici:request:create", count));
    const agent = new RemoteAgent({
      client,
      heartbeatIntervalMs: 30_000 / SCALE,
      pollIntervalMs: 5_000 / SCALE,
      handler: () => "ok",
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    const from = clock.now() + 60_000; // past the start and the stream connecting
    const minutes = 12;
    await waitFor(() => clock.now() > from + minutes * 60_000, {
      timeoutMs: 60_000,
      intervalMs: 20,
    });
    const n = sent.filter((at) => at >= from && at <= from + minutes * 60_000).length;
    console.log(`idle agent: ${(n / minutes).toFixed(2)} requests a minute`);
    expect(n / minutes).toBeLessThanOrEqual(2.5);
  }, 60_000);
});
