// Issue 92, "every stream bounded", for the approvals' reader of the platform's event stream
// (`readWorkspaceEvents`, what `ApprovalWaiter` waits on): a stream that sends one line without an
// end is closed at EVENT_LINE_MAX_BYTES (not read on, never held past EVENT_KEPT_BYTES), said in the
// debug log, and reopened.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { EVENT_LINE_MAX_BYTES } from "../src/platform/index.js";
import { readWorkspaceEvents } from "../src/org/workspace-events.js";

const CHUNK = new TextEncoder().encode("x".repeat(64 * 1024));
/** What one stream may send before it ends by itself: far past the bound. */
const CAP = 2 * EVENT_LINE_MAX_BYTES;

describe("the approvals' event stream reader, one line without an end", () => {
  it.each([["data: "], ["xyz"]])(
    "a line opened with %j is closed at the bound and the stream reopened",
    async (opening) => {
      const read: number[] = [];
      const logged: string[] = [];
      const stop = new AbortController();
      const client = {
        openEventStream: async () => {
          const i = read.push(0) - 1;
          if (read.length >= 3) stop.abort(); // two streams read: enough
          const state = { closed: false };
          async function* body(): AsyncGenerator<Uint8Array> {
            yield new TextEncoder().encode(`: ping\n\n${opening}`);
            while (!state.closed && read[i]! < CAP) {
              read[i]! += CHUNK.length;
              yield CHUNK;
            }
          }
          const stream = Readable.from(body(), { objectMode: false });
          const close = (): void => {
            state.closed = true;
            stream.destroy();
          };
          return { body: stream, close };
        },
      };
      await readWorkspaceEvents(client, stop.signal, () => undefined, undefined, {
        debug: (msg, fields) => void logged.push(`${msg} ${JSON.stringify(fields)}`),
      });
      expect(read.length).toBeGreaterThanOrEqual(2);
      expect(read[0]).toBeGreaterThan(EVENT_LINE_MAX_BYTES - CHUNK.length);
      expect(read[0]).toBeLessThanOrEqual(EVENT_LINE_MAX_BYTES + CHUNK.length);
      // A data line is cut where it is kept (the parser never holds more) and read on to the bound.
      expect(logged[0]).toMatch(/sent a line longer than 33554432 bytes without an end/);
    },
    30_000,
  );
});

describe("the approvals' event stream reader, an event larger than is kept", () => {
  it("an event larger than is kept (a message's, 5 MiB) is dropped as it comes; the stream stays open", async () => {
    const frames: Array<string | undefined> = [];
    const stop = new AbortController();
    let opened = 0;
    const enc = new TextEncoder();
    async function* body(): AsyncGenerator<Uint8Array> {
      yield enc.encode(`: ping\n\ndata: {"type":"ACTIVITY_LOGGED","data":{"request_body":"`);
      for (let sent = 0; sent < 5 * 1024 * 1024; sent += CHUNK.length) yield CHUNK;
      yield enc.encode(`"}}\n\ndata: {"type":"APPROVAL_DECIDED","data":{"id":"a-1"}}\n\n`);
      await new Promise<void>((r) => stop.signal.addEventListener("abort", () => r()));
    }
    const client = {
      openEventStream: async () => {
        opened++;
        const stream = Readable.from(body(), { objectMode: false });
        return { body: stream, close: () => void stream.destroy() };
      },
    };
    const read = readWorkspaceEvents(client, stop.signal, (name) => {
      frames.push(name);
      if (name === "APPROVAL_DECIDED") stop.abort();
    });
    await read;
    // The cut line's event does not parse (no name); the decision after it arrives on the same stream.
    expect(frames.filter((f) => f !== undefined)).toEqual(["APPROVAL_DECIDED"]);
    expect(opened).toBe(1);
  });
});
