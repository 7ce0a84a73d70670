// Issue 93: heartbeats under a spent rate budget. While the event stream is up and heartbeats are
// accepted, the timed state check waits for a quiet moment of the budget (behind every other
// request), which can take most of a window: when the stream then drops, the next heartbeat checks
// the state in its own class instead of joining that check, and goes on. And a heartbeat the budget
// refused unsent (its turn could not come within the call's timeout) goes when its turn comes, not
// a whole interval later.
import { afterEach, describe, expect, it } from "vitest";
import { type AgentObserver, PathWarnings } from "../src/events/index.js";
import { PlatformWatch } from "../src/agent/lifecycle/platform-watch.js";
import { MoleculeRateLimitError } from "../src/index.js";
import { rateClassOf } from "../src/transport/rate-class.js";
import type { HeartbeatReport } from "../src/platform/index.js";
import { FakeClient } from "./fixtures/agent-fake-client.js";

const cleanups: Array<() => unknown> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A platform whose rate budget has no quiet moment: a quiet state check waits until aborted. */
class NoQuietMoment extends FakeClient {
  readonly checks: string[] = [];
  override async getState(opts: { signal?: AbortSignal } = {}) {
    const quiet = rateClassOf(opts.signal)?.priority === "background";
    this.checks.push(quiet ? "quiet" : "own");
    if (quiet) await new Promise((resolve) => opts.signal!.addEventListener("abort", resolve));
    return this.state;
  }
}

/** A watch of `client` for a heartbeat interval of 30 s; `stream()` says whether the stream is up. */
function watchOf(client: FakeClient, stream: () => boolean, logger: object = {}): PlatformWatch {
  const ending = new AbortController();
  cleanups.push(() => ending.abort());
  const observer = {
    logger,
    heartbeatLate: () => {},
    path: new PathWarnings(logger, "ws"),
  } as unknown as AgentObserver;
  const watch = new PlatformWatch(
    { client, heartbeatIntervalMs: 30_000, stateIntervalMs: 30_000 },
    observer,
    ending.signal,
    {
      report: () => ({}),
      end: () => {},
      hold: () => {},
      streamConnected: stream,
      starting: () => false,
      registerAgain: async () => true,
    },
  );
  cleanups.push(() => watch.stop());
  return watch;
}

describe("a heartbeat under a spent rate budget", () => {
  it("while a quiet state check waits: checks the state in its own class and is sent, without waiting for the quiet one", async () => {
    const client = new NoQuietMoment();
    let stream = true;
    const watch = watchOf(client, () => stream);
    await watch.heartbeat(); // accepted, with the stream up: no check first
    void watch.stateTick(); // a quiet check (heartbeats are accepted), waiting
    expect(client.checks).toEqual(["quiet"]);
    stream = false; // the stream drops: the next heartbeat checks the state first
    await watch.heartbeat();
    expect(client.checks).toEqual(["quiet", "own"]);
    expect(client.heartbeats).toHaveLength(2);
  });

  it("refused unsent, is sent once more when its turn comes, not an interval later", async () => {
    const client = new (class extends FakeClient {
      refusals = 1;
      override async heartbeat(report?: HeartbeatReport): Promise<void> {
        if (this.refusals-- > 0) {
          throw new MoleculeRateLimitError("not sent: the budget is spent", { retryAfterMs: 50 });
        }
        await super.heartbeat(report);
      }
    })();
    const warnings: string[] = [];
    const watch = watchOf(client, () => true, { warn: (m: string) => warnings.push(m) });
    const t0 = performance.now();
    await watch.heartbeat();
    expect(client.heartbeats).toHaveLength(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    expect(warnings).toEqual([]);
    // Refused twice in a row: reported, and left to the next interval.
    client.refusals = 2;
    await watch.heartbeat();
    expect(client.heartbeats).toHaveLength(1);
    expect(warnings).toEqual(["heartbeat failed"]);
  });
});
