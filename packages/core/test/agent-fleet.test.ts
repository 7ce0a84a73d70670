// A fleet of agents in one process on one connection-limited dispatcher (a shared pool, a proxy):
// every agent's event stream is open, and heartbeats still reach the platform on time, because
// streams never take the connection slots platform requests use. Heartbeat times are the ones
// the emulator recorded. A heartbeat that cannot be sent is reported as late, never silently.
import { randomUUID } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterEach, describe, expect, it } from "vitest";
import { Agent } from "undici";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { maxGap } from "./fixtures/heartbeat-gaps.js";
import { HeartbeatLateWarning, PlatformClient, RemoteAgent } from "../src/index.js";
import type { Logger } from "../src/index.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

/** Creates `n` external workspaces, 25 admin calls at a time. */
async function workspaces(emu: Emulator, n: number): Promise<Array<{ id: string; token: string }>> {
  const out: Array<{ id: string; token: string }> = [];
  for (let i = 0; i < n; i += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, n - i) }, (_, j) =>
        emu.admin.createWorkspace({ name: `fleet-${i + j}` }),
      ),
    );
    for (const w of batch) out.push({ id: w.id, token: w.token! });
  }
  return out;
}

describe("a fleet on one connection-limited dispatcher", () => {
  it("200 agents with event wake-ups on 16 connections all heartbeat on time (gap <= interval + 1 s + the loop's own delay)", async () => {
    const N = 200;
    const INTERVAL = 2_000;
    const WINDOW = 10_000;
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const ws = await workspaces(emu, N);
    const dispatcher = new Agent({ connections: 16 });

    const connected = new Set<string>();
    const handled = new Set<string>();
    const late: Array<{ at: number; warning: HeartbeatLateWarning }> = [];
    const agents = ws.map((w) => {
      const logger: Logger = {
        debug: (msg, meta) => {
          if (msg === "event stream" && (meta as { connected?: boolean }).connected) {
            connected.add(w.id);
          }
        },
      };
      const client = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: w.id,
        token: w.token,
        dispatcher,
      });
      cleanups.push(() => client.close());
      const agent = new RemoteAgent({
        client,
        logger,
        heartbeatIntervalMs: INTERVAL,
        stateIntervalMs: 10_000,
        pollIntervalMs: 60_000, // only the event stream can deliver in time
        onHeartbeatLate: (warning) => late.push({ at: emu.now(), warning }),
        handler: (m) => void handled.add(m.messageId ?? "?"),
      });
      return agent;
    });
    // stop() closes the streams, which frees the connections queued requests wait for.
    cleanups.push(async () => {
      await Promise.all(agents.map(async (a) => await a.stop()));
      await dispatcher.close();
    });
    // Started 25 at a time, as a fleet would (a burst of 200 start-ups is not what is measured).
    for (let i = 0; i < N; i += 25) {
      await Promise.all(agents.slice(i, i + 25).map(async (a) => await a.start()));
    }
    const from = emu.now();
    // How late this process's own timers ran in the window (a busy machine, another test run
    // beside this one): a heartbeat cannot be on time when the process is not scheduled. A fleet
    // whose streams took the connections heartbeats need shows gaps of the whole window instead.
    const loopDelay = monitorEventLoopDelay({ resolution: 20 });
    loopDelay.enable();
    // Every agent holds an open event stream: more streams than the dispatcher has connections.
    const allConnected = await waitFor(() => connected.size === N, { timeoutMs: WINDOW }).then(
      () => true,
      () => false,
    );
    // The streams work: a message to each of 20 agents is handled long before the 60 s poll.
    const sender = (await workspaces(emu, 1))[0]!;
    const peer = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: sender.id,
      token: sender.token,
    });
    cleanups.push(() => peer.close());
    const ids = ws.slice(0, 20).map((w) => {
      const id = randomUUID();
      void peer.callPeer(w.id, "ping", { messageId: id });
      return id;
    });
    const delivered = await waitFor(() => ids.every((id) => handled.has(id)), {
      timeoutMs: WINDOW,
    }).then(
      () => true,
      () => false,
    );

    // Wait for the measured window to pass on the emulator's clock (each agent's gaps are
    // measured whatever happens; a starved fleet fails the gap check, not a timeout).
    await waitFor(() => emu.now() >= from + WINDOW, { timeoutMs: WINDOW + 5_000, intervalMs: 100 });
    loopDelay.disable();
    const to = from + WINDOW;
    const gaps = ws.map((w) => maxGap(emu.heartbeats(w.id), from, to));
    const worst = Math.max(...gaps);
    const lag = Math.ceil(loopDelay.max / 1e6);
    expect(
      worst,
      `longest heartbeat gap ${worst} ms (event loop delay ${lag} ms)`,
    ).toBeLessThanOrEqual(INTERVAL + 1_000 + lag);
    // None late in the window either by the agents' own account (start-up bursts are not measured).
    expect(late.filter((l) => l.at >= from && l.at <= to).map((l) => l.warning.message)).toEqual(
      [],
    );
    expect(allConnected, `${connected.size} of ${N} event streams connected`).toBe(true);
    expect(delivered).toBe(true);
  }, 60_000);

  it("reports a starved heartbeat as late (typed warning and a logger warning)", async () => {
    const INTERVAL = 300;
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const ws = await workspaces(emu, 1);
    // Deliberately share one connection between streams and liveness (the old behaviour): once
    // the agent's event stream is open, its heartbeats queue behind it.
    const dispatcher = new Agent({ connections: 1 });
    const warnings: Array<{ msg: string; meta: unknown }> = [];
    const late: HeartbeatLateWarning[] = [];
    const agents = ws.map((w) => {
      const client = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: w.id,
        token: w.token,
        dispatcher,
        streamDispatcher: dispatcher,
        livenessDispatcher: dispatcher,
        timeoutMs: 60_000,
      });
      return new RemoteAgent({
        client,
        delivery: "poll",
        heartbeatIntervalMs: INTERVAL,
        logger: { warn: (msg, meta) => void warnings.push({ msg, meta }) },
        onHeartbeatLate: (warning) => late.push(warning),
        handler: () => undefined,
      });
    });
    // stop() closes the stream, which frees the connection the queued requests wait for.
    cleanups.push(async () => {
      await Promise.all(agents.map(async (a) => await a.stop()));
      await dispatcher.close();
    });
    await Promise.all(agents.map(async (a) => await a.start()));
    await waitFor(() => late.length > 0, { timeoutMs: 15_000 });
    const w = late[0]!;
    expect(w).toBeInstanceOf(HeartbeatLateWarning);
    expect(w.code).toBe("heartbeat_late");
    expect(w.intervalMs).toBe(INTERVAL);
    expect(w.lateByMs).toBeGreaterThanOrEqual(5_000 - 20); // the interval, at least 5 s
    expect(w.message).toContain("livenessDispatcher");
    expect(ws.map((x) => x.id)).toContain(w.workspaceId);
    expect(warnings.some((x) => x.msg === "heartbeat late")).toBe(true);
    expect(w.message).not.toContain(ws[0]!.token);
  });
});
