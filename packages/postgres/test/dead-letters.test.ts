// A message that crashes every replica that runs it (kill -9 from its handler; the replicas are
// restarted like a supervisor would): delivered maxDeliveries times, then dead-lettered once (a
// typed error through onDeadLetter, a 'dead' row in the table), never run again; 0 other lost.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PlatformClient } from "@molecule-ai/agent-core";
import { waitFor } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";
import { type Replica, readLogs, sendMessages } from "./replicas.js";

const pg = usePostgres({ emulator: true, replicas: true });

async function sendPoison(targetId: string): Promise<string> {
  const s = await pg.emu.admin.createWorkspace({ name: "poisoner", deliveryMode: "poll" });
  const peer = new PlatformClient({ platformUrl: pg.emu.url, workspaceId: s.id, token: s.token! });
  const id = randomUUID();
  try {
    await peer.callPeer(targetId, "poison pill", { messageId: id });
  } finally {
    await peer.close();
  }
  return id;
}

describe("delivery limit", () => {
  it("a message that kills every replica is dead-lettered after maxDeliveries, never run again", async () => {
    const maxDeliveries = 3;
    const { ws, env } = await pg.replicaWorkspace("poisoned", {
      HANDLER_MS: "1",
      CONCURRENCY: "1",
      CRASH_ON: "poison",
      MAX_DELIVERIES: String(maxDeliveries),
      VISIBILITY_MS: "1000",
      LEASE_MS: "3000",
      POLL_MS: "200",
    });
    // A supervisor: two replicas at all times, a crashed one is replaced.
    const logs: string[] = [];
    const started: Replica[] = [];
    const starting = new Set<Promise<void>>(); // replacements not ready yet
    let supervising = true;
    let onDead!: (line: string) => void;
    const dead = new Promise<string>((r) => (onDead = r));
    const supervise = async (): Promise<void> => {
      const { replica, log } = await pg.set.one(env);
      logs.push(log);
      started.push(replica);
      void replica.line("dead ").then(onDead);
      void replica.exited.then(() => {
        if (!supervising || replica.child.signalCode !== "SIGKILL") return;
        const next = supervise().finally(() => starting.delete(next));
        starting.add(next);
      });
    };
    await Promise.all([supervise(), supervise()]);
    const poison = await sendPoison(ws.id);
    const normal = await sendMessages(pg.emu, ws.id, 10);

    expect(await dead).toBe(`dead ${poison} delivery_limit`);
    const later = await sendMessages(pg.emu, ws.id, 5); // handled after the dead letter
    await waitFor(
      async () => {
        const log = await readLogs(logs);
        return [...normal, ...later].every((id) => log.done.has(id));
      },
      { timeoutMs: 240_000, intervalMs: 50 },
    );
    supervising = false;
    // The last crash's replacement may still be starting: stopped too once ready (else it ran on).
    await Promise.all(starting);
    await pg.set.stop(started);

    const log = await readLogs(logs);
    expect(log.starts.get(poison)).toEqual([0, 1, 1]); // maxDeliveries runs, redeliveries flagged
    expect(log.done.has(poison)).toBe(false);
    expect(started.filter((r) => r.child.signalCode === "SIGKILL")).toHaveLength(maxDeliveries);
    for (const id of [...normal, ...later]) expect(log.starts.get(id)).toEqual([0]); // 0 lost, once
    const reports = started.flatMap((r) => r.lines.filter((l) => l.startsWith("dead ")));
    expect(reports).toEqual([`dead ${poison} delivery_limit`]); // reported once

    const store = createPostgresStore({ connectionString: pg.dbUrl });
    try {
      const letters = await store.deadLetters(ws.id);
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({
        workspaceId: ws.id,
        messageId: poison,
        deliveries: maxDeliveries,
        error: "delivery_limit",
      });
      expect(letters[0]!.message?.text).toBe("poison pill");
      expect(await store.deadLetters("another-workspace")).toEqual([]);
    } finally {
      await store.close();
    }
    // Each delivery waits out a lease and a replica's start: 5-8 s on a quiet machine, over 60 s
    // when the 2 cores run two suites.
  }, 300_000);
});
