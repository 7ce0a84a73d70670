// Every write the agent keeps until it is sent uses the one table of path-failure.ts: the inbound
// checkpoint, failing on the path to the platform (its host name not resolving, a proxy's 407), is
// written again later and said once by the path warnings; only the platform's own refusal gives it
// up (with its warning, as before). An answer held through the path is kept for the keep time
// (REPLY_KEEP_MS, from when it was queued), not past it. A dead letter's report is sent again
// until it goes (or the agent stops).
import { afterEach, describe, expect, it, vi } from "vitest";
import { MoleculeError } from "../src/index.js";
import { PollCheckpoint } from "../src/agent/source/poll-checkpoint.js";
import type { AgentPlatformClient } from "../src/agent/types.js";
import { Answers, REPLY_KEEP_MS } from "../src/agent/answer/answers.js";
import { AgentObserver, PathWarnings } from "../src/events/index.js";
import type { InboundMessage, OutboxRecord } from "../src/inbound/index.js";
import { DeadLetters } from "../src/agent/answer/dead-letters.js";
import type { AgentStateStore } from "../src/store/index.js";
import { waitFor } from "@internal/test-utils";

const WS = "11111111-2222-4333-8444-555555555555";
const CURSOR = "33333333-3333-4333-8333-333333333333";
const OUTBOX = { sent: async () => {} };

/** The client's error when the platform's host name does not resolve (http.ts). */
const nxdomain = (): MoleculeError =>
  new MoleculeError("could not reach the platform: its host name does not resolve (ENOTFOUND)", {
    code: "connection_failed",
    retryable: false,
    cause: Object.assign(new Error("getaddrinfo ENOTFOUND p.example"), { code: "ENOTFOUND" }),
  });

/** The platform's own refusal of the write (JSON, its error shape). */
const refused = (): MoleculeError =>
  new MoleculeError("POST /activity is not allowed (403)", {
    code: "forbidden",
    status: 403,
    retryable: false,
    body: { error: "source_id must match authenticated workspace" },
  });

/** A checkpoint whose writes fail with `failures`, in order, then pass; and what it said. */
function checkpoint(failures: unknown[]) {
  let writes = 0;
  const client = {
    workspaceId: WS,
    fetchActivityRows: async () => ({ rows: [] }),
    reportActivity: async () => {
      writes++;
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
    },
  } as unknown as AgentPlatformClient;
  const warnings: string[] = [];
  const log = { warn: (m: string) => void warnings.push(m), debug: () => {} };
  const cp = PollCheckpoint.of(client, log, OUTBOX, undefined, new PathWarnings(log, WS))!;
  cp.changed(() => ({ cursor: CURSOR, settled: [], messages: [] }));
  return { cp, warnings, writes: () => writes };
}

afterEach(() => void vi.useRealTimers());

describe("the inbound checkpoint when the path to the platform fails", () => {
  it("is written again later, said once for the cause, then written once", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { cp, warnings, writes } = checkpoint([nxdomain(), nxdomain(), nxdomain()]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(writes()).toBe(1);
    for (let i = 0; i < 3; i++) await vi.advanceTimersByTimeAsync(10_000);
    expect(writes()).toBe(4); // 3 failures, then written
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/fails at the resolver .*ENOTFOUND/);
    expect(warnings[1]).toMatch(/path to the platform is back/);
    await cp.flush(); // written: nothing more to write
    await vi.advanceTimersByTimeAsync(30_000);
    expect(writes()).toBe(4);
  });

  it("is given up when the platform itself refused it, with its warning", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { warnings, writes } = checkpoint([refused()]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(writes()).toBe(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(writes()).toBe(1);
    expect(warnings).toEqual(["could not write the inbound checkpoint to the activity log"]);
  });
});

/** An outbox record queued `ageMs` ago, for a canvas message. */
function queued(id: string, ageMs: number): OutboxRecord {
  return {
    id,
    text: `answer ${id}`,
    to: { source: "canvas_user", sourceId: null, activityId: `a-${id}`, messageId: `m-${id}` },
    queuedAt: new Date(Date.now() - ageMs).toISOString(),
  };
}

describe("an answer held through the path, and the keep time", () => {
  it("is held while younger than the keep time, and dead-lettered once older", async () => {
    const dead: string[] = [];
    let attempts = 0;
    const client = {
      workspaceId: WS,
      reply: async () => {
        attempts++;
        throw nxdomain();
      },
    } as unknown as AgentPlatformClient;
    const observer = AgentObserver.of({ client, logger: {} });
    const answers = new Answers(
      client,
      { retryBaseMs: 1, onDeadLetter: (msg) => void dead.push(msg.messageId!) },
      observer,
    );
    const records = [queued("young", 60 * 60_000), queued("old", REPLY_KEEP_MS + 60_000)];
    const store = {
      loadOutbox: async () => records,
      saveOutbox: async () => {},
      trimOutbox: () => {},
      flush: async () => {},
      proven: async () => true,
    } as unknown as AgentStateStore;
    await answers.attach(store);
    // Past maxAttempts (3) for the young one: it is held; the old one went at its first failure.
    await waitFor(() => attempts >= 8, { timeoutMs: 10_000 });
    expect(dead).toEqual(["m-old"]);
    expect(answers.pendingReplies).toBe(1);
    await answers.stop(0, true);
  });
});

/** Dead letters whose reports fail with `failures`, in order, then go; what they said. */
function deadLetters(failures: unknown[], stopping: AbortSignal) {
  let reports = 0;
  const client = {
    workspaceId: WS,
    reportActivity: async () => {
      reports++;
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
    },
  } as unknown as AgentPlatformClient;
  const warnings: string[] = [];
  const logger = { warn: (m: string) => void warnings.push(m), error: () => {} };
  const observer = AgentObserver.of({ client, logger });
  const dl = new DeadLetters(client, { onDeadLetter: () => {} }, observer, stopping);
  return { dl, warnings, reports: () => reports };
}

describe("a dead letter's report when the path to the platform fails", () => {
  const msg = {
    messageId: "m1",
    activityId: "a1",
    source: "canvas_user",
    sourceId: null,
    text: "hi",
  } as unknown as InboundMessage;

  it("is sent again until it goes, said once for the cause", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { dl, warnings, reports } = deadLetters(
      [nxdomain(), nxdomain()],
      new AbortController().signal,
    );
    await dl.deadLetter(msg, new Error("the model is down"));
    await vi.advanceTimersByTimeAsync(10_000);
    await dl.reported();
    expect(reports()).toBe(3);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/fails at the resolver .*ENOTFOUND/);
    expect(warnings[1]).toMatch(/path to the platform is back/);
  });

  it("is not sent again once the agent stops", async () => {
    const stop = new AbortController();
    const { dl, reports } = deadLetters(Array.from({ length: 100 }, nxdomain), stop.signal);
    await dl.deadLetter(msg, new Error("the model is down"));
    await waitFor(() => reports() >= 1);
    stop.abort();
    await dl.reported();
    expect(reports()).toBe(1);
  });
});
