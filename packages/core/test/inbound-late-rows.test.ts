// Rows that commit out of order (issue 86): the platform stamps a row's created_at when its write
// starts and the row becomes visible when the write commits, so under concurrent writes a row can
// appear after a newer one was read; `since_id` reads strictly after the cursor's (created_at, seq)
// (enteros-core aeec8e47 activity.go 518-541, 1091-1222). The emulator's `lateCommits` commits
// rows the same way. Bursts of 5, 10 and 50 messages and answers at once, from one and from many
// senders, over several rounds: every one handled once and every answer delivered; a plain cursor
// (`pollSettleMs: 0`) loses some. A row later than the settle window is found by the audit re-read,
// delivered, and reported (`inboundGap`, reason `late_row`).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { lateRowRig } from "./fixtures/late-row-rig.js";
import { PlatformClient, RemoteAgent, memoryStore } from "../src/index.js";
import type { InboundGapWarning, InboundMessage } from "../src/index.js";

const quiet = { info: () => undefined, debug: () => undefined };

describe.each(["latest", "2026-04"] as const)(
  "rows committed out of order (%s contract)",
  (compat) => {
    let emu: Emulator;
    const clients: PlatformClient[] = [];
    const agents: Array<RemoteAgent<PlatformClient>> = [];

    beforeAll(async () => {
      // Heavier than the real server's (about 1 row in 30 late by a few ms): a plain cursor loses
      // rows within a round or two.
      emu = await startEmulator({
        compat,
        lateCommits: { maxDelayMs: 20, probability: 0.3, seed: 86 },
      });
    });
    afterAll(async () => {
      await Promise.allSettled(agents.map((a) => a.stop()));
      await Promise.allSettled(clients.map((c) => c.close()));
      await emu?.close();
    });

    async function workspace(name: string): Promise<PlatformClient> {
      const ws = await emu.admin.createWorkspace({ name });
      const c = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! });
      clients.push(c);
      return c;
    }

    function agentOf(
      client: PlatformClient,
      handler: (m: InboundMessage) => string | void,
      extra: { pollSettleMs?: number } = {},
    ): RemoteAgent<PlatformClient> {
      const agent = new RemoteAgent({
        client,
        handler,
        store: memoryStore(),
        pollIntervalMs: 100,
        concurrency: 16,
        logger: quiet,
        ...extra,
      });
      agents.push(agent);
      return agent;
    }

    it("bursts of 5, 10 and 50 messages from one and from five senders: each handled once", async () => {
      const target = await workspace("target");
      const senders = await Promise.all([1, 2, 3, 4, 5].map((i) => workspace(`sender-${i}`)));
      const counts = new Map<string, number>();
      const gaps: InboundGapWarning[] = [];
      const agent = agentOf(target, (m) => void counts.set(m.text, (counts.get(m.text) ?? 0) + 1));
      agent.on("inboundGap", (e) => gaps.push(e.warning));
      await agent.start();
      let sent = 0;
      for (const [size, rounds] of [
        [5, 8],
        [10, 6],
        [50, 2],
      ] as const) {
        for (let round = 0; round < rounds; round++) {
          for (const many of [false, true]) {
            const texts = Array.from({ length: size }, (_, i) => `${size}/${round}/${many}/${i}`);
            await Promise.all(
              texts.map((t, i) =>
                (many ? senders[i % senders.length]! : senders[0]!).callPeer(
                  target.workspaceId,
                  t,
                  {
                    messageId: randomUUID(),
                  },
                ),
              ),
            );
            sent += size;
            await waitFor(() => texts.every((t) => counts.has(t)), { timeoutMs: 30_000 }).catch(
              (err: unknown) => {
                throw new Error(
                  `${String(err)}: missing ${texts.filter((t) => !counts.has(t)).join(", ")}`,
                );
              },
            );
          }
        }
      }
      expect(counts.size).toBe(sent);
      expect(Math.max(...counts.values())).toBe(1);
      expect(gaps.filter((g) => g.reason !== "late_row")).toEqual([]);
    }, 120_000);

    it("bursts of 5, 10 and 50 answers to callPeer at once: every answer delivered, each question handled once", async () => {
      const asker = await workspace("asker");
      const answerer = await workspace("answerer");
      const handled = new Map<string, number>();
      const answering = agentOf(answerer, (m) => {
        handled.set(m.text, (handled.get(m.text) ?? 0) + 1);
        return `re: ${m.text}`;
      });
      const asking = agentOf(asker, () => undefined);
      await answering.start();
      await asking.start();
      let asked = 0;
      for (const [size, rounds] of [
        [5, 6],
        [10, 4],
        [50, 1],
      ] as const) {
        for (let round = 0; round < rounds; round++) {
          const texts = Array.from({ length: size }, (_, i) => `q ${size}/${round}/${i}`);
          const answers = await Promise.all(
            texts.map((t) =>
              asking
                .callPeer(answerer.workspaceId, t, { timeoutMs: 30_000 })
                .then((r) => ("text" in r ? r.text : r.status)),
            ),
          );
          expect(answers).toEqual(texts.map((t) => `re: ${t}`));
          asked += size;
        }
      }
      expect(handled.size).toBe(asked);
      expect(Math.max(...handled.values())).toBe(1);
    }, 180_000);
  },
);

describe("a row later than the settle window", () => {
  it("is found by the audit re-read, delivered once, and reported as late_row", async () => {
    // The first message's row commits only when released: after later rows were read and the
    // (shortened) settle window has closed past it.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holdNext = true;
    let lateStarted = false;
    const emu = await startEmulator({
      compat: "latest",
      commitDelay: (row) => {
        const body = JSON.stringify(row["request_body"] ?? "");
        if (holdNext && body.includes("late one")) {
          holdNext = false;
          lateStarted = true;
          return held;
        }
        return 0;
      },
    });
    const store = memoryStore();
    // The audit re-reads the rows of the last 12 settle windows: 6 s here, room for a loaded
    // machine between the later rows' read and the held row's commit (at 100 ms, 1.2 s was not).
    const { agent, sender, target, counts, gaps, trail, close } = await lateRowRig(emu, {
      store,
      pollIntervalMs: 50,
      pollSettleMs: 500,
    });
    try {
      await agent.start();
      const late = sender.callPeer(target, "late one", { messageId: randomUUID() });
      // Let the late row's write start (its created_at is now) before the next ones.
      await waitFor(() => lateStarted);
      for (let i = 0; i < 3; i++)
        await sender.callPeer(target, `after ${i}`, { messageId: randomUUID() });
      await waitFor(() => counts.size === 3);
      // The settle window closes past the held row (500 ms without newer rows: the saved state
      // then needs no restart point before its cursor, which is the newest row's), then it
      // commits. (The state saved when only the first later row was read has no restart point
      // either: under load the test once took that one for the closed window.)
      const newest = emu
        .activity(target)
        .find((r) => JSON.stringify(r["request_body"] ?? "").includes("after 2"))!;
      await waitFor(async () => {
        const saved = await store.state.load();
        return (
          saved !== undefined && saved.cursor === newest["id"] && saved.settleFrom === undefined
        );
      });
      release();
      await late;
      await waitFor(() => counts.get("late one") === 1, { timeoutMs: 30_000 });
      // A failure says which pass brought the held row (seen once without a report in CI).
      await waitFor(() => gaps.length > 0).catch((err: Error) => {
        throw new Error(`${err.message}; the agent's reads and log: ${trail.join(" | ")}`);
      });
      expect(gaps[0]).toMatchObject({ reason: "late_row", rows: 1, code: "MOLECULE_INBOUND_GAP" });
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    } finally {
      release();
      await close();
      await emu.close();
    }
  }, 60_000);
});
