// No message lost when the platform cannot answer with everything since the cursor: a pruned
// cursor (410) re-reads the time window since it and pages forward; a full page is followed at
// once; the baseline's newest-rows window reports the gap it cannot fill.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { waitFor } from "@internal/test-utils";
import { startOrg } from "./fixtures/inbound-org.js";
import { fetchActivity, FileCursorStore, RemoteAgent, type InboundMessage } from "../src/index.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

const org = (compat: "latest" | "2026-04" | "2026-05") => startOrg(compat, cleanups);

/**
 * Sends m1..m7, each in a later millisecond than the row before: the emulator stamps rows in
 * milliseconds, the server in microseconds (Postgres `now()`), where two rows sent one after the
 * other never share a stamp. (Two rows that shared the stamp of a page's oldest row would be one
 * page for `before_ts`: once in CI, m2 beside m3.)
 */
async function sevenMessages(o: Awaited<ReturnType<typeof org>>): Promise<void> {
  for (let i = 1; i <= 7; i++) {
    await o.peer.callPeer(o.a.id, `m${i}`);
    const stamp = Date.parse(String(o.emu.activity(o.a.id).at(-1)?.["created_at"]));
    await waitFor(() => Date.now() > stamp, { intervalMs: 1 });
  }
}

describe.each(["latest", "2026-05"] as const)(
  "poll delivery when the cursor was pruned (%s contract)",
  (compat) => {
    it("re-reads everything since the cursor's time, a page at a time, each message once, in order", async () => {
      const { emu, a, client, peer } = await org(compat);
      const dir = mkdtempSync(join(tmpdir(), "molecule-gaps-"));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const store = new FileCursorStore(join(dir, "cursor"));
      const handled = new Map<string, number>();
      const handler = (m: InboundMessage): void => {
        handled.set(m.text, (handled.get(m.text) ?? 0) + 1);
      };
      // Poll rarely, 5 rows a page: what follows must not depend on the poll interval.
      const options = { client, handler, cursorStore: store, pollLimit: 5, pollIntervalMs: 60_000 };

      const first = new RemoteAgent(options);
      await first.start();
      // One at a time: a message taken from the event stream may run before an earlier one its
      // read brings, and this test's order is the re-read's.
      for (let i = 1; i <= 3; i++) {
        await peer.callPeer(a.id, `m${i}`);
        await waitFor(() => handled.size === i);
      }
      await first.stop();
      const saved = await store.load();
      expect(saved?.cursor).toBeDefined();
      expect(saved?.cursorAt).toMatch(/^\d{4}-\d\d-\d\dT/);

      // The platform pruned the cursor's row (retention): its id now answers 410.
      await store.save({ ...saved, cursor: "00000000-0000-4000-8000-00000000dead" });
      for (let i = 4; i <= 15; i++) await peer.callPeer(a.id, `m${i}`);

      const second = new RemoteAgent(options);
      cleanups.push(() => second.stop());
      await second.start();
      // 12 new messages behind a 410, 5 per page, with a 60 s poll interval: all arrive at once.
      await waitFor(() => handled.size === 15, { timeoutMs: 30_000 });
      // Every page was read and settled: the cursor stands on the newest row.
      const newest = emu.activity(a.id).at(-1)?.["id"];
      await waitFor(() => second.cursor === newest, { timeoutMs: 30_000 });
      expect([...handled.values()].every((n) => n === 1)).toBe(true);
      expect([...handled.keys()]).toEqual(Array.from({ length: 15 }, (_, i) => `m${i + 1}`));
    });
  },
);

describe("fetchActivity paging signals", () => {
  it("latest: a time window's oldest page first (the server answers it newest first), then hasMore after a full page behind a cursor, not after a partial one", async () => {
    const o = await org("latest");
    const { client } = o;
    await client.register({ agentCard: { name: "agent" }, deliveryMode: "poll" });
    await sevenMessages(o);
    const newest = await fetchActivity(client, { limit: 2 }); // no cursor: the newest page
    expect(newest.messages.map((m) => m.text)).toEqual(["m6", "m7"]);
    expect(newest.hasMore).toBe(false);
    // August answers `since_secs` alone newest first (activity.go List: ASC only with since_id):
    // its newest 5 are m3..m7, so the SDK walks back (`before_ts`) to the window's oldest page.
    const oldest = await fetchActivity(client, { sinceSecs: 3600, limit: 5 });
    expect(oldest.messages.map((m) => m.text)).toEqual(["m1", "m2"]);
    expect(oldest.hasMore).toBe(true);
    const full = await fetchActivity(client, { sinceId: oldest.nextCursor!, limit: 5 });
    expect(full.messages.map((m) => m.text)).toEqual(["m3", "m4", "m5", "m6", "m7"]);
    expect(full.hasMore).toBe(true);
    const empty = await fetchActivity(client, { sinceId: full.nextCursor!, limit: 5 });
    expect(empty.messages).toEqual([]);
    expect(empty.hasMore).toBe(false);
    const partial = await fetchActivity(client, { sinceId: oldest.nextCursor!, limit: 6 });
    expect(partial.messages.map((m) => m.text)).toEqual(["m3", "m4", "m5", "m6", "m7"]);
    expect(partial.hasMore).toBe(false);
    expect(partial.gap).toBe(false);
  });

  it("2026-05: hasMore after a full page behind a cursor, not after a partial one", async () => {
    // The May server answers a `since_secs` window oldest first: its first page is the window's
    // oldest 5 rows (August answers newest first: the test above).
    const o = await org("2026-05");
    const { client } = o;
    await client.register({ agentCard: { name: "agent" }, deliveryMode: "poll" });
    await sevenMessages(o);
    const newest = await fetchActivity(client, { limit: 2 }); // no cursor: the newest page
    expect(newest.messages.map((m) => m.text)).toEqual(["m6", "m7"]);
    expect(newest.hasMore).toBe(false);
    const all = await fetchActivity(client, { sinceSecs: 3600, limit: 5 });
    expect(all.messages.map((m) => m.text)).toEqual(["m1", "m2", "m3", "m4", "m5"]);
    expect(all.hasMore).toBe(true);
    const rest = await fetchActivity(client, { sinceId: all.nextCursor!, limit: 5 });
    expect(rest.messages.map((m) => m.text)).toEqual(["m6", "m7"]);
    expect(rest.hasMore).toBe(false);
    expect(rest.gap).toBe(false);
  });

  it("2026-04: reports a gap when more rows arrived than one newest-first window holds", async () => {
    const { a, client, peer } = await org("2026-04");
    await peer.callPeer(a.id, "m1");
    const start = await fetchActivity(client, { limit: 5 });
    expect(start.cursorSupported).toBe(false);
    expect(start.gap).toBe(false);
    const cursor = start.nextCursor!;

    for (let i = 2; i <= 4; i++) await peer.callPeer(a.id, `m${i}`);
    const small = await fetchActivity(client, { sinceId: cursor, limit: 5 });
    expect(small.messages.map((m) => m.text)).toEqual(["m2", "m3", "m4"]);
    expect(small.gap).toBe(false);

    for (let i = 5; i <= 12; i++) await peer.callPeer(a.id, `m${i}`);
    const behind = await fetchActivity(client, { sinceId: small.nextCursor!, limit: 5 });
    expect(behind.messages.map((m) => m.text)).toEqual(["m8", "m9", "m10", "m11", "m12"]);
    expect(behind.gap).toBe(true);
    expect(behind.hasMore).toBe(false);
  });

  it("a poll that meets a gap says so: a logger warning and a process warning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => {
      if (w.code === "MOLECULE_INBOUND_GAP") warnings.push(w.message);
    };
    process.on("warning", onWarning);
    cleanups.push(() => process.off("warning", onWarning));
    const logged = vi.fn<(msg: string, meta?: object) => void>();
    const page = { messages: [] as InboundMessage[], nextCursor: "r9", hasMore: false, gap: true };
    const agent = new RemoteAgent({
      client: {
        workspaceId: "ws",
        register: async () => ({ deliveryMode: "poll" }),
        heartbeat: async () => {},
        getState: async () => ({ status: "online", paused: false, removed: false }),
        capabilities: async () => ({ pollDelivery: true, eventStream: false, cursors: false }),
        fetchInbound: async () => [],
        fetchActivity: async () => page,
        reply: async () => {},
      },
      handler: () => {},
      pollIntervalMs: 60_000,
      logger: { warn: logged },
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    await waitFor(() => warnings.length > 0);
    expect(warnings[0]).toMatch(/may have been missed/);
    expect(logged).toHaveBeenCalledWith(
      expect.stringMatching(/may have been missed/),
      expect.anything(),
    );
  });
});
