// Issue 86: the inbound checkpoint under a spent rate budget. A read that fails is never taken as
// "no checkpoint" (a first start would deliver again what the platform still holds): it is read
// again until it reads (one line), a read that cannot succeed fails the start with a typed
// error, and a write the budget kept from being sent is tried again without a warning.
import { afterEach, describe, expect, it, vi } from "vitest";
import { MoleculeError, MoleculeRateLimitError } from "../src/index.js";
import { PollCheckpoint } from "../src/agent/source/poll-checkpoint.js";
import type { AgentPlatformClient } from "../src/agent/types.js";

const WS = "11111111-2222-4333-8444-555555555555";
const CURSOR = "33333333-3333-4333-8333-333333333333";
const OUTBOX = { sent: async () => {} };

const row = {
  id: "44444444-4444-4444-8444-444444444444",
  method: "molecule/inbound_checkpoint",
  source_id: WS,
  request_body: { inbound_checkpoint: { v: 1, cursor: CURSOR, settled: [], messages: [] } },
};

/** A client whose activity reads fail with `failures`, in order, then find the checkpoint. */
function clientWith(failures: unknown[], write?: () => Promise<void>) {
  const reads: number[] = [];
  const client = {
    workspaceId: WS,
    fetchActivityRows: async () => {
      reads.push(reads.length);
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      return { rows: [row] };
    },
    reportActivity: write ?? (async () => {}),
  } as unknown as AgentPlatformClient;
  return { client, reads };
}

function logger() {
  const warnings: string[] = [];
  const infos: string[] = [];
  const log = {
    warn: (m: string) => void warnings.push(m),
    info: (m: string) => void infos.push(m),
    debug: () => {},
  };
  return { warnings, infos, log };
}

const spent = () =>
  new MoleculeRateLimitError("GET /activity was not sent: the budget is spent", {
    retryAfterMs: 5,
    status: undefined,
  });

afterEach(() => void vi.useRealTimers());

describe("PollCheckpoint.read under a spent rate budget", () => {
  it("reads again until it reads, with one line (not a warning: the budget's pace is no failure), instead of taking a failed read as none", async () => {
    const { client, reads } = clientWith([spent(), spent(), spent()]);
    const { warnings, infos, log } = logger();
    const cp = PollCheckpoint.of(client, log, OUTBOX)!;
    let held = 0;
    const got = await cp.read(new AbortController().signal, () => held++);
    expect(got?.cursor).toBe(CURSOR);
    expect(reads).toHaveLength(4);
    expect(held).toBe(3); // the start goes on at the first
    expect(warnings).toEqual([]);
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatch(
      /when the platform's rate limit gives it a turn; no message is read before it/,
    );
  });

  it("any other transient failure is one warning, and read again", async () => {
    const outage = new MoleculeError("unavailable", { code: "unavailable", retryable: true });
    const { client, reads } = clientWith([outage]);
    const { warnings, log } = logger();
    const cp = PollCheckpoint.of(client, log, OUTBOX)!;
    expect((await cp.read(new AbortController().signal))?.cursor).toBe(CURSOR);
    expect(reads).toHaveLength(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/reading it again/);
  });

  it("a read that cannot succeed fails with checkpoint_unreadable (the start fails, nothing is delivered twice)", async () => {
    const denied = new MoleculeError("forbidden", { code: "forbidden", status: 403 });
    const { client } = clientWith([denied]);
    const cp = PollCheckpoint.of(client, logger().log, OUTBOX)!;
    const err = await cp.read(new AbortController().signal).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "checkpoint_unreadable", retryable: false });
    expect((err as Error).message).toMatch(/deliver again/);
  });

  it("stops reading when the agent stops", async () => {
    const { client } = clientWith(Array.from({ length: 1_000 }, spent));
    const cp = PollCheckpoint.of(client, logger().log, OUTBOX)!;
    const stop = new AbortController();
    const reading = cp.read(stop.signal).catch((e: unknown) => e);
    stop.abort();
    expect(await reading).toBeInstanceOf(Error);
  });
});

describe("PollCheckpoint writes under a spent rate budget", () => {
  it("a write the budget kept from being sent is tried again later, without a warning", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let writes = 0;
    const { client } = clientWith([], async () => {
      if (writes++ === 0) throw spent();
    });
    const { warnings, log } = logger();
    const cp = PollCheckpoint.of(client, log, OUTBOX)!;
    cp.changed(() => ({ cursor: CURSOR, settled: [], messages: [] }));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(writes).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(writes).toBe(2);
    expect(warnings).toHaveLength(0);
    await cp.flush(); // written: nothing more to write
    expect(writes).toBe(2);
  });
});
