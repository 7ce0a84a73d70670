// Issue 87: a checkpoint never passes an answer that has not left the outbox. The messages a
// checkpoint passes were settled with their answers queued (in memory, without saved state); a
// checkpoint written before those answers are sent, then a kill, would lose them: the next start
// resumes after the checkpoint and never handles those messages again.
import { describe, expect, it } from "vitest";
import { PollCheckpoint } from "../src/agent/source/poll-checkpoint.js";
import type { AgentPlatformClient } from "../src/agent/types.js";

const WS = "11111111-2222-4333-8444-555555555555";
const CURSOR = "33333333-3333-4333-8333-333333333333";

describe("PollCheckpoint and the reply outbox", () => {
  it("writes a checkpoint only once the answers queued before it have left the outbox", async () => {
    const writes: unknown[] = [];
    const client = {
      workspaceId: WS,
      fetchActivityRows: async () => ({ rows: [] }),
      reportActivity: async (a: unknown) => void writes.push(a),
    } as unknown as AgentPlatformClient;
    let asked = 0;
    let release!: () => void;
    const sent = new Promise<void>((r) => (release = r));
    const outbox = {
      sent: () => {
        asked++;
        return sent;
      },
    };
    const cp = PollCheckpoint.of(client, {}, outbox)!;
    cp.changed(() => ({ cursor: CURSOR, settled: [], messages: [] }));
    const flushing = cp.flush(false);
    await new Promise((r) => setImmediate(r));
    expect(asked).toBe(1);
    expect(writes).toHaveLength(0); // an answer is still in the outbox
    release();
    await flushing;
    expect(writes).toHaveLength(1);
    cp.cancel();
  });
});
