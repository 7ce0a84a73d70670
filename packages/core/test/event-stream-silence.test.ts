// EventWakeups trusts no stream past its silence bound (issue 87: a NAT that forgets the flow sends
// no FIN or RST, and the stream was believed for undici's 300 s body timeout): a stream silent for
// `idleTimeoutMs` is closed and reopened, and the outage is reported once; a stream that pings
// within the bound is kept; a stream that cannot be reopened for as long is reported once too.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { waitFor } from "@internal/test-utils";
import {
  EventWakeups,
  type EventWakeupsOptions,
  type OwnHeartbeats,
} from "../src/platform/event-wakeups.js";
import { watchWakeupOutages } from "../src/agent/source/poll-fetch.js";
import type { AgentPlatformClient } from "../src/agent/types.js";
import type { AgentObserver, EventWakeupsUnavailableWarning } from "../src/events/index.js";
import type { ChunkedBody, ChunkReader } from "../src/transport/chunked.js";

const logger = {};
/** An agent's heartbeats that explain no silence (none held back, none accepted). */
const never: OwnHeartbeats = { held: () => false, acceptedAt: () => undefined };

/** A chunked body the test writes to (the shape a PlatformClient's stream has). */
function chunked(): ChunkedBody & { write(text: string): void; closed: boolean } {
  let reader: ChunkReader | undefined;
  const body = {
    done: false,
    closed: false,
    read(r: ChunkReader) {
      reader = r;
    },
    write(text: string) {
      reader?.data(Buffer.from(text));
    },
    close() {
      if (body.done) return;
      body.done = body.closed = true;
      reader?.end(new DOMException("stream closed", "AbortError"));
    },
    pause() {},
    resume() {},
  };
  return body;
}

/**
 * EventWakeups over `n` chunked bodies (each open takes the next), its silence bound `idleTimeoutMs`:
 * the bodies, how often it opened, and the outages it reported.
 */
function wakeups(idleTimeoutMs: number, n: number, heartbeats?: OwnHeartbeats) {
  const r = {
    bodies: Array.from({ length: n }, () => chunked()),
    opens: 0,
    reasons: [] as string[],
  };
  const w = new EventWakeups({
    logger,
    idleTimeoutMs,
    backoffBaseMs: 10,
    ...(heartbeats === undefined ? {} : { heartbeats }),
    open: async () => ({ chunks: r.bodies[r.opens++]! }),
    onWake: () => undefined,
    onUnavailable: (reason) => void r.reasons.push(reason),
  });
  return Object.assign(r, { w });
}

describe("EventWakeups and a silent stream", () => {
  it("closes a stream silent for idleTimeoutMs, reopens it and reports the outage once", async () => {
    const r = wakeups(300, 3);
    const { w, bodies, reasons } = r;
    w.start();
    await waitFor(() => r.opens === 1 && w.connected);
    bodies[0]!.write(": ping\n\n");
    // Forgotten by a NAT: nothing arrives any more.
    await waitFor(() => r.opens === 2 && w.connected);
    expect(bodies[0]!.closed).toBe(true);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toContain("stayed silent for 300 ms");
    expect(reasons[0]).toContain("NAT");
    // The new stream is silent too: one outage reported per outage, each time it goes silent.
    await waitFor(() => r.opens === 3);
    expect(reasons).toHaveLength(2);
    await w.stop();
  });

  it("keeps a stream that writes within the bound (a byte stream, the other shape)", async () => {
    const body = new PassThrough();
    let opens = 0;
    const reasons: string[] = [];
    const w = new EventWakeups({
      logger,
      idleTimeoutMs: 300,
      open: async () => {
        opens++;
        return { body };
      },
      onWake: () => undefined,
      onUnavailable: (reason) => void reasons.push(reason),
    });
    w.start();
    await waitFor(() => w.connected);
    // Pings every 50 ms for well over twice the bound.
    for (let i = 0; i < 16; i++) {
      body.write(": ping\n\n");
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(opens).toBe(1);
    expect(reasons).toEqual([]);
    // Then silence: closed, reopened (the same PassThrough is destroyed: the reopen gets it ended).
    await waitFor(() => reasons.length === 1);
    expect(body.destroyed).toBe(true);
    await w.stop();
  });

  it("reports a stream that cannot be reopened for idleTimeoutMs, once", async () => {
    const first = chunked();
    let opens = 0;
    const reasons: string[] = [];
    const w = new EventWakeups({
      logger,
      idleTimeoutMs: 300,
      backoffBaseMs: 20,
      backoffMaxMs: 40,
      open: async () => {
        if (opens++ === 0) return { chunks: first };
        throw new Error("connect ECONNREFUSED");
      },
      onWake: () => undefined,
      onUnavailable: (reason) => void reasons.push(reason),
    });
    w.start();
    await waitFor(() => w.connected);
    first.write(": ping\n\n");
    first.close(); // the platform restarts: the stream ends, and reopening fails for a while
    await waitFor(() => reasons.length === 1);
    expect(reasons[0]).toContain("could not be reopened");
    expect(reasons[0]).toContain("ECONNREFUSED");
    const after = opens;
    await waitFor(() => opens > after + 3);
    expect(reasons).toHaveLength(1);
    await w.stop();
  });
});

describe("EventWakeups in a process that was paused", () => {
  it("a silence that the process slept through is not judged until a heartbeat event's time after it wakes", async () => {
    const r = wakeups(1_000, 2, never);
    const { w, bodies, reasons } = r;
    w.start();
    await waitFor(() => r.opens === 1 && w.connected);
    bodies[0]!.write(": ping\n\n");
    // The process freezes for 1.5 s (past the bound); the event the platform wrote meanwhile is
    // read once it runs again, after its overdue timers (here: a timer due after theirs).
    const until = performance.now() + 1_500;
    while (performance.now() < until); // frozen: nothing of this process runs
    const read = new Promise<void>((resolve) =>
      setTimeout(() => {
        bodies[0]!.write('data: {"type":"WORKSPACE_HEARTBEAT","timestamp":1,"data":{}}\n\n');
        resolve();
      }, 1),
    );
    await read;
    expect({ opens: r.opens, reasons, closed: bodies[0]!.closed }).toEqual({
      opens: 1,
      reasons: [],
      closed: false,
    });
    // Silent from then on: judged as any silence.
    await waitFor(() => r.opens === 2 && w.connected);
    expect(reasons).toHaveLength(1);
    await w.stop();
  });
});

describe("EventWakeups and the agent's own heartbeats (the August server writes only their events)", () => {
  it("a silence while a heartbeat is held back by the rate budget is kept; once it is accepted, its event is due", async () => {
    let held = false;
    let acceptedAt: number | undefined;
    const r = wakeups(200, 2, { held: () => held, acceptedAt: () => acceptedAt });
    const { w, bodies, reasons } = r;
    w.start();
    await waitFor(() => r.opens === 1 && w.connected);
    bodies[0]!.write(": ping\n\n"); // the one ping the server writes when the stream opens
    // The next heartbeat waits for its turn (a spent budget): three bounds of silence pass.
    held = true;
    await new Promise((r) => setTimeout(r, 700)); // the scenario: a silence, not a wait for an event
    expect({ opens: r.opens, reasons, closed: bodies[0]!.closed }).toEqual({
      opens: 1,
      reasons: [],
      closed: false,
    });
    // It goes, is accepted, and its event arrives: kept.
    held = false;
    acceptedAt = performance.now();
    bodies[0]!.write('data: {"type":"WORKSPACE_HEARTBEAT","timestamp":1,"data":{}}\n\n');
    // The next one is held too; then accepted, and its event never comes (a NAT forgot the flow).
    held = true;
    await new Promise((r) => setTimeout(r, 500)); // the scenario again: a held heartbeat's silence
    expect({ opens: r.opens, reasons }).toEqual({ opens: 1, reasons: [] });
    held = false;
    acceptedAt = performance.now();
    await waitFor(() => r.opens === 2 && w.connected);
    expect(bodies[0]!.closed).toBe(true);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toContain("stayed silent for 200 ms");
    await w.stop();
  });

  it("a silence with no heartbeat held back counts as before, accepted heartbeats or not", async () => {
    const r = wakeups(200, 2, { held: () => false, acceptedAt: () => performance.now() });
    const { w, reasons } = r;
    w.start();
    await waitFor(() => r.opens === 2 && w.connected);
    expect(reasons).toHaveLength(1);
    await w.stop();
  });
});

describe("the agent's silence bound", () => {
  it("is 45 s, or 1.5 heartbeat intervals when longer; an outage is a typed warning", () => {
    const seen: EventWakeupsUnavailableWarning[] = [];
    const observer = { wakeupsUnavailable: (w) => void seen.push(w) } as AgentObserver;
    const client = { workspaceId: "ws-1" } as AgentPlatformClient;
    const bound = (o: object): number | undefined =>
      watchWakeupOutages({} as EventWakeupsOptions, { client, ...o }, observer, never)
        .idleTimeoutMs;
    expect(bound({})).toBe(45_000);
    expect(bound({ heartbeatIntervalMs: 10_000 })).toBe(45_000);
    expect(bound({ heartbeatIntervalMs: 60_000 })).toBe(90_000);
    expect(bound({ heartbeatIntervalMs: 60_000, eventIdleTimeoutMs: 5_000 })).toBe(5_000);
    const w = watchWakeupOutages(
      {} as EventWakeupsOptions,
      { client, pollIntervalMs: 700 },
      observer,
      never,
    );
    w.onUnavailable?.("the event stream stayed silent");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ code: "event_wakeups_unavailable", pollIntervalMs: 700 });
    expect(seen[0]!.message).toContain("event wake-ups are down: the event stream stayed silent");
  });
});
