// The August server's event stream writes one `: ping` when it opens and then only events, a
// `WORKSPACE_HEARTBEAT` for each heartbeat it accepts (enteros-core aeec8e47 `sse.go`,
// `registry.go`; an idle stream recorded in docs/platform-versions.md). Under a spent rate budget
// an agent's heartbeats wait for their turn, up to a window, past the stream's silence bound, and
// the agent took its stream for dead each time (a reopen and a catch-up read spent from the
// budget, and a warning): on the real server 4-10 agents of 20 a run, never on the emulator, whose
// stream pinged every 15 s. Here the emulator writes no keep-alive, as the server, an org's budget
// is spent by another client of it, and the stream is kept. The silence bound is real time in the
// agent (2.25 s at 20x), its margin over a heartbeat's interval 750 ms: a warning given while this
// process stalled for as long within the bound (`stalledMs`) is the machine's, printed and not
// counted (a busy machine's pause was read as a dead connection once in a CI run).
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
    const { emu, orgId, clock, stalledMs } = await scaledOrg({
      scale: SCALE,
      rateLimit: 120,
      sseKeepAliveMs: 0,
    });
    cleanups.push(() => emu.close());
    const w = await emu.admin.createWorkspace({ name: "agent", deliveryMode: "poll" });
    const token = w.token ?? (await emu.admin.createToken(w.id));
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token, orgId });
    cleanups.push(() => client.close());
    const warnings: Array<{ warning: EventWakeupsUnavailableWarning; at: number }> = [];
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
    agent.on(
      "wakeupsUnavailable",
      (e) => void warnings.push({ warning: e.warning, at: clock.now() }),
    );
    cleanups.push(() => agent.stop());
    await agent.start();

    // Another client of the org spends each window 5 s after it opens (the platform counts it;
    // the agent's budget learns it from its own answers): the agent's requests waiting for the
    // window go first, then the client reads what is left and sends that many at once, and no
    // heartbeat due later in the window gets a turn. Spent within a round trip, quiet machine or
    // busy, where a client at a steady pace left late turns open on a quiet one.
    const spending = new AbortController();
    const spender = (async () => {
      const headers = { authorization: `Bearer ${token}`, "x-molecule-org-id": orgId };
      const spend = async () => {
        const r = await fetch(`${emu.url}/workspaces/${w.id}`, { headers });
        await r.arrayBuffer();
        return r;
      };
      while (!spending.signal.aborted) {
        let r = await spend();
        if (r.status !== 429) {
          await new Promise((res) => setTimeout(res, 5_000 / SCALE));
          r = await spend();
          const left = Number(r.headers.get("x-ratelimit-remaining"));
          if (r.status !== 429) await Promise.all(Array.from({ length: left }, spend));
        } else {
          // The window's end, in real time (whole platform seconds left, rounded down).
          const reset = Number(r.headers.get("x-ratelimit-reset"));
          await new Promise((res) => setTimeout(res, (reset * 1_000) / SCALE + 10));
        }
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
    expect(Math.max(...gaps), `heartbeat gaps ${gaps.join(", ")}`).toBeGreaterThan(45_000);
    // A warning counts unless this process stalled, within the bound before it, for the bound's
    // margin over the heartbeat interval (the platform's 15 s): then no heartbeat could have
    // gone and been answered in time, whatever the agent did.
    const stalled = (at: number): number => stalledMs(at - 45_000, at);
    const paused = warnings.filter((w) => stalled(w.at) >= 15_000);
    if (paused.length > 0)
      console.log(
        `warnings while this process stalled: ${paused.map((w) => `${Math.round(stalled(w.at))} ms of the 45 s before one`).join(", ")}`,
      );
    expect(warnings.filter((w) => !paused.includes(w)).map((w) => w.warning.reason)).toEqual([]);
  }, 60_000);
});
