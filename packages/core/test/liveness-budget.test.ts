// Liveness has its own connection budget: agents on one undici Agent limited to a few connections,
// with more slow peer calls in flight than the Agent has connections (the peer is a real agent
// whose handler holds every call until the test lets go), still heartbeat on time and still see
// a pause. Heartbeat times are the ones the emulator recorded.
import { afterEach, describe, expect, it } from "vitest";
import { Agent } from "undici";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { maxGap } from "./fixtures/heartbeat-gaps.js";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import type { AgentDoneResult, PeerCallResult } from "../src/index.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

/** A gate the test opens: every waiter resolves at once. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

async function workspace(emu: Emulator, name: string): Promise<{ id: string; token: string }> {
  const w = await emu.admin.createWorkspace({ name });
  return { id: w.id, token: w.token ?? (await emu.admin.createToken(w.id)) };
}

describe("liveness on a connection-limited dispatcher held by slow peer calls", () => {
  it("heartbeats stay on time and a pause is seen while peer calls hold every connection", async () => {
    const CONNECTIONS = 2;
    const CALLERS = 3; // the first one makes no call: it is paused during the window
    const CALLS_EACH = 3; // 6 calls in flight on 2 connections
    const INTERVAL = 1_000;
    const BEATS = 4; // heartbeats each caller must send while the calls hold the connections
    const emu = await startEmulator();
    cleanups.push(() => emu.close());

    // The peer: a real push agent; its handler holds each call until the test opens the gate.
    const release = gate();
    cleanups.push(async () => release.open());
    const p = await workspace(emu, "slow-peer");
    const peerClient = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: p.id,
      token: p.token,
    });
    cleanups.push(() => peerClient.close());
    let entered = 0;
    const peer = new RemoteAgent({
      client: peerClient,
      delivery: { mode: "push" },
      concurrency: (CALLERS - 1) * CALLS_EACH,
      handler: async (m) => {
        entered++;
        await release.wait;
        return `answer to ${m.text}`;
      },
    });
    cleanups.push(() => peer.stop());
    await peer.start();

    // The callers: every client on one undici Agent limited to CONNECTIONS connections.
    const dispatcher = new Agent({ connections: CONNECTIONS });
    const callers = await Promise.all(
      Array.from({ length: CALLERS }, async (_, i) => {
        const w = await workspace(emu, `caller-${i}`);
        const client = new PlatformClient({
          platformUrl: emu.url,
          workspaceId: w.id,
          token: w.token,
          dispatcher,
          peerTimeoutMs: 60_000,
        });
        const agent = new RemoteAgent({
          client,
          heartbeatIntervalMs: INTERVAL,
          stateIntervalMs: INTERVAL,
          handler: () => undefined,
        });
        return { id: w.id, client, agent };
      }),
    );
    cleanups.push(async () => {
      await Promise.all(callers.map(async (c) => await c.agent.stop()));
      await Promise.all(callers.map(async (c) => await c.client.close()));
      await dispatcher.close();
    });
    await Promise.all(callers.map(async (c) => await c.agent.start()));

    const calls: Array<Promise<PeerCallResult>> = [];
    for (const c of callers.slice(1)) {
      for (let j = 0; j < CALLS_EACH; j++)
        calls.push(c.client.callPeer(p.id, `q${j} from ${c.id}`));
    }
    // Opened last in cleanup order: the calls settle before the agents stop.
    cleanups.push(async () => {
      release.open();
      await Promise.allSettled(calls);
    });
    // Every connection of the dispatcher is now held by a call the peer is working on; the other
    // calls wait for a connection.
    await waitFor(() => entered === CONNECTIONS, { timeoutMs: 30_000 });
    const from = emu.now();

    // A pause of one caller must still end it: its state check is liveness too.
    const paused = callers[0]!;
    let pausedDone: AgentDoneResult | undefined;
    void paused.agent.done.then((r) => (pausedDone = r));
    await emu.admin.pause(paused.id);
    const sawPause = await waitFor(() => pausedDone !== undefined, {
      timeoutMs: 3 * INTERVAL + 2_000,
    }).then(
      () => true,
      () => false,
    );

    // Each running caller sends BEATS heartbeats while the calls hold the connections. A starved
    // agent sends none: the wait then ends at its timeout and the gap check below fails.
    const running = callers.slice(1);
    const beatsSince = (id: string): number => emu.heartbeats(id).filter((t) => t > from).length;
    await waitFor(() => running.every((c) => beatsSince(c.id) >= BEATS), {
      timeoutMs: (BEATS + 2) * INTERVAL + 2_000,
    }).catch(() => undefined);
    const to = emu.now();
    const gaps = running.map((c) => maxGap(emu.heartbeats(c.id), from, to));
    const worst = Math.max(...gaps);

    // The calls held their connections for the whole window (no call got through).
    expect(entered).toBe(CONNECTIONS);
    expect(
      worst,
      `longest heartbeat gap ${worst} ms (interval ${INTERVAL} ms)`,
    ).toBeLessThanOrEqual(INTERVAL + 1_000);
    expect(sawPause, "the paused caller's state check never reached the platform").toBe(true);
    expect(pausedDone?.reason).toBe("paused");

    // Once the peer answers, every call completes on the same dispatcher.
    release.open();
    const results = await Promise.all(calls);
    expect(results.map((r) => r.status)).toEqual(results.map(() => "completed"));
    expect(entered).toBe((CALLERS - 1) * CALLS_EACH);
  }, 60_000);
});
