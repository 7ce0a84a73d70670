// When the poll re-reads its settle window (issue 93): a row is passed only by a write that races
// another, so the window is re-read once per its length under traffic of one row a pass, and five
// times per its length after a pass that saw writes racing (more than one new row, a full page, a
// row read late). Either way a row one pass alone passed is still read by the window.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { lateRowRig } from "./fixtures/late-row-rig.js";
import { PollCursor } from "../src/agent/source/poll-cursor.js";
import { PlatformClient, RemoteAgent, memoryStore } from "../src/index.js";
import type { InboundMessage, InboundPage } from "../src/inbound/index.js";

const quiet = { info: () => undefined, debug: () => undefined };
const SETTLE_MS = 1_000;

function row(n: number, at: number): InboundMessage {
  return {
    activityId: `row-${n}`,
    activitySeq: n,
    receivedAt: new Date(at),
    messageId: `m-${n}`,
    method: "message/send",
    params: {},
    source: "poll",
    sourceId: null,
    text: `${n}`,
    parts: [],
  } as unknown as InboundMessage;
}

/**
 * Passes a tenth of the settle window apart, each bringing `perPass` new rows logged then (the
 * monotonic clock and the platform's run together): how many started behind the newest row read.
 */
function rereads(perPass: number, passes: number, announce = false): number {
  let t = 1_000_000;
  const cursor = new PollCursor("all", quiet, SETTLE_MS, () => t);
  cursor.load({ cursor: "row-0", cursorAt: new Date(t).toISOString() });
  let n = 0;
  let count = 0;
  for (let pass = 0; pass < passes; pass++) {
    t += SETTLE_MS / 10;
    const messages = Array.from({ length: perPass }, () => row(++n, t));
    // The event stream names each row as it commits (before the pass that reads it).
    if (announce) for (const m of messages) cursor.announced(m.activityId!);
    const newest = cursor.fetchCursor;
    if (cursor.passStart() !== newest) count++;
    const page: InboundPage = { messages, lastId: `row-${n}`, lastAt: t, lastSeq: n };
    cursor.fresh(page);
    cursor.read(page.lastId, () => false, { at: t, seq: n });
  }
  return count;
}

describe("how often the poll re-reads its settle window", () => {
  it("one row a pass: once per the window's length; bursts: five times, unless rows are announced", () => {
    // 50 passes over five lengths of the window.
    const steady = rereads(1, 50);
    expect(steady).toBeGreaterThanOrEqual(4);
    expect(steady).toBeLessThanOrEqual(6);
    const bursts = rereads(2, 50);
    expect(bursts).toBeGreaterThanOrEqual(20);
    // Rows the event stream names: a row passed would be announced and missing, so many rows in
    // a pass are no evidence by themselves.
    const announced = rereads(2, 50, true);
    expect(announced).toBeGreaterThanOrEqual(4);
    expect(announced).toBeLessThanOrEqual(6);
  });

  it("a row the event stream announced that a pass reading on did not return: re-read soon", () => {
    for (const announce of [false, true]) {
      let t = 1_000_000;
      const cursor = new PollCursor("all", quiet, SETTLE_MS, () => t);
      cursor.load({ cursor: "row-0", cursorAt: new Date(t).toISOString() });
      const pass = (rows: InboundMessage[]): string | undefined => {
        const from = cursor.passStart();
        const last = rows.at(-1);
        cursor.fresh({ messages: rows, lastId: last?.activityId, lastAt: t });
        cursor.read(last?.activityId, () => false, { at: t });
        return from;
      };
      t += 10;
      pass([row(1, t)]); // re-reads (nothing read yet), then reads row 1
      t += 10;
      pass([row(3, t)]); // reads on: row 3, while row 2 (logged before it) has not committed
      t += 10;
      // Row 2 commits; its event names it; the pass woken reads on from row 3 and misses it.
      if (announce) cursor.announced("row-2");
      expect(pass([])).toBe("row-3");
      // Announced and not returned: the next re-read is due a fifth of the window after the last.
      expect(cursor.settlingWithinMs()).toBe(announce ? SETTLE_MS / 5 - 20 : SETTLE_MS);
      t += SETTLE_MS / 5;
      // Announced: the window is re-read (from behind row 3); else the pass reads on from row 3.
      expect({ announce, readsOn: pass([]) === "row-3" }).toEqual({ announce, readsOn: !announce });
    }
  });

  it("a steady conversation on the emulator re-reads few rows", async () => {
    const emu = await startEmulator({ compat: "latest" });
    const made = await Promise.all(
      ["asker", "answerer"].map((name) => emu.admin.createWorkspace({ name })),
    );
    const [asker, answerer] = made.map(
      (ws) => new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! }),
    ) as [PlatformClient, PlatformClient];
    // Every row the answering agent's reads return, and the distinct ones.
    let returned = 0;
    const distinct = new Set<string>();
    const fetchRows = answerer.fetchActivityRows.bind(answerer);
    answerer.fetchActivityRows = async (o) => {
      const page = await fetchRows(o);
      for (const r of page.rows) {
        returned++;
        distinct.add(r.id);
      }
      return page;
    };
    const settle = { pollSettleMs: 200, store: memoryStore(), logger: quiet };
    const answering = new RemoteAgent({
      client: answerer,
      handler: (m) => `re: ${m.text}`,
      ...settle,
    });
    const asking = new RemoteAgent({
      client: asker,
      handler: () => undefined,
      ...settle,
      store: memoryStore(),
    });
    try {
      await answering.start();
      await asking.start();
      // One question at a time for at least five lengths of the window.
      const started = performance.now();
      let asked = 0;
      while (asked < 20 || performance.now() - started < 5 * 200) {
        const r = await asking.callPeer(answerer.workspaceId, `q${asked}`, { timeoutMs: 30_000 });
        expect("text" in r ? r.text : r).toBe(`re: q${asked}`);
        asked++;
      }
      // Re-read once per the window's length, each re-read holds the rows of about two lengths:
      // about two rows read again per new row (five times per length: about six).
      expect(returned / distinct.size).toBeLessThan(3.5);
    } finally {
      await answering.stop();
      await asking.stop();
      await asker.close();
      await answerer.close();
      await emu.close();
    }
  }, 60_000);

  it("a row passed by a pass of one row is still read by the settle window (no audit)", async () => {
    // The first message's row commits only when released: after the next one was read alone.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let lateStarted = false;
    const emu = await startEmulator({
      compat: "latest",
      commitDelay: (row) => {
        if (lateStarted || !JSON.stringify(row["request_body"] ?? "").includes("late one"))
          return 0;
        lateStarted = true;
        return held;
      },
    });
    const { agent, sender, target, counts, gaps, close } = await lateRowRig(emu, {
      pollSettleMs: 300,
    });
    try {
      await agent.start();
      // A first message read alone, so the window has an anchor to read after.
      await sender.callPeer(target, "first", { messageId: randomUUID() });
      await waitFor(() => counts.has("first"));
      const late = sender.callPeer(target, "late one", { messageId: randomUUID() });
      await waitFor(() => lateStarted);
      await sender.callPeer(target, "after", { messageId: randomUUID() });
      await waitFor(() => counts.has("after"));
      release();
      await late;
      await waitFor(() => counts.get("late one") === 1, { timeoutMs: 30_000 });
      expect([...counts.values()]).toEqual([1, 1, 1]);
      // Read by the settle window: the audit (a minute's re-read) did not have to find it.
      expect(gaps).toEqual([]);
    } finally {
      release();
      await close();
      await emu.close();
    }
  }, 60_000);
});
