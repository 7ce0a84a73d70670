// One events/stream connection per agent start: the capability probe's stream is handed to the
// agent's wake-ups instead of being closed, and closed when nobody takes it (client closed, or
// after its time-out). Counted at a proxy in front of the emulator, over real HTTP.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createServer, request, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import { AGENT_HOOKS } from "../src/platform/agent-hooks.js";
import { SPARE_TTL_MS } from "../src/platform/event-connection.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/** An HTTP proxy to `target` that counts event-stream requests, and those still open. */
async function countingProxy(target: string) {
  const counts = { opened: 0, open: 0 };
  const server: Server = createServer((req, res) => {
    const stream = req.url?.includes("/events/stream") === true;
    if (stream) {
      counts.opened++;
      counts.open++;
      res.once("close", () => counts.open--);
    }
    const upstream = request(
      target + req.url,
      { method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    res.once("close", () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${port}`, counts };
}

/**
 * Resolves when undici receives an event-stream chunk holding `text`: it publishes each chunk just
 * before handing it to the response body, so the body holds it once this resolves.
 */
function streamChunkReceived(text: string): Promise<void> {
  const channel = "undici:request:bodyChunkReceived";
  return new Promise((resolve) => {
    const onChunk = (message: unknown): void => {
      const { request, chunk } = message as { request: { path: string }; chunk: Buffer };
      if (!request.path.includes("/events/stream") || !chunk.toString().includes(text)) return;
      unsubscribe(channel, onChunk);
      resolve();
    };
    subscribe(channel, onChunk);
  });
}

async function setUp() {
  const emu: Emulator = await startEmulator();
  cleanups.push(() => emu.close());
  const proxy = await countingProxy(emu.url);
  const clientOf = (platformUrl: string, w: { id: string; token?: string | undefined }) => {
    const c = new PlatformClient({ platformUrl, workspaceId: w.id, token: w.token! });
    cleanups.push(() => c.close());
    return c;
  };
  // For poll, as a user's external workspace is: on August an admin-created workspace is push
  // with no URL until its agent registers, and a call to it only waits in the platform's queue.
  const ws = await emu.admin.createWorkspace({ name: "agent", deliveryMode: "poll" });
  const client = clientOf(proxy.url, ws); // through the counting proxy
  const peer = clientOf(emu.url, await emu.admin.createWorkspace({ name: "peer" }));
  return { emu, proxy, ws, client, peer };
}

describe("event-stream connections", () => {
  it("a fresh agent's start opens one events/stream connection, and it wakes the agent", async () => {
    const { proxy, ws, client, peer } = await setUp();
    const handled: string[] = [];
    const agent = new RemoteAgent({
      client,
      handler: (m) => void handled.push(m.text),
      pollIntervalMs: 60_000, // connected: a safety poll every 6 minutes
      heartbeatIntervalMs: 60_000,
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    await peer.callPeer(ws.id, "hello");
    await waitFor(() => handled.length > 0); // waitFor's 5 s, far below the 6-minute safety poll
    expect(handled).toEqual(["hello"]);
    expect(proxy.counts).toEqual({ opened: 1, open: 1 });
    await agent.stop();
    await waitFor(() => proxy.counts.open === 0);
    expect(proxy.counts.opened).toBe(1);
  });

  it("events logged between the probe and the open wait in the probe's stream", async () => {
    const { proxy, ws, client, peer } = await setUp();
    client[AGENT_HOOKS].keepEventSpare(); // what an agent with wake-ups asks before its probe
    expect((await client.capabilities()).eventStream).toBe(true);
    await waitFor(() => proxy.counts.open === 1);
    const received = streamChunkReceived("ACTIVITY_LOGGED");
    const id = crypto.randomUUID();
    const call = peer.callPeer(ws.id, "logged before the open", { messageId: id });
    // The event is in the probe's stream before anything reads it (a refused call logs none).
    await Promise.race([received, call.then(() => received)]);
    const stream = await client.openEventStream();
    cleanups.push(() => stream.close());
    let text = "";
    await new Promise<void>((resolve) => {
      stream.body.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes("ACTIVITY_LOGGED")) resolve();
      });
    });
    stream.close();
    expect(proxy.counts.opened).toBe(1);
    await waitFor(() => proxy.counts.open === 0);
  });

  it.each([{ eventWakeups: false }, { delivery: "none" as const }])(
    "an agent that reads no stream (%o) opens none",
    async (options) => {
      const { proxy, ws, emu, client } = await setUp();
      // Heartbeats a tenth of a second apart: the first one after the start is the proof it runs.
      const agent = new RemoteAgent({
        client,
        handler: () => "ok",
        heartbeatIntervalMs: 100,
        ...options,
      });
      cleanups.push(() => agent.stop());
      await agent.start();
      await waitFor(() => emu.heartbeats(ws.id).length > 0);
      expect(proxy.counts).toEqual({ opened: 0, open: 0 });
    },
  );

  it("a client's own calls probe the contract, not the event stream", async () => {
    const { proxy, client } = await setUp();
    await client.fetchActivityRows();
    await client.register({ agentCard: { name: "agent" }, deliveryMode: "poll" });
    await client.listPeers({ q: "peer" });
    expect((await client.capabilities({ events: false })).eventStream).toBe(false);
    expect(proxy.counts.opened).toBe(0);
    // Asked for, the event stream is probed (once) and answers.
    expect((await client.capabilities()).eventStream).toBe(true);
    expect((await client.capabilities({ events: false })).eventStream).toBe(true); // cached
    expect(proxy.counts.opened).toBe(1);
    // No agent asked to keep it: the probe closes its stream (a script that only asked exits).
    await waitFor(() => proxy.counts.open === 0, { timeoutMs: SPARE_TTL_MS / 2 });
  });

  it("the probe's stream is closed by client.close() when no agent took it", async () => {
    const { proxy, client } = await setUp();
    client[AGENT_HOOKS].keepEventSpare(); // what an agent with wake-ups asks before its probe
    expect((await client.capabilities()).eventStream).toBe(true);
    await waitFor(() => proxy.counts.open === 1);
    await client.close();
    await waitFor(() => proxy.counts.open === 0);
    expect(proxy.counts.opened).toBe(1);
  });

  it("the probe's stream is closed after its time-out, and the next open connects again", async () => {
    const { proxy, client } = await setUp();
    const probed = performance.now();
    client[AGENT_HOOKS].keepEventSpare(); // what an agent with wake-ups asks before its probe
    expect((await client.capabilities()).eventStream).toBe(true);
    await waitFor(() => proxy.counts.open === 1);
    await waitFor(() => proxy.counts.open === 0, { timeoutMs: SPARE_TTL_MS + 5_000 });
    expect(performance.now() - probed).toBeGreaterThanOrEqual(SPARE_TTL_MS - 50);
    const stream = await client.openEventStream();
    expect(proxy.counts).toEqual({ opened: 2, open: 1 });
    stream.close();
    await waitFor(() => proxy.counts.open === 0);
  });
});
