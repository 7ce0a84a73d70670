// Connection budgets of a client: liveness requests (heartbeats, state checks) go through their own
// dispatcher, derived from an undici Agent or given as `livenessDispatcher`; custom dispatchers
// that are not an Agent share their slots with one warning; a request waiting for a held
// connection gives up at once when aborted or timed out.
import { afterEach, describe, expect, it } from "vitest";
import { Agent, type Dispatcher } from "undici";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { MoleculeTimeoutError, PlatformClient } from "../src/index.js";
import type { Logger } from "../src/index.js";
import { HttpTransport } from "../src/transport/index.js";
import {
  type DispatcherLease,
  leaseLivenessPool,
  leaseRequestPool,
  leaseStreamPool,
  OWN_CONNECTIONS,
} from "../src/transport/dispatchers.js";
import { useTestServers } from "./fixtures/http-servers.js";

const serve = useTestServers();
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

/** An undici Agent composed with a counter of the paths it sends (not an `Agent` any more). */
function counted(): { dispatcher: Dispatcher; paths: string[] } {
  const paths: string[] = [];
  const agent = new Agent();
  cleanups.push(() => agent.close());
  const dispatcher = agent.compose((dispatch) => (opts, handler) => {
    paths.push(String(opts.path).split("?")[0]!);
    return dispatch(opts, handler);
  });
  return { dispatcher, paths };
}

/** The liveness sibling leased for the undici Agent `d` (fails when none is derived). */
function sibling(d: Dispatcher): DispatcherLease {
  const l = leaseLivenessPool(d);
  if (l === undefined || l === "shared") throw new Error(`no sibling derived: ${l}`);
  return l;
}

describe("the liveness budget of a client", () => {
  it("sends heartbeats and state checks through livenessDispatcher, other calls through dispatcher", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const w = await emu.admin.createWorkspace({ name: "budgets" });
    const requests = counted();
    const liveness = counted();
    const warnings: string[] = [];
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: w.id,
      token: w.token!,
      dispatcher: requests.dispatcher,
      livenessDispatcher: liveness.dispatcher,
      logger: { warn: (msg) => void warnings.push(msg) },
    });
    cleanups.push(() => client.close());
    await client.register({ agentCard: { name: "budgets" } });
    await client.heartbeat();
    expect((await client.getState()).paused).toBe(false);
    await client.pullSecrets();

    expect(liveness.paths).toEqual(["/registry/heartbeat", `/workspaces/${w.id}/state`]);
    expect(requests.paths).toContain("/registry/register");
    expect(requests.paths).toContain(`/workspaces/${w.id}/secrets/values`);
    expect(requests.paths).not.toContain("/registry/heartbeat");
    // Only streams are left without a budget of their own: the warning names streamDispatcher.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("streamDispatcher");
    expect(warnings[0]).not.toContain("livenessDispatcher");
  });

  it("warns once per custom dispatcher that is not an Agent, naming both options", async () => {
    const { url } = await serve((_req, res) => res.end());
    const shared = counted();
    const warnings: string[] = [];
    const logger: Logger = { warn: (msg) => void warnings.push(msg) };
    for (let i = 0; i < 3; i++) {
      const t = new HttpTransport({ baseUrl: url, dispatcher: shared.dispatcher, logger });
      cleanups.push(() => t.close());
      await t.send({ method: "POST", path: "/registry/heartbeat", liveness: true });
    }
    // Liveness shares the custom dispatcher's slots: it went through it.
    expect(shared.paths).toEqual(Array(3).fill("/registry/heartbeat"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("livenessDispatcher");
    expect(warnings[0]).toContain("streamDispatcher");
  });

  it("derives one liveness sibling per limited undici Agent, shared by its clients and closed by the last", async () => {
    const agent = new Agent({ connections: 2 });
    cleanups.push(() => agent.close());
    const a = sibling(agent);
    const b = sibling(agent);
    const s = leaseStreamPool(agent)!;
    expect(a.dispatcher).toBe(b.dispatcher);
    expect(a.dispatcher).not.toBe(agent);
    expect(a.dispatcher).not.toBe(s.dispatcher);
    await a.release();
    await a.release(); // idempotent: b still holds the pool
    const closed = (): boolean => (a.dispatcher as unknown as { closed: boolean }).closed;
    expect(closed()).toBe(false);
    await b.release();
    await s.release();
    expect(closed()).toBe(true);
    const again = sibling(agent);
    expect(again.dispatcher).not.toBe(a.dispatcher);
    await again.release();
    // Pipelining queues requests behind others on one connection: a sibling too.
    const pipelined = new Agent({ pipelining: 4 });
    cleanups.push(() => pipelined.close());
    await sibling(pipelined).release();

    // An Agent without a connection limit opens a new connection when every one is busy: shared.
    const unlimited = new Agent();
    cleanups.push(() => unlimited.close());
    expect(leaseLivenessPool(unlimited)).toBe("shared");
    // Nothing to derive from a dispatcher that is not a plain Agent.
    expect(leaseLivenessPool(counted().dispatcher)).toBeUndefined();
  });
});

describe("the SDK's own pools (clients without a dispatcher)", () => {
  it("hold at most OWN_CONNECTIONS sockets for requests, and liveness still gets through", async () => {
    const held: Array<() => void> = [];
    const sockets = new Set<unknown>();
    let holding = true;
    const { url } = await serve((req, res) => {
      sockets.add(req.socket);
      if (req.url === "/hold" && holding) held.push(() => res.end("{}"));
      else res.end("{}");
    });
    const clients = [0, 1].map(() => new HttpTransport({ baseUrl: url }));
    for (const c of clients) cleanups.push(() => c.close());
    // Two clients share one process-wide pool: 40 more requests than it has connections.
    const calls = Array.from({ length: OWN_CONNECTIONS + 40 }, (_, i) =>
      clients[i % 2]!.send({ method: "GET", path: "/hold", retry: false }),
    );
    await waitFor(() => held.length === OWN_CONNECTIONS);
    // Every connection is held: the heartbeat goes through the liveness pool's own.
    await clients[0]!.send({ method: "POST", path: "/registry/heartbeat", liveness: true });
    expect(held).toHaveLength(OWN_CONNECTIONS); // the other 40 wait for a free connection
    expect(sockets.size).toBe(OWN_CONNECTIONS + 1);
    holding = false;
    for (const release of held.splice(0)) release();
    await Promise.all(calls);
    expect(sockets.size).toBe(OWN_CONNECTIONS + 1); // the 40 reused freed connections
  });

  it("send peer calls through the platform proxy apart from the request pool's limit", async () => {
    // A peer that holds every call until released: OWN_CONNECTIONS calls in flight at once.
    const held: Array<() => void> = [];
    const peer = await serve((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => void (body += String(c)));
      req.on("end", () => {
        const { id } = JSON.parse(body) as { id: unknown };
        const answer = { kind: "message", role: "agent", messageId: String(id), parts: [] };
        held.push(() => res.end(JSON.stringify({ jsonrpc: "2.0", id, result: answer })));
      });
    });
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const self = await emu.admin.createWorkspace({ name: "caller" });
    const slow = await emu.admin.createWorkspace({ name: "slow peer", url: peer.url });
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: self.id,
      token: self.token!,
    });
    cleanups.push(() => client.close());
    const calls = Array.from({ length: OWN_CONNECTIONS }, (_, i) =>
      client.callPeer(slow.id, `task ${i}`),
    );
    try {
      await waitFor(() => held.length === OWN_CONNECTIONS, { timeoutMs: 15_000 });
      // Every call waits for the peer: the agent's other requests (its poll, its replies) must
      // not wait behind them, or agents of one process calling each other deadlock.
      // (A deadline, so a regression fails here rather than hanging on the held calls.)
      await client.pullSecrets({ signal: AbortSignal.timeout(10_000) });
      expect(held).toHaveLength(OWN_CONNECTIONS);
    } finally {
      for (const release of held.splice(0)) release();
      await Promise.allSettled(calls);
    }
  });

  it("lease one process-wide liveness pool apart from the request pool", async () => {
    const requests = leaseRequestPool();
    const a = leaseLivenessPool(undefined) as DispatcherLease;
    const b = leaseLivenessPool(undefined) as DispatcherLease;
    expect(a.dispatcher).toBe(b.dispatcher);
    expect(a.dispatcher).not.toBe(requests.dispatcher);
    await Promise.all([a.release(), b.release(), requests.release()]);
  });
});

describe("a request waiting for a connection held by another", () => {
  it("rejects at once when aborted or timed out, and the pool still works afterwards", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    cleanups.push(async () => release());
    const { url, seen: requests } = await serve((req, res) => {
      if (req.url === "/slow") void held.then(() => res.end('{"slow":true}'));
      else res.end('{"fast":true}');
    });
    const dispatcher = new Agent({ connections: 1 });
    cleanups.push(() => dispatcher.close());
    const t = new HttpTransport({ baseUrl: url, dispatcher, timeoutMs: 60_000 });
    cleanups.push(() => t.close());
    const slow = t.send({ method: "GET", path: "/slow" });
    await waitFor(() => requests.length === 1);

    const ac = new AbortController();
    const aborted = t.send({ method: "GET", path: "/fast", signal: ac.signal });
    ac.abort(new Error("caller gave up"));
    await expect(aborted).rejects.toThrow("caller gave up");
    await expect(t.send({ method: "GET", path: "/fast", timeoutMs: 50 })).rejects.toBeInstanceOf(
      MoleculeTimeoutError,
    );
    // Both gave up while the only connection was still held: the server saw neither.
    expect(requests.map((r) => r.url)).toEqual(["/slow"]);

    release();
    expect((await slow).body).toEqual({ slow: true });
    expect((await t.send({ method: "GET", path: "/fast" })).body).toEqual({ fast: true });
    expect(requests.map((r) => r.url)).toEqual(["/slow", "/fast"]);
  });
});
