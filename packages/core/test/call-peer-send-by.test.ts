// Issue 100: an awaited call's question gets its turn of a spent rate budget while its answer can
// still come back in time (a minute of the platform's, at most half the call), or is refused
// unsent; the mark it sends its question with says by when (the transport's test of the mark:
// rate-budget-classes.test.ts). A question sent later under a spent budget took the turns the
// answers of the questions already sent needed, and its own answer came after its caller gave up.
import { describe, expect, it } from "vitest";
import { PeerCalls } from "../src/agent/route/call-peer.js";
import type { AgentPlatformClient } from "../src/agent/types.js";
import { sendByOf } from "../src/transport/rate-class.js";

/** The `sendBy` mark (ms after the call started) of the question of a call with `options`. */
async function sendByOfCall(options: { timeoutMs?: number; awaitReply?: boolean }) {
  let signal: AbortSignal | undefined;
  const client = {
    workspaceId: "w-1",
    callPeer: async (_peer: string, _msg: unknown, o: { signal?: AbortSignal }) => {
      signal = o.signal;
      throw new Error("not sent in this test");
    },
  } as unknown as AgentPlatformClient;
  const calls = new PeerCalls(client, () => ({ phase: "running", delivery: "poll" }));
  const t0 = performance.now();
  await expect(calls.callPeer("peer-1", "hi", options)).rejects.toThrow("not sent in this test");
  const by = sendByOf(signal);
  return by === undefined ? undefined : { min: by - performance.now(), max: by - t0 };
}

describe("an awaited callPeer's question", () => {
  it("must be sent while a minute is left for its answer, or half the call when shorter", async () => {
    const expectBy = async (o: { timeoutMs?: number }, ms: number) => {
      const by = await sendByOfCall(o);
      expect(by?.max).toBeGreaterThanOrEqual(ms);
      expect(by?.min).toBeLessThanOrEqual(ms);
    };
    await expectBy({}, 60_000); // the default 120 s
    await expectBy({ timeoutMs: 360_000 }, 300_000);
    await expectBy({ timeoutMs: 10_000 }, 5_000);
    // A call that does not await its answer keeps its own deadline.
    expect(await sendByOfCall({ awaitReply: false })).toBeUndefined();
  });
});
