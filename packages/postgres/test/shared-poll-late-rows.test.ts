// Rows that commit out of order (issue 86) on the replicas' shared poll: the leader reads through
// core's settle window (the cursor row in the database is its anchor, the work table's keys drop
// what was queued already), so bursts of messages whose rows the platform commits out of
// (created_at, seq) order are each handled once, none passed over. The emulator's `lateCommits`
// commits rows as the August-2026 server does (activity.go at enteros-core aeec8e47).
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { waitFor } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres({
  emulator: { compat: "latest", lateCommits: { maxDelayMs: 20, probability: 0.3, seed: 86 } },
});

it("shared poll: bursts of 5, 10 and 50 from five senders, rows committed out of order: each handled once", async () => {
  const ws = await pg.emu.admin.createWorkspace({ name: "late-rows", deliveryMode: "poll" });
  const client = new PlatformClient({
    platformUrl: pg.emu.url,
    workspaceId: ws.id,
    token: ws.token!,
  });
  const store = createPostgresStore({ connectionString: pg.dbUrl });
  const counts = new Map<string, number>();
  const agent = new RemoteAgent({
    client,
    store,
    logger: {},
    concurrency: 8,
    pollIntervalMs: 100,
    handler: (m) => void counts.set(m.text, (counts.get(m.text) ?? 0) + 1),
  });
  try {
    await agent.start();
    const senders = await Promise.all([1, 2, 3, 4, 5].map((i) => pg.workspaceClient(`late-${i}`)));
    let sent = 0;
    for (const [size, rounds] of [
      [5, 6],
      [10, 4],
      [50, 1],
    ] as const) {
      for (let round = 0; round < rounds; round++) {
        const texts = Array.from({ length: size }, (_, i) => `${size}/${round}/${i}`);
        await Promise.all(
          texts.map((t, i) =>
            senders[i % senders.length]!.client.callPeer(ws.id, t, { messageId: randomUUID() }),
          ),
        );
        sent += size;
        await waitFor(() => texts.every((t) => counts.has(t)), { timeoutMs: 30_000 });
      }
    }
    expect(counts.size).toBe(sent);
    expect(Math.max(...counts.values())).toBe(1);
  } finally {
    await agent.stop();
    await store.close();
    await client.close();
  }
}, 180_000);
