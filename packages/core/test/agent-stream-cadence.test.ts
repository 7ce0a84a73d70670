// While the event stream is connected, the safety poll and the state check run 6 times less often
// (the stream wakes the poll and reports pause and removal); when it drops, both go back to the
// full rate, with a catch-up poll and a state check at once. Heartbeats never change. The agent's
// own heartbeats are the clock: every count is taken over a number of heartbeats, not a duration.
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import type { FetchInboundOptions, RemoteAgentOptions, WorkspaceState } from "../src/index.js";
import type { EventStream } from "../src/public/wire.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/** Counts the agent's polls and state checks, and can end its open event streams. */
class CountingClient extends PlatformClient {
  polls = 0;
  states = 0;
  heartbeatsSent = 0;
  streamsOpened = 0;
  readonly #open = new Set<EventStream>();

  override async heartbeat(...args: Parameters<PlatformClient["heartbeat"]>) {
    const r = await super.heartbeat(...args);
    this.heartbeatsSent++;
    return r;
  }

  override fetchActivityRows(options?: FetchInboundOptions) {
    this.polls++;
    return super.fetchActivityRows(options);
  }

  override getState(options?: { signal?: AbortSignal }): Promise<WorkspaceState> {
    this.states++;
    return super.getState(options);
  }

  override async openEventStream(options?: { signal?: AbortSignal }): Promise<EventStream> {
    const stream = await super.openEventStream(options);
    this.streamsOpened++;
    this.#open.add(stream);
    stream.body.once("close", () => this.#open.delete(stream));
    return stream;
  }

  /** Ends every open event stream, as a network drop would. */
  dropStreams(): void {
    for (const s of this.#open) s.close();
  }

  get streamsOpen(): number {
    return this.#open.size;
  }
}

const INTERVAL = 60;

/** A started agent on a fresh workspace, polling and checking every INTERVAL unless `options` say otherwise. */
async function setUp(emu: Emulator, options: Partial<RemoteAgentOptions> = {}) {
  const ws = await emu.admin.createWorkspace({ name: "agent" });
  const client = new CountingClient({
    platformUrl: emu.url,
    workspaceId: ws.id,
    token: ws.token!,
  });
  cleanups.push(() => client.close());
  const agent = new RemoteAgent({
    client,
    handler: () => "ok",
    heartbeatIntervalMs: INTERVAL,
    stateIntervalMs: INTERVAL,
    pollIntervalMs: INTERVAL,
    ...options,
  });
  cleanups.push(() => agent.stop());
  await agent.start();
  return { ws, client, agent };
}

/** Polls and state checks per heartbeat over the next `beats` heartbeats. */
async function ratesOver(client: CountingClient, beats: number) {
  const from = { hb: client.heartbeatsSent, polls: client.polls, states: client.states };
  await waitFor(() => client.heartbeatsSent >= from.hb + beats, { timeoutMs: 30_000 });
  const hb = client.heartbeatsSent - from.hb;
  return { polls: (client.polls - from.polls) / hb, states: (client.states - from.states) / hb };
}

describe("RemoteAgent: polling and state checks while the event stream is connected", () => {
  it("polls and checks the state 6 times less often while connected, at the full rate once it drops", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const { client } = await setUp(emu);
    await waitFor(() => client.streamsOpen === 1);

    const connected = await ratesOver(client, 36);
    expect(connected.polls).toBeLessThan(0.4); // 1/6 expected; 1 without the stream
    expect(connected.states).toBeLessThan(0.4);

    // The stream drops and cannot reconnect: a catch-up poll and a state check at once.
    emu.injectFault({ path: "/workspaces/:id/events/stream", status: 503, count: 1_000 });
    const before = { polls: client.polls, states: client.states };
    client.dropStreams();
    await waitFor(() => client.polls > before.polls && client.states > before.states);
    const dropped = await ratesOver(client, 24);
    expect(dropped.polls).toBeGreaterThan(0.6);
    expect(dropped.states).toBeGreaterThan(0.6);
  });

  it("a baseline without the stream polls and checks on every interval", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const { client } = await setUp(emu, { eventWakeups: false });
    const rates = await ratesOver(client, 24);
    expect(rates.polls).toBeGreaterThan(0.6);
    expect(rates.states).toBeGreaterThan(0.6);
  });

  it("a message arrives at once while connected, long before the slowed safety poll", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const handled: string[] = [];
    const { ws, client } = await setUp(emu, {
      handler: (m) => void handled.push(m.text),
      pollIntervalMs: 60_000, // connected: a safety poll every 6 minutes
    });
    await waitFor(() => client.streamsOpen === 1);
    const peerWs = await emu.admin.createWorkspace({ name: "peer" });
    const peer = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: peerWs.id,
      token: peerWs.token!,
    });
    cleanups.push(() => peer.close());
    await peer.callPeer(ws.id, "hello");
    await waitFor(() => handled.length > 0); // waitFor's 5 s, far below the 6-minute safety poll
    expect(handled).toEqual(["hello"]);
  });

  for (const how of ["paused", "removed"] as const) {
    it(`stops at once when the stream says the workspace was ${how}, with state checks hours apart`, async () => {
      const emu = await startEmulator();
      cleanups.push(() => emu.close());
      const hour = 3_600_000;
      const { ws, client, agent } = await setUp(emu, {
        stateIntervalMs: hour,
        heartbeatIntervalMs: hour,
      });
      await waitFor(() => client.streamsOpen === 1);
      const states = client.states;
      if (how === "paused") await emu.admin.pause(ws.id);
      else await emu.admin.deleteWorkspace(ws.id);
      const ended = await agent.done;
      expect(ended.reason).toBe(how);
      expect(client.states).toBe(states + 1); // one check, asked by the event
    });
  }
});
