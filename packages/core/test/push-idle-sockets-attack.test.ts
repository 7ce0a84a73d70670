// Issue 46 item 7, as the attack itself over real HTTP: a stranger (no path secret needed) holds
// 10,000 idle sockets to the push port of a RemoteAgent registered with the emulator, reopening
// every one the server closes (up to 1,000 a second), while 40 legitimate pushes arrive (with the
// platform's bearer, as the August-2026 proxy sends them) and a peer calls the agent through the platform's proxy. Before the fix the server held 256 idle
// sockets and closed every newcomer: 0-1 of 40 pushes were served. Now the oldest connection
// without a request in flight makes room, so >= 38 of 40 are answered and the peer's call
// completes, while the server's open connections stay bounded by its cap (1024).
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { once } from "node:events";
import type { Socket } from "node:net";
import { createInterface } from "node:readline";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RemoteAgent } from "../src/agent/index.js";
import { PlatformClient } from "../src/platform/index.js";

const IDLE = 10_000;

/**
 * The attacker, in a child process (its own file descriptors and event loop): opens `IDLE`
 * sockets that never send a byte, reopens those the server closes (at most 1,000 a second), and
 * prints its counts as a JSON line whenever it reads a line on stdin. Exits when stdin ends.
 */
const ATTACKER = `
const net = require("node:net");
const [port, total] = process.argv.slice(1).map(Number);
let attempts = 0, open = 0, closedByServer = 0, settled = 0, ready = false;
const reopen = [];
function one() {
  const initial = ++attempts <= total;
  const s = net.connect(port, "127.0.0.1");
  let connected = false;
  s.on("error", () => {});
  s.on("connect", () => { connected = true; open++; if (initial) settle(); });
  s.on("close", () => {
    if (connected) { open--; closedByServer++; } else if (initial) settle();
    if (!stopping) reopen.push(1);
  });
}
function settle() { if (++settled === total) { ready = true; report(); } }
function report() { process.stdout.write(JSON.stringify({ ready, attempts, open, closedByServer }) + "\\n"); }
let stopping = false;
let started = 0;
(function batch() {
  for (let i = 0; i < 500 && started < total; i++, started++) one();
  if (started < total) setImmediate(batch);
})();
const refill = setInterval(() => { for (let i = 0; i < 100 && reopen.length > 0; i++) { reopen.pop(); one(); } }, 100);
process.stdin.on("data", report);
process.stdin.on("end", () => { stopping = true; clearInterval(refill); process.exit(0); });
`;

interface AttackerStats {
  ready: boolean;
  attempts: number;
  open: number;
  closedByServer: number;
}

let emu: Awaited<ReturnType<typeof startEmulator>>;
const clients: PlatformClient[] = [];
let agent: RemoteAgent<PlatformClient>;
let client: PlatformClient;
let peer: PlatformClient;
let meId: string;
let port: number;
const serverSockets = new Set<Socket>();
/** The most connections the push server held at once. */
let peak = 0;
const onServerSocket = (message: unknown): void => {
  const socket = (message as { socket: Socket }).socket;
  if (socket.localPort !== port) return;
  serverSockets.add(socket);
  peak = Math.max(peak, serverSockets.size);
  socket.once("close", () => serverSockets.delete(socket));
};

beforeAll(async () => {
  emu = await startEmulator();
  const me = await emu.admin.createWorkspace({ name: "target" });
  const other = await emu.admin.createWorkspace({ name: "caller" });
  meId = me.id;
  client = new PlatformClient({ platformUrl: emu.url, workspaceId: me.id, token: me.token! });
  peer = new PlatformClient({ platformUrl: emu.url, workspaceId: other.id, token: other.token! });
  clients.push(client, peer);
  agent = new RemoteAgent({
    client,
    handler: (m) => `echo:${m.text}`,
    delivery: { mode: "push" },
    concurrency: 8,
    logger: {},
  });
  await agent.start();
  port = Number(new URL(agent.pushUrl!).port);
  subscribe("net.server.socket", onServerSocket);
}, 60_000);

afterAll(async () => {
  unsubscribe("net.server.socket", onServerSocket);
  await agent?.stop();
  await Promise.all(clients.map((c) => c.close()));
  await emu?.close();
});

/**
 * One legitimate push (JSON-RPC `message/send`, with the platform's bearer): true when answered
 * with the handler's text.
 */
async function push(i: number): Promise<boolean> {
  const messageId = randomUUID();
  try {
    const r = await fetch(agent.pushUrl!, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${client.files.inboundSecret}`,
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: i,
        method: "message/send",
        params: {
          message: {
            kind: "message",
            role: "user",
            messageId,
            parts: [{ kind: "text", text: `p${i}` }],
          },
        },
      }),
      signal: AbortSignal.timeout(20_000), // the bound: served within 20 s
    });
    return (await r.text()).includes(`echo:p${i}`);
  } catch {
    return false;
  }
}

it("with 10,000 idle sockets held open, >= 38 of 40 pushes are answered and a peer's call through the platform completes", async () => {
  const attacker = spawn(process.execPath, ["-e", ATTACKER, String(port), String(IDLE)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = once(attacker, "exit");
  const lines = createInterface({ input: attacker.stdout! })[Symbol.asyncIterator]();
  const stats = async (): Promise<AttackerStats> => {
    attacker.stdin!.write("\n");
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error("the attacker process ended early");
      const s = JSON.parse(value as string) as AttackerStats;
      if (s.ready) return s;
    }
  };
  try {
    // Every one of the 10,000 connected (or was closed to make room) before the pushes start.
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error("the attacker process ended early");
      if ((JSON.parse(value as string) as AttackerStats).ready) break;
    }
    const [answered, call] = await Promise.all([
      Promise.all(Array.from({ length: 40 }, (_, i) => push(i))),
      peer.callPeer(meId, "through the proxy", { messageId: randomUUID() }),
    ]);
    const during = await stats();
    // The attack was real: the stranger opened all 10,000 and kept reopening, the server was full
    // (at its cap of 1024) and closed idle sockets to make room, at least a cap's worth. (How many
    // of the 10,000 the kernel let connect at all depends on the machine's load, so the count of
    // closed ones is bounded by the cap, not by 10,000.)
    expect(during.attempts).toBeGreaterThanOrEqual(IDLE);
    expect(peak).toBeGreaterThanOrEqual(1024);
    expect(during.closedByServer).toBeGreaterThan(1024);
    expect(answered.filter(Boolean).length).toBeGreaterThanOrEqual(38);
    expect(call.status).toBe("completed");
    expect((call as { text?: string }).text).toContain("echo:through the proxy");
    // Memory and file descriptors stay bounded: the server holds at most its cap (and the few
    // connections closing as this is read).
    expect(serverSockets.size).toBeLessThanOrEqual(1024 + 64);
  } finally {
    attacker.stdin!.end();
    await exited;
  }
}, 180_000);
