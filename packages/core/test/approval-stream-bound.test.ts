// Issue 92, "every stream bounded", for the approvals' reader of the platform's event stream
// (`readWorkspaceEvents`, what `ApprovalWaiter` waits on): a stream that sends one line without an
// end is closed at EVENT_STREAM_MAX_CHARS (not read on), said in the debug log, and reopened.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { EVENT_STREAM_MAX_CHARS } from "../src/platform/index.js";
import { readWorkspaceEvents } from "../src/org/approvals.js";

const CHUNK = new TextEncoder().encode("x".repeat(64 * 1024));
/** What one stream may send before it ends by itself: far past the bound. */
const CAP = 8 * EVENT_STREAM_MAX_CHARS;

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
      expect(read[0]).toBeGreaterThan(EVENT_STREAM_MAX_CHARS - CHUNK.length);
      expect(read[0]).toBeLessThanOrEqual(EVENT_STREAM_MAX_CHARS + CHUNK.length);
      expect(logged[0]).toMatch(
        opening === "data: "
          ? /sent an event larger than 4194304 characters/
          : /sent a line longer than 4194304 characters without an end/,
      );
    },
    30_000,
  );
});
