// RemoteAgent against the platform emulator over real HTTP: exactly-once handling, replies,
// push delivery, pause/removal, clean shutdown.
import { AsyncLocalStorage, createHook } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import dc from "node:diagnostics_channel";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import express from "express";
import { generatePathSecret, PlatformClient, RemoteAgent } from "../src/index.js";
import { startA2AServer } from "../src/public/a2a.js";
import type { InboundMessage } from "../src/index.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

async function setup(compat: "latest" | "2026-04" = "latest", agentUrl?: string) {
  const emu: Emulator = await startEmulator({ compat });
  cleanups.push(() => emu.close());
  const a = await emu.admin.createWorkspace({
    name: "agent",
    // Without a URL, for poll, as external agents are created (August creates push, and a push
    // workspace with no URL takes calls and replies only through the platform's queue until its agent registers).
    ...(agentUrl ? { url: agentUrl } : { deliveryMode: "poll" as const }),
  });
  const p = await emu.admin.createWorkspace({ name: "peer", deliveryMode: "poll" });
  const agentToken = a.token ?? (await emu.admin.createToken(a.id));
  const peerToken = p.token ?? (await emu.admin.createToken(p.id));
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: a.id, token: agentToken });
  const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: peerToken });
  cleanups.push(async () => {
    await client.close();
    await peer.close();
  });
  return { emu, a, p, client, peer };
}

/**
 * The requests this process sends whose path contains `pathPart` (undici diagnostics channel, so
 * whichever client method sends them), each tagged when it starts and marked done when it ends.
 */
function watchRequests<T>(pathPart: string, tag: () => T): Array<{ tag: T; done: boolean }> {
  const list: Array<{ tag: T; done: boolean }> = [];
  const open = new Map<object, { tag: T; done: boolean }>();
  const onCreate = (m: unknown): void => {
    const req = (m as { request: { path: string } }).request;
    if (!req.path.includes(pathPart)) return;
    const entry = { tag: tag(), done: false };
    list.push(entry);
    open.set(req, entry);
  };
  const onEnd = (m: unknown): void => {
    const req = (m as { request: object }).request;
    const entry = open.get(req);
    if (entry) entry.done = true;
    open.delete(req);
  };
  dc.subscribe("undici:request:create", onCreate);
  dc.subscribe("undici:request:trailers", onEnd);
  dc.subscribe("undici:request:error", onEnd);
  cleanups.push(async () => {
    dc.unsubscribe("undici:request:create", onCreate);
    dc.unsubscribe("undici:request:trailers", onEnd);
    dc.unsubscribe("undici:request:error", onEnd);
  });
  return list;
}

function counter() {
  const counts = new Map<string, number>();
  return {
    counts,
    add: (m: InboundMessage) =>
      counts.set(m.messageId ?? "?", (counts.get(m.messageId ?? "?") ?? 0) + 1),
    total: () => [...counts.values()].reduce((x, y) => x + y, 0),
    max: () => Math.max(0, ...counts.values()),
  };
}

describe("RemoteAgent against the emulator (latest contract, poll delivery)", () => {
  it("handles each message once across a 410 reset and a re-delivered messageId, and replies", async () => {
    const { emu, a, client, peer } = await setup();
    const c = counter();
    const agent = new RemoteAgent({
      client,
      pollIntervalMs: 50,
      handler: (m) => {
        c.add(m);
        return `echo:${m.text}`;
      },
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    expect(agent.delivery).toBe("poll");
    const ids = Array.from({ length: 6 }, () => randomUUID());
    for (const id of ids.slice(0, 3)) await peer.callPeer(a.id, `hello ${id}`, { messageId: id });
    await waitFor(() => c.counts.size === 3);
    // The platform forgets the cursor: the next fetch gets 410 and the agent re-reads.
    emu.injectFault({
      method: "GET",
      path: new RegExp(`/workspaces/${a.id}/activity`),
      status: 410,
      body: { error: "cursor expired" },
    });
    for (const id of ids.slice(3)) await peer.callPeer(a.id, `hello ${id}`, { messageId: id });
    // The proxy re-delivers an already handled request (same messageId).
    await peer.callPeer(a.id, `hello ${ids[0]}`, { messageId: ids[0] });
    await waitFor(() => c.counts.size === 6);
    const rows = emu.activity(a.id).filter((r) => r["method"] === "message/send");
    await waitFor(() => agent.cursor === rows.at(-1)?.["id"]);
    await agent.stop();
    expect(c.max()).toBe(1);
    expect(c.total()).toBe(6);
    // replies went back to the peer (stored in its activity as poll deliveries)
    const peerRows = emu.activity(peer.workspaceId);
    const replies = peerRows
      .map((r) => JSON.stringify(r["request_body"] ?? ""))
      .filter((s) => s.includes("echo:"));
    expect(replies).toHaveLength(6);
  });

  it("wakes up on the event stream instead of waiting for the poll interval", async () => {
    const { a, client, peer } = await setup();
    const c = counter();
    // Every activity fetch the agent makes, and whether the event stream was connected by then.
    let connected = false;
    const fetches = watchRequests(`/workspaces/${a.id}/activity`, () => connected);
    const agent = new RemoteAgent({
      client,
      pollIntervalMs: 60_000, // far beyond this test's bound: no timer-driven poll can deliver
      handler: (m) => void c.add(m),
      logger: {
        debug: (msg, meta) => {
          if (msg === "event stream") connected = (meta as { connected: boolean }).connected;
        },
      },
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    // The stream connects and its catch-up fetch completes; then the agent sits in its 60 s wait.
    await waitFor(() => fetches.some((f) => f.tag && f.done));
    await waitFor(() => fetches.every((f) => f.done));
    const before = fetches.length;
    const id = randomUUID();
    const sent = Date.now();
    await peer.callPeer(a.id, "wake up", { messageId: id });
    await waitFor(() => c.counts.get(id) === 1, { timeoutMs: 30_000 });
    expect(Date.now() - sent).toBeLessThan(5_000);
    // Only the event can have triggered the fetch that delivered it.
    expect(fetches.length).toBeGreaterThan(before);
    await agent.stop();
    expect(c.counts.get(id)).toBe(1);
  });

  it("retries failing handlers and still handles each message once", async () => {
    const { a, client, peer } = await setup();
    const successes = counter();
    const attempts = new Map<string, number>();
    const agent = new RemoteAgent({
      client,
      pollIntervalMs: 50,
      retryBaseMs: 10,
      maxAttempts: 3,
      handler: (m) => {
        const n = (attempts.get(m.messageId!) ?? 0) + 1;
        attempts.set(m.messageId!, n);
        if (n < 3 && m.text.includes("flaky")) throw new Error("transient");
        successes.add(m);
      },
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    await peer.callPeer(a.id, "flaky one", { messageId: ids[0] });
    await peer.callPeer(a.id, "steady", { messageId: ids[1] });
    await peer.callPeer(a.id, "flaky two", { messageId: ids[2] });
    await waitFor(() => successes.counts.size === 3);
    await agent.stop();
    expect(successes.max()).toBe(1);
    expect(attempts.get(ids[0]!)).toBe(3);
    expect(attempts.get(ids[1]!)).toBe(1);
  });

  it("ends with 'paused' when the workspace is paused and 'removed' when it is deleted", async () => {
    const { emu, a, client } = await setup();
    const agent = new RemoteAgent({ client, heartbeatIntervalMs: 30, handler: () => {} });
    await agent.start();
    await emu.admin.pause(a.id);
    expect((await agent.done).reason).toBe("paused");

    const second = await setup();
    const agent2 = new RemoteAgent({
      client: second.client,
      heartbeatIntervalMs: 30,
      handler: () => {},
    });
    await agent2.start();
    await second.emu.admin.deleteWorkspace(second.a.id);
    expect((await agent2.done).reason).toBe("removed");
  });
});

describe("RemoteAgent against the emulator (baseline contract)", () => {
  it("poll delivery de-duplicates the newest-first re-listing: each message once", async () => {
    // Baseline: the proxy forwards to the workspace URL and logs an activity row; the agent polls them.
    const sink = await startA2AServer({
      agentCard: { name: "sink" },
      onMessage: () => "ok",
      pathSecret: false,
    });
    cleanups.push(() => sink.close());
    const { a, client, peer } = await setup("2026-04", sink.url);
    const c = counter();
    const agent = new RemoteAgent({
      client,
      delivery: "poll",
      pollIntervalMs: 20,
      handler: (m) => void c.add(m),
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    const ids = Array.from({ length: 5 }, () => randomUUID());
    const fetches = watchRequests(`/workspaces/${a.id}/activity`, () => undefined);
    const polls = (): number => fetches.filter((f) => f.done).length;
    for (const id of ids) {
      await peer.callPeer(a.id, `msg ${id}`, { messageId: id });
      const seen = polls();
      await waitFor(() => polls() >= seen + 3); // several polls re-list the same rows
    }
    await waitFor(() => c.counts.size === 5);
    const seen = polls();
    await waitFor(() => polls() >= seen + 3); // and list them again after all were handled
    await agent.stop();
    expect(c.max()).toBe(1);
    expect([...c.counts.keys()].sort()).toEqual([...ids].sort());
  });

  it("defaults to push: registers its server URL and answers through the proxy", async () => {
    const { a, client, peer } = await setup("2026-04");
    const c = counter();
    const agent = new RemoteAgent({
      client,
      handler: (m) => {
        c.add(m);
        return `pong:${m.text}`;
      },
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    expect(agent.delivery).toBe("push");
    expect(agent.pushUrl).toMatch(/^http:\/\/localhost:\d+\/.+/);
    const id = randomUUID();
    const r1 = await peer.callPeer(a.id, "ping", { messageId: id });
    const r2 = await peer.callPeer(a.id, "ping", { messageId: id }); // proxy re-delivery
    expect(r1.status).toBe("completed");
    expect("text" in r1 && r1.text).toContain("pong:ping");
    expect("text" in r2 && r2.text).toContain("pong:ping");
    expect(c.counts.get(id)).toBe(1);
    await agent.stop();
  });

  it("a pushed message names its sender (an unauthenticated hint from callPeer's metadata)", async () => {
    const { a, client, peer } = await setup("2026-04");
    const seen: InboundMessage[] = [];
    const agent = new RemoteAgent({ client, handler: (m) => void seen.push(m) });
    cleanups.push(() => agent.stop());
    await agent.start();
    await peer.callPeer(a.id, "who am I talking to?");
    // Pushed: the id is the sender's own claim, kept apart from the authenticated sourceId.
    expect(seen[0]).toMatchObject({
      source: "unknown",
      sourceId: null,
      claimedSourceId: peer.workspaceId,
    });
    await agent.stop();
  });
});

describe("push endpoint mounted in a framework route (createPushHandler)", () => {
  it("core checks the path and the secret; the platform reaches it through the proxy", async () => {
    const app = express();
    app.use(express.json());
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    cleanups.push(() => new Promise((r) => server.close(r)));
    const base = `http://localhost:${(server.address() as AddressInfo).port}`;
    const { a, client, peer } = await setup("2026-04");
    const pathSecret = generatePathSecret();
    const agent = new RemoteAgent({
      client,
      delivery: { mode: "push", server: false, publicUrl: `${base}/hooks/a2a`, pathSecret },
      handler: (m) => `routed:${m.text}`,
    });
    cleanups.push(() => agent.stop());
    const a2a = agent.createPushHandler({ basePath: "/hooks/a2a" });
    app.all("/hooks/a2a/*rest", (req, res) => void a2a.handleNode(req, res, req.body));
    await agent.start();
    expect(agent.pushUrl).toBe(`${base}/hooks/a2a/${pathSecret}`); // what the platform calls

    const r = await peer.callPeer(a.id, "hello", { messageId: randomUUID() });
    expect(r.status).toBe("completed");
    expect("text" in r && r.text).toContain("routed:hello");

    const rpc = (path: string) =>
      fetch(`${base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "message/send",
          params: {
            message: {
              kind: "message",
              role: "user",
              messageId: randomUUID(),
              parts: [{ kind: "text", text: "direct" }],
            },
          },
        }),
      });
    const wrong = await rpc(`/hooks/a2a/${generatePathSecret()}`);
    expect(wrong.status).toBe(404);
    await wrong.body?.cancel();
    const none = await rpc("/hooks/a2a/");
    expect(none.status).toBe(404);
    await none.body?.cancel();
    const good = await rpc(`/hooks/a2a/${pathSecret}`);
    expect(good.status).toBe(200);
    expect(JSON.stringify(await good.json())).toContain("routed:direct");
    const card = await fetch(`${base}/hooks/a2a/${pathSecret}/.well-known/agent-card.json`);
    expect(((await card.json()) as { url: string }).url).toBe(agent.pushUrl);

    // handleA2A keeps serving "/" without a secret (for frameworks that check it themselves).
    expect(agent.handleA2A.endpointPath).toBe("/");
    await agent.stop();
    const afterStop = await rpc(`/hooks/a2a/${pathSecret}`);
    expect(afterStop.status).toBe(503); // stop() closed the handler
    await afterStop.body?.cancel();
  });

  it("rejects a malformed secret when the handler is created", async () => {
    const { client } = await setup("2026-04");
    const agent = new RemoteAgent({ client, handler: () => {} });
    expect(() => agent.createPushHandler({ pathSecret: "short" })).toThrow(/pathSecret/);
    expect(agent.createPushHandler({ basePath: "/x", pathSecret: false }).endpointPath).toBe("/x");
  });
});

/**
 * Tracks what an agent owns: the timers created while running `fn` (and everything it schedules
 * later inherits that context), and the platform's SSE requests (undici diagnostics channel).
 * Resources of the emulator, which runs in this process too, are created in other contexts.
 */
function ownedResources() {
  const als = new AsyncLocalStorage<symbol>();
  const tag = Symbol("agent");
  const timers = new Map<number, { hasRef(): boolean }>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (type === "Timeout" && als.getStore() === tag) timers.set(id, resource as NodeJS.Timeout);
    },
    destroy(id) {
      timers.delete(id);
    },
  }).enable();
  const streams = new Set<object>();
  const onCreate = (m: unknown): void => {
    const req = (m as { request: { path: string } }).request;
    if (req.path.includes("/events/stream") && als.getStore() === tag) streams.add(req);
  };
  const onEnd = (m: unknown): void => void streams.delete((m as { request: object }).request);
  dc.subscribe("undici:request:create", onCreate);
  dc.subscribe("undici:request:trailers", onEnd);
  dc.subscribe("undici:request:error", onEnd);
  return {
    run: <T>(fn: () => T): T => als.run(tag, fn),
    /** Ref'd timers still pending (destroy hooks are delivered asynchronously: flush first). */
    async pendingTimers(): Promise<number> {
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      return [...timers.values()].filter((t) => t.hasRef()).length;
    },
    openStreams: () => streams.size,
    dispose(): void {
      hook.disable();
      dc.unsubscribe("undici:request:create", onCreate);
      dc.unsubscribe("undici:request:trailers", onEnd);
      dc.unsubscribe("undici:request:error", onEnd);
    },
  };
}

const beats = (e: Emulator, id: string): number => e.heartbeats(id).length;

const servers = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap").length;

describe("shutdown", () => {
  it("stop() leaves no timers, sockets or servers behind (poll with SSE, and push)", async () => {
    const { emu, a, client } = await setup();
    const baseline = await setup("2026-04");
    const owned = ownedResources();
    cleanups.push(async () => owned.dispose());
    const serversBefore = servers();
    const poll = new RemoteAgent({
      client,
      heartbeatIntervalMs: 20,
      pollIntervalMs: 20,
      handler: () => {},
    });
    const push = new RemoteAgent({
      client: baseline.client,
      heartbeatIntervalMs: 20,
      handler: () => {},
    });
    cleanups.push(
      () => poll.stop(),
      () => push.stop(),
    );
    await owned.run(() => poll.start());
    await owned.run(() => push.start());
    await waitFor(() => owned.openStreams() === 1); // the poll agent's event stream is open
    // Both agents run their periodic work (heartbeats every 20 ms) before being stopped.
    const [pollBeats, pushBeats] = [beats(emu, a.id), beats(baseline.emu, baseline.a.id)];
    await waitFor(
      () =>
        beats(emu, a.id) >= pollBeats + 2 && beats(baseline.emu, baseline.a.id) >= pushBeats + 2,
    );
    expect(servers()).toBe(serversBefore + 1); // the push server
    expect(await owned.pendingTimers()).toBeGreaterThan(0); // heartbeats, polls
    await poll.stop();
    await push.stop();
    // Checked synchronously: the listening handle is gone when stop() resolves.
    expect(servers()).toBe(serversBefore);
    expect(owned.openStreams()).toBe(0);
    expect(await owned.pendingTimers()).toBe(0);
  });

  it("stop() in poll mode returns at once even though the SSE stream is silent for 15 s", async () => {
    const { client } = await setup(); // the emulator's default keep-alive: one ping per 15 s
    // Reads of the event stream's body that have not been answered yet.
    let pendingReads = 0;
    const openEventStream = client.openEventStream.bind(client);
    client.openEventStream = async (opts) => {
      const stream = await openEventStream(opts);
      const inner = stream.body[Symbol.asyncIterator]();
      const body = {
        [Symbol.asyncIterator]: () => ({
          next: async () => {
            pendingReads++;
            try {
              return await inner.next();
            } finally {
              pendingReads--;
            }
          },
          return: async () => (await inner.return?.()) ?? { done: true as const, value: undefined },
        }),
      };
      return { body: body as unknown as typeof stream.body, close: stream.close };
    };
    const connected: boolean[] = [];
    const agent = new RemoteAgent({
      client,
      pollIntervalMs: 60_000,
      heartbeatIntervalMs: 60_000,
      handler: () => {},
      logger: {
        debug: (msg, meta) => {
          if (msg === "event stream") connected.push((meta as { connected: boolean }).connected);
        },
      },
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    await waitFor(() => connected.at(-1) === true);
    await waitFor(() => pendingReads > 0); // the stream is idle, a read is pending
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      agent.stop().then(() => "stopped"),
      new Promise((r) => (timer = setTimeout(() => r("still waiting after 5 s"), 5_000))),
    ]);
    clearTimeout(timer);
    expect(outcome).toBe("stopped");
    expect(connected.at(-1)).toBe(false);
  });
});
