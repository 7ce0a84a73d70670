// Backfill on first start: a backlog queued before the agent ever ran is delivered, oldest first,
// each message once (latest contract: paged; baseline: as far as its listing reaches, then a
// typed gap warning). `backfill: "none"` and `{ sinceMs }` narrow it.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { startOrg } from "./fixtures/inbound-org.js";
import {
  InboundGapWarning,
  MemoryCursorStore,
  RemoteAgent,
  type InboundMessage,
  type PlatformClient,
  type RemoteAgentOptions,
} from "../src/index.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

const org = (compat: "latest" | "2026-04" | "2026-05") => startOrg(compat, cleanups);

/** Texts of the a2a_receive rows the platform holds, oldest first. */
function queuedTexts(emu: Emulator, id: string): string[] {
  return emu
    .activity(id)
    .map(
      (r) =>
        (r["request_body"] as { params?: { message?: { parts?: Array<{ text?: string }> } } })
          ?.params?.message?.parts?.[0]?.text,
    )
    .filter((t): t is string => typeof t === "string");
}

/** The InboundGapWarnings emitted from now until the test ends. */
function gapWarnings(): InboundGapWarning[] {
  const warnings: InboundGapWarning[] = [];
  const onWarning = (w: Error): void => {
    if (w instanceof InboundGapWarning) warnings.push(w);
  };
  process.on("warning", onWarning);
  cleanups.push(() => process.off("warning", onWarning));
  return warnings;
}

function recorder() {
  const order: string[] = [];
  const counts = new Map<string, number>();
  return {
    order,
    counts,
    handler: (m: InboundMessage): void => {
      order.push(m.text);
      counts.set(m.text, (counts.get(m.text) ?? 0) + 1);
    },
  };
}

function agentOf(
  client: PlatformClient,
  handler: (m: InboundMessage) => void,
  extra: Partial<RemoteAgentOptions<PlatformClient>> = {},
): RemoteAgent<PlatformClient> {
  const agent = new RemoteAgent({ client, handler, pollIntervalMs: 60_000, ...extra });
  cleanups.push(() => agent.stop());
  return agent;
}

// latest (August) answers a since_secs window newest first (activity.go List), 2026-05 oldest first.
describe.each(["latest", "2026-05"] as const)("backfill on first start (%s contract)", (compat) => {
  it("600 queued before the first start: 600 handled once, oldest first; a restart on the same MemoryCursorStore adds only the new 600", async () => {
    const { emu, a, client, queue } = await org(compat);
    await queue("m", 600);
    const rec = recorder();
    const store = new MemoryCursorStore();
    const first = agentOf(client, rec.handler, { cursorStore: store });
    await first.start();
    // 100 rows a page and a 60 s poll interval: the pages follow each other without waiting.
    await waitFor(() => rec.counts.size === 600, { timeoutMs: 20_000 });
    await waitFor(() => first.cursor === emu.activity(a.id).at(-1)?.["id"]);
    await first.stop();
    expect(rec.order).toEqual(queuedTexts(emu, a.id));
    expect([...rec.counts.values()].every((n) => n === 1)).toBe(true);

    await queue("n", 600);
    const second = agentOf(client, rec.handler, { cursorStore: store, backfill: "all" });
    await second.start();
    await waitFor(() => rec.counts.size === 1200, { timeoutMs: 20_000 });
    await waitFor(() => second.cursor === emu.activity(a.id).at(-1)?.["id"]);
    await second.stop();
    expect(rec.order).toEqual(queuedTexts(emu, a.id));
    expect([...rec.counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('backfill "none" skips the backlog (and says so), then delivers what arrives', async () => {
    const { emu, a, client, queue } = await org(compat);
    await queue("old", 5);
    const rec = recorder();
    const info = vi.fn<(msg: string, meta?: object) => void>();
    const agent = agentOf(client, rec.handler, {
      backfill: "none",
      pollIntervalMs: 20,
      logger: { info },
    });
    await agent.start();
    await waitFor(() => agent.cursor === emu.activity(a.id).at(-1)?.["id"]);
    await queue("new", 3);
    await waitFor(() => rec.counts.size === 3);
    await agent.stop();
    expect(rec.order).toEqual(["new0", "new1", "new2"]);
    expect(info).toHaveBeenCalledWith(expect.stringMatching(/skipped/), expect.anything());
  });

  it('backfill "none" on an empty workspace delivers the first message that arrives', async () => {
    const { client, queue } = await org(compat);
    const rec = recorder();
    const agent = agentOf(client, rec.handler, { backfill: "none", pollIntervalMs: 20 });
    await agent.start();
    await queue("first", 1);
    await waitFor(() => rec.counts.size === 1);
    await agent.stop();
    expect(rec.order).toEqual(["first0"]);
  });

  it("backfill { sinceMs } delivers only the window", async () => {
    const { emu, client, queue } = await org(compat);
    await queue("old", 4);
    emu.advanceClock(120_000); // the platform's clock: those four are now two minutes old
    await queue("recent", 3);
    const rec = recorder();
    const agent = agentOf(client, rec.handler, { backfill: { sinceMs: 60_000 } });
    await agent.start();
    await waitFor(() => rec.counts.size === 3);
    await agent.stop();
    expect(rec.order).toEqual(["recent0", "recent1", "recent2"]);
  });

  it("rejects a malformed backfill option", () => {
    const client = { workspaceId: "w" } as unknown as PlatformClient;
    const make = () => new RemoteAgent({ client, handler: () => {}, backfill: "some" as never });
    expect(make).toThrow(/backfill must be "all", "none" or \{ sinceMs/);
    expect(make).toThrow(expect.objectContaining({ code: "invalid_option", retryable: false }));
  });
});

describe("backfill on first start (2026-04 baseline)", () => {
  it("delivers what the newest-first listing reaches, once, and raises a typed gap warning", async () => {
    const { emu, a, client, queue } = await org("2026-04");
    await queue("m", 600);
    const warnings = gapWarnings();
    const rec = recorder();
    const agent = agentOf(client, rec.handler, { register: false, delivery: "poll" });
    await agent.start();
    await waitFor(() => rec.counts.size === 500 && warnings.length > 0, { timeoutMs: 20_000 });
    await waitFor(() => agent.cursor === emu.activity(a.id).at(-1)?.["id"]);
    await agent.stop();
    // The 500 newest (the most this platform lists), oldest first, each once.
    expect(rec.order).toEqual(queuedTexts(emu, a.id).slice(-500));
    expect([...rec.counts.values()].every((n) => n === 1)).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.code).toBe("MOLECULE_INBOUND_GAP");
    expect(warnings[0]!.reason).toBe("backfill_window");
  });

  it("no warning when the whole backlog fits in the listing", async () => {
    const { emu, a, client, queue } = await org("2026-04");
    await queue("m", 30);
    const warnings = gapWarnings();
    const rec = recorder();
    const agent = agentOf(client, rec.handler, { register: false, delivery: "poll" });
    await agent.start();
    await waitFor(() => rec.counts.size === 30);
    await agent.stop();
    expect(rec.order).toEqual(queuedTexts(emu, a.id));
    expect(warnings).toEqual([]);
  });
});
