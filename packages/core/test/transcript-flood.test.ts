// Issue 46 item 8, as the attack itself over real HTTP: a stranger floods a RemoteAgent's
// `GET /transcript` (no path secret needed) with random bearers for 20 s. Before the fix the agent
// asked the platform about each one (85,676 checks in 20 s against the platform's 600/min per-IP
// budget) and its own heartbeat came back `rate_limited`. Now checks of unknown bearers are
// bounded (30 in any 60 s by default; the rest get 429 + Retry-After without a platform call),
// results are cached by the bearer's hash, and a bearer the platform accepted before is checked
// again outside that budget. Counted at a proxy in front of the emulator (600/min per IP): <= 60
// checks reach the platform, 0 heartbeats fail, and a legitimate bearer still gets the transcript.
import { randomBytes } from "node:crypto";
import { EventEmitter, once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RemoteAgent } from "../src/agent/index.js";
import { PlatformClient } from "../src/platform/index.js";

const FLOOD_MS = 20_000;

let emu: Awaited<ReturnType<typeof startEmulator>>;
let proxy: http.Server;
const clients: PlatformClient[] = [];
let agent: RemoteAgent<PlatformClient>;
let legit: PlatformClient;
/** What reached the platform from the agent (through the counting proxy). */
const seen = { checks: [] as number[], heartbeats: [] as number[] };
const beats = new EventEmitter();

/** A pass-through proxy to the emulator that counts the agent's bearer checks and heartbeats. */
function countingProxy(target: URL): http.Server {
  return http.createServer((req, res) => {
    const path = req.url ?? "/";
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path, headers: req.headers },
      (up) => {
        if (path.includes("namespace=transcript-auth-check")) seen.checks.push(Date.now());
        if (path.startsWith("/registry/heartbeat")) {
          seen.heartbeats.push(up.statusCode ?? 0);
          beats.emit("beat");
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
}

beforeAll(async () => {
  emu = await startEmulator({ compat: "2026-04", rateLimit: 600 });
  proxy = countingProxy(new URL(emu.url));
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const me = await emu.admin.createWorkspace({ name: "flooded" });
  const client = new PlatformClient({
    platformUrl: proxyUrl,
    workspaceId: me.id,
    token: me.token!,
  });
  legit = new PlatformClient({ platformUrl: emu.url, workspaceId: me.id, token: me.token! });
  clients.push(client, legit);
  agent = new RemoteAgent({
    client,
    handler: (m) => `echo:${m.text}`,
    delivery: { mode: "push" },
    transcript: { cacheMs: 2_000 }, // the legitimate bearer's check expires during the flood
    heartbeatIntervalMs: 1_000,
    logger: {},
  });
  await agent.start();
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await Promise.all(clients.map((c) => c.close()));
  proxy?.closeAllConnections();
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
  await emu?.close();
});

it("a 20 s random-bearer flood: <= 60 checks/min reach the platform, 0 heartbeats fail, the owner still reads", async () => {
  const origin = new URL(agent.pushUrl!).origin;
  // The owner reads the transcript through the platform before the flood (its bearer is checked).
  expect((await legit.fetchTranscript()).supported).toBe(true);
  const checksBefore = seen.checks.length;
  const heartbeatsBefore = seen.heartbeats.length;
  const statuses = new Map<number, number>();
  let retryAfter: string | null = null;
  const deadline = Date.now() + FLOOD_MS;
  const flooder = async (): Promise<void> => {
    while (Date.now() < deadline) {
      try {
        const r = await fetch(`${origin}/transcript`, {
          headers: { Authorization: `Bearer ${randomBytes(24).toString("base64url")}` },
        });
        await r.body?.cancel();
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 429) retryAfter ??= r.headers.get("retry-after");
      } catch {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
      }
      // Paced: 16 strangers at up to 16 requests a second each, 25 times the platform's 600 a
      // minute (before the fix each one was a platform check); more would only burn CPU.
      await new Promise((r) => setTimeout(r, 60));
    }
  };
  // The owner keeps reading during the flood, every third heartbeat (its 2 s cache has expired).
  const reads: boolean[] = [];
  const owner = async (): Promise<void> => {
    while (Date.now() < deadline) {
      reads.push((await legit.fetchTranscript()).supported === true);
      for (let i = 0; i < 3; i++) await once(beats, "beat");
    }
  };
  await Promise.all([...Array.from({ length: 16 }, flooder), owner()]);

  const checks = seen.checks.slice(checksBefore);
  const heartbeats = seen.heartbeats.slice(heartbeatsBefore);
  const flood = [...statuses.values()].reduce((a, b) => a + b, 0);
  // The flood was real, and almost all of it was refused without asking the platform.
  expect(flood).toBeGreaterThan(1_000);
  expect(statuses.get(429) ?? 0).toBeGreaterThan(flood / 2);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  // The flood lasted 20 s: every check it caused falls in one 60 s window (the owner's too).
  expect(checks.length).toBeLessThanOrEqual(60);
  expect(heartbeats.length).toBeGreaterThanOrEqual(5);
  expect(heartbeats.filter((s) => s !== 200)).toEqual([]);
  expect(reads.length).toBeGreaterThanOrEqual(4);
  expect(reads.every(Boolean)).toBe(true);
}, 120_000);
