// The August server's event stream writes one `: ping` when it opens and then only events, a
// `WORKSPACE_HEARTBEAT` for each heartbeat it accepts (enteros-core aeec8e47 `sse.go`,
// `registry.go`; an idle stream recorded in docs/platform-versions.md). Under a spent rate budget
// an agent's heartbeats wait for their turn, up to a window, past the stream's silence bound, and
// the agent took its stream for dead each time (a reopen and a catch-up read spent from the
// budget, and a warning): on the real server 4-10 agents of 20 a run, never on the emulator, whose
// stream pinged every 15 s. Here the emulator writes no keep-alive, as the server, an org's budget
// is spent by another client of it, and the stream is kept.
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "@internal/test-utils";
import { restoreScale, scaledOrg } from "./fixtures/scaled-org.js";
import { type EventWakeupsUnavailableWarning, PlatformClient, RemoteAgent } from "../src/index.js";

/** How much faster the platform's clock runs than the real one. */
const SCALE = 20;

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
  restoreScale();
});

describe("a poll agent on a platform that writes only events, its org's budget spent", () => {
  it("keeps its event stream while its heartbeats wait for their turn past the silence bound", async () => {
    // `sseKeepAliveMs` 0: one `: ping` when the stream opens, then only events, as the server.
    const { emu, orgId, clock } = await scaledOrg({
      scale: SCALE,
      rateLimit: 120,
      sseKeepAliveMs: 0,
    });
    cleanups.push(() => emu.close());
    const w = await emu.admin.createWorkspace({ name: "agent", deliveryMode: "poll" });
    const token = w.token ?? (await emu.admin.createToken(w.id));
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token, orgId });
    cleanups.push(() => client.close());
    const warnings: EventWakeupsUnavailableWarning[] = [];
    // The defaults in the platform's time: heartbeats every 30 s, the stream's bound 45 s.
    const boundMs = 45_000 / SCALE;
    const agent = new RemoteAgent({
      client,
      handler: (m) => `re: ${m.text}`,
      heartbeatIntervalMs: 30_000 / SCALE,
      pollIntervalMs: 5_000 / SCALE,
      eventIdleTimeoutMs: boundMs,
      logger: {},
    });
    agent.on("wakeupsUnavailable", (e) => void warnings.push(e.warning));
    cleanups.push(() => agent.stop());
    await agent.start();

    // Another client of the org spends every window (the platform counts it; the agent's budget
    // learns it from its own answers): about 300 requests a platform minute against 120.
    const spending = new AbortController();
    const spender = (async () => {
      const headers = { authorization: `Bearer ${token}`, "x-molecule-org-id": orgId };
      while (!spending.signal.aborted) {
        await Promise.all(
          Array.from({ length: 5 }, async () => {
            const r = await fetch(`${emu.url}/workspaces/${w.id}`, { headers });
            await r.arrayBuffer();
          }),
        );
        await new Promise((r) => setTimeout(r, 50)); // the spender's pace
      }
    })();
    cleanups.push(async () => {
      spending.abort();
      await spender;
    });

    // Four platform minutes: heartbeats held to their window's end, gaps past the bound. (The
    // wait's own bound is in the platform's time too: `Date.now` runs with its clock.)
    const from = clock.now();
    await waitFor(() => clock.now() - from >= 240_000, { timeoutMs: 600_000, intervalMs: 100 });
    const beats = emu.heartbeats(w.id).filter((t) => t >= from);
    const gaps = beats.slice(1).map((t, i) => t - beats[i]!);
    // The scenario happened: some heartbeat gap (platform ms) is past the stream's bound.
    expect(Math.max(...gaps)).toBeGreaterThan(45_000);
    expect(warnings.map((x) => x.reason)).toEqual([]);
  }, 60_000);
});
