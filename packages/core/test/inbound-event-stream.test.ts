// EventWakeups (SSE wake-ups): wake on inbound activity, and stop() never waits for the next chunk
// of a silent stream, whatever kind of stream `open` returns and whenever the abort happens.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { waitFor } from "@internal/test-utils";
import { EventWakeups, isInboundActivityEvent } from "../src/platform/event-wakeups.js";
import type { EventStreamBody } from "../src/platform/event-wakeups.js";

const logger = {};

/** Resolves with "stopped", or "hung" when stop() is still pending after `ms`. */
async function stopsPromptly(w: EventWakeups, ms = 2_000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    w.stop().then(() => "stopped"),
    new Promise<string>((r) => (timer = setTimeout(() => r("hung"), ms))),
  ]);
  clearTimeout(timer);
  return outcome;
}

/** A platform event in the `data:`-only shape (no SSE event name). */
const data = (type: string, inner: object = {}): string =>
  `data: ${JSON.stringify({ type, timestamp: 1, data: inner })}\n\n`;

const frame = (type: string, activityType: string): string =>
  `event: ${type}\ndata: ${JSON.stringify({ type, data: { activity_type: activityType } })}\n\n`;

describe("EventWakeups", () => {
  it("wakes on a2a_receive activity events only (plus once per connect)", async () => {
    const body = new PassThrough();
    let wakes = 0;
    const w = new EventWakeups({
      logger,
      open: async () => ({ body }),
      onWake: () => void wakes++,
    });
    w.start();
    await waitFor(() => w.connected);
    expect(wakes).toBe(1);
    body.write(frame("ACTIVITY_LOGGED", "a2a_send"));
    body.write(": ping\n\n");
    body.write(frame("ACTIVITY_LOGGED", "a2a_receive"));
    await waitFor(() => wakes === 2);
    expect(await stopsPromptly(w)).toBe("stopped");
    expect(body.destroyed).toBe(true);
    expect(isInboundActivityEvent("WORKSPACE_UPDATED", "{}")).toBe(false);
  });

  it("says which row an event announces: its id (the emulator's), its message's (the August server's, twice), its sender", async () => {
    const body = new PassThrough();
    const seen: unknown[] = [];
    const w = new EventWakeups({
      logger,
      open: async () => ({ body }),
      onWake: (a) => void seen.push(a),
    });
    w.start();
    await waitFor(() => w.connected);
    // Recorded from the August server (a hosted tenant, a message to a poll workspace): an event
    // at its ingest and one once queued for poll, one row; neither names the row.
    const august = {
      activity_type: "a2a_receive",
      message_id: "m-1",
      method: "message/send",
      source_id: "peer-1",
    };
    body.write(data("ACTIVITY_LOGGED", { ...august, summary: "message/send → a (ingest)" }));
    body.write(
      data("ACTIVITY_LOGGED", { ...august, summary: "message/send → a (queued for poll)" }),
    );
    body.write(data("ACTIVITY_LOGGED", { activity_type: "a2a_receive", id: "row-1" }));
    await waitFor(() => seen.length === 4);
    expect(seen).toEqual([
      undefined, // the connect's catch-up
      { id: undefined, messageId: "m-1", sourceId: "peer-1" },
      { id: undefined, messageId: "m-1", sourceId: "peer-1" },
      { id: "row-1", messageId: undefined, sourceId: undefined },
    ]);
    expect(await stopsPromptly(w)).toBe("stopped");
  });

  it("an event too large to keep (a row with a large body) wakes a read; the stream stays up", async () => {
    const body = new PassThrough();
    const seen: unknown[] = [];
    const down: string[] = [];
    const w = new EventWakeups({
      logger,
      open: async () => ({ body }),
      onWake: (a) => void seen.push(a?.event ?? a),
      onUnavailable: (reason) => void down.push(reason),
      maxKeptBytes: 1024,
    });
    w.start();
    await waitFor(() => w.connected);
    const big = { activity_type: "a2a_receive", request_body: { text: "x".repeat(4096) } };
    // Its line arrives in parts; what is past the bound is dropped as it comes.
    const line = data("ACTIVITY_LOGGED", big);
    for (let i = 0; i < line.length; i += 1000) body.write(line.slice(i, i + 1000));
    const small = { activity_type: "a2a_receive", source_id: "p", request_body: { text: "hi" } };
    body.write(data("ACTIVITY_LOGGED", small));
    await waitFor(() => seen.length === 3);
    // The connect's catch-up, the cut line's wake (no row: a read brings it), then the small one.
    expect(seen).toEqual([undefined, undefined, small]);
    expect(w.connected).toBe(true);
    expect(down).toEqual([]);
    expect(await stopsPromptly(w)).toBe("stopped");
  });

  it("reports pause and removal, in both event shapes, and ignores every other event", async () => {
    const body = new PassThrough();
    const seen: string[] = [];
    const w = new EventWakeups({
      logger,
      open: async () => ({ body }),
      onWake: () => void seen.push("wake"),
      onStateEvent: () => void seen.push("state"),
    });
    w.start();
    await waitFor(() => w.connected);
    body.write(data("WORKSPACE_HEARTBEAT", { active_tasks: 0 })); // the platform's, per heartbeat
    body.write(data("ACTIVITY_LOGGED", { activity_type: "heartbeat" }));
    body.write(data("WORKSPACE_PAUSED"));
    body.write(data("AGENT_MESSAGE", { text: "WORKSPACE_PAUSED" })); // the name, not the type
    body.write(`event: WORKSPACE_REMOVED\ndata: {}\n\n`);
    body.write(data("ACTIVITY_LOGGED", { activity_type: "a2a_receive" }));
    await waitFor(() => seen.length === 4);
    expect(seen).toEqual(["wake", "state", "state", "wake"]);
    expect(await stopsPromptly(w)).toBe("stopped");
  });

  it("stop() cancels a pending read of a silent web ReadableStream (no close() given)", async () => {
    let cancelled = false;
    let pulled = false;
    const body = new ReadableStream<Uint8Array>(
      {
        start(c) {
          c.enqueue(new TextEncoder().encode(": ping\n\n"));
        },
        // With no buffering, pull() runs only for a read that finds nothing queued.
        pull() {
          pulled = true;
        },
        cancel() {
          cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const w = new EventWakeups({ logger, open: async () => ({ body }), onWake: () => {} });
    w.start();
    await waitFor(() => w.connected);
    await waitFor(() => pulled); // the first chunk is read, the next read pends
    expect(await stopsPromptly(w)).toBe("stopped");
    expect(cancelled).toBe(true);
  });

  it("stop() during open(): the stream that arrives after the abort is closed at once", async () => {
    const body = new PassThrough(); // silent: a read would wait for the next keep-alive
    let closed = 0;
    let opening!: () => void;
    const opened = new Promise<void>((r) => (opening = r));
    const w = new EventWakeups({
      logger,
      // The response arrives just as the agent stops (the abort races the headers).
      open: (signal) =>
        new Promise<{ body: EventStreamBody; close: () => void }>((resolve) => {
          opening();
          signal.addEventListener("abort", () =>
            resolve({ body, close: () => void (closed++, body.destroy()) }),
          );
        }),
      onWake: () => {},
    });
    w.start();
    await opened;
    expect(await stopsPromptly(w)).toBe("stopped");
    expect(closed).toBe(1);
    expect(body.destroyed).toBe(true);
  });

  it("closes the stream when it fails, then reconnects", async () => {
    const bodies: PassThrough[] = [];
    let closes = 0;
    const w = new EventWakeups({
      logger,
      backoffBaseMs: 1,
      backoffMaxMs: 5,
      open: async () => {
        const body = new PassThrough();
        bodies.push(body);
        return { body, close: () => void (closes++, body.destroy()) };
      },
      onWake: () => {},
    });
    w.start();
    await waitFor(() => bodies.length === 1 && w.connected);
    bodies[0]!.destroy(new Error("connection reset"));
    await waitFor(() => bodies.length === 2 && w.connected);
    expect(closes).toBe(1);
    expect(await stopsPromptly(w)).toBe("stopped");
    expect(closes).toBe(2);
  });
});
