// A platform URL nothing listens on fails start() after one retry budget: six connection attempts
// in all (the start's own retries, none of the transport's nested inside them) over 0.5 + 1 + 2 +
// 4 + 8 s of backoff, each logged `retryInMs` being the gap to the next attempt. Timed on a fake
// clock: every connection attempt is stamped by the dispatcher's connector, and the clock moves
// only when a retry warning says how far.
import { freePort } from "@internal/test-utils";
import { Agent, buildConnector } from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PlatformClient, RemoteAgent, isMoleculeError } from "../src/index.js";
import { describeStartError } from "../src/adapters/index.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

describe("start() against a platform that refuses connections", () => {
  it("fails after 6 connection attempts and 15.5 s of backoff, each logged retryInMs the real gap", async () => {
    const platformUrl = `http://127.0.0.1:${await freePort()}`;
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    cleanups.push(() => vi.useRealTimers());
    vi.spyOn(Math, "random").mockReturnValue(0.5); // no jitter: the nominal backoff

    const attempts: number[] = []; // the fake clock at each connection attempt
    const connect = buildConnector({});
    const dispatcher = new Agent({
      connect: (opts, callback) => {
        attempts.push(performance.now());
        connect(opts, callback);
      },
    });
    cleanups.push(() => dispatcher.close());
    const client = new PlatformClient({
      platformUrl,
      workspaceId: "3f0c1d0e-6d3a-4a8e-9d55-0b8a1d2f9c11",
      token: "t",
      dispatcher,
      livenessDispatcher: dispatcher,
      streamDispatcher: dispatcher,
    });
    cleanups.push(() => client.close());

    const retries: number[] = []; // the retryInMs of each warning
    let warned: (() => void) | undefined;
    const agent = new RemoteAgent({
      client,
      handler: () => undefined,
      eventWakeups: false,
      logger: {
        warn: (_msg, meta) => {
          retries.push((meta as { retryInMs: number }).retryInMs);
          warned?.();
        },
      },
    });
    cleanups.push(() => agent.stop());

    let settled = false;
    const started = agent.start().then(
      () => undefined,
      (err: unknown) => err,
    );
    void started.finally(() => (settled = true));
    // Event-driven: each retry warning moves the fake clock by exactly the gap it announced.
    for (let seen = 0; ; seen++) {
      if (retries.length <= seen) {
        await Promise.race([new Promise<void>((resolve) => (warned = resolve)), started]);
      }
      if (settled) break;
      await vi.advanceTimersByTimeAsync(retries[seen]!);
    }

    const err = await started;
    expect(isMoleculeError(err) && err.code).toBe("connection_failed");
    expect(describeStartError(err, { platformUrl })).toBe(
      `could not reach the platform at ${platformUrl}: check MOLECULE_PLATFORM_URL and that the platform is running`,
    );
    expect(attempts).toHaveLength(6); // the start's 6 attempts, no transport retry inside them
    expect(retries).toEqual([500, 1_000, 2_000, 4_000, 8_000]);
    const gaps = attempts.slice(1).map((at, i) => at - attempts[i]!);
    expect(gaps).toEqual(retries); // the logged wait is the real gap
    expect(attempts.at(-1)! - attempts[0]!).toBe(15_500); // the guide's "about 15 s"
  });
});
