// The August server's event stream writes one `: ping` when it opens and then only events, a
// `WORKSPACE_HEARTBEAT` for each heartbeat it accepts (enteros-core aeec8e47 `sse.go`,
// `registry.go`; an idle stream recorded in docs/platform-versions.md). Under a spent rate budget
// an agent's heartbeats wait for their turn, up to a window, past the stream's silence bound, and
// the agent took its stream for dead each time (a reopen and a catch-up read spent from the
// budget, and a warning): on the real server 4-10 agents of 20 a run, never on the emulator, whose
// stream pinged every 15 s. Here the emulator writes no keep-alive, as the server, an org's budget
// is spent by another client of it, and the stream is kept. At 20x the bound's margin over the
// heartbeat interval is 750 ms of real time, which a busy machine's round trip or pause outlasted:
// a heartbeat counts as on its way from its timer to its answer (`OwnHeartbeats.pending`), so the
// verdict does not depend on the machine's speed; the second test holds each answer past the margin.
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
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
    expect(warnings.map((x) => x.reason)).toEqual([]);
  }, 60_000);
});

describe("a poll agent on a platform that writes only events, its heartbeats answered slowly", () => {
  it("keeps its event stream while a heartbeat's answer takes longer than the bound's margin", async () => {
    // The emulator's default (the August contract): one `: ping` when the stream opens, then only
    // events. Heartbeats every 300 ms, the bound 1.5 intervals (as 30 s and 45 s): a heartbeat
    // answered after 150 ms leaves the stream silent past the bound, however fast the machine (a
    // pause of this process only lengthens it), and the heartbeat was on its way all that time.
    const emu = await startEmulator({ ui: false });
    cleanups.push(() => emu.close());
    const w = await emu.admin.createWorkspace({ name: "agent", deliveryMode: "poll" });
    const token = w.token ?? (await emu.admin.createToken(w.id));
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
    cleanups.push(() => client.close());
    const warnings: EventWakeupsUnavailableWarning[] = [];
    const agent = new RemoteAgent({
      client,
      handler: (m) => `re: ${m.text}`,
      heartbeatIntervalMs: 300,
      eventIdleTimeoutMs: 450,
      logger: {},
    });
    agent.on("wakeupsUnavailable", (e) => void warnings.push(e.warning));
    cleanups.push(() => agent.stop());
    await agent.start();
    const from = emu.heartbeats(w.id).length;
    emu.injectFault({ method: "POST", path: "/registry/heartbeat", delayMs: 600, count: 4 });
    await waitFor(() => emu.heartbeats(w.id).length >= from + 5, { timeoutMs: 30_000 });
    expect(warnings.map((x) => x.reason)).toEqual([]);
  }, 40_000);
});
