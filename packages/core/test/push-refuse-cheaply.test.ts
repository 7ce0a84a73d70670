// Issue 46 item 6, as the attack itself over real HTTP: a request the push server (RemoteAgent's
// built-in server, registered with the emulator) or its transcript route refuses for its path, its
// auth (path secret, the platform's bearer on August 2026, the transcript's bearer) or its declared
// size is answered without reading its body, and the connection closes: 100 MB streamed at it costs < 1 MiB read on the server side and < 10 MiB of
// RSS, alone and 8 at once. Without the fix node:http drained all 100 MB to keep the connection.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { connect, type Socket } from "node:net";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RemoteAgent } from "../src/agent/index.js";
import { PlatformClient } from "../src/platform/index.js";
import { platformRpc } from "./fixtures/platform-rpc.js";

const MB = 1024 * 1024;
const BODY = 100 * MB;
const CHUNK = Buffer.alloc(64 * 1024, 0x61); // reused: the attack allocates 64 KiB, not 100 MB

let emu: Awaited<ReturnType<typeof startEmulator>>;
let client: PlatformClient;
let agent: RemoteAgent<PlatformClient>;
let port: number;
let secretPath: string;
let token: string;
/** Every server-side socket the agent's server accepted (diagnostics_channel `net.server.socket`). */
const serverSockets: Socket[] = [];
const onServerSocket = (message: unknown): void => {
  const socket = (message as { socket: Socket }).socket;
  if (socket.localPort === port) serverSockets.push(socket);
};

beforeAll(async () => {
  emu = await startEmulator();
  const me = await emu.admin.createWorkspace({ name: "refuser" });
  token = me.token!;
  client = new PlatformClient({ platformUrl: emu.url, workspaceId: me.id, token });
  agent = new RemoteAgent({
    client,
    handler: (m) => `echo:${m.text}`,
    delivery: { mode: "push" },
    transcript: true,
    logger: {},
  });
  await agent.start();
  const url = new URL(agent.pushUrl!);
  port = Number(url.port);
  secretPath = url.pathname;
  subscribe("net.server.socket", onServerSocket);
}, 60_000);

afterAll(async () => {
  unsubscribe("net.server.socket", onServerSocket);
  await agent?.stop();
  await client?.close();
  await emu?.close();
});

interface Attack {
  /** What the attacker received (the refusal's status line and headers). */
  response: string;
  /** Bytes the server read from this connection. */
  serverRead: number;
}

/**
 * Streams a 100 MB body behind `head` on one raw connection, 64 KiB at a time with back-pressure,
 * until the server closes the connection. Resolves with what came back and what the server read.
 */
function attack(head: string): Promise<Attack> {
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1");
    let response = "";
    let sent = 0;
    let server: Socket | undefined;
    sock.on("data", (d: Buffer) => (response += d.toString("latin1")));
    sock.on("error", () => undefined); // EPIPE / ECONNRESET: the server cut the upload
    sock.once("connect", () => {
      server = serverSockets.find((s) => s.remotePort === sock.localPort);
      sock.write(head);
      const pump = (): void => {
        while (sent < BODY && !sock.destroyed) {
          sent += CHUNK.length;
          if (!sock.write(CHUNK)) return void sock.once("drain", pump);
        }
        if (!sock.destroyed) sock.end(); // all sent (only a server that read it all gets here)
      };
      pump();
    });
    sock.once("close", () => {
      server ??= serverSockets.find((s) => s.remotePort === sock.localPort);
      const finish = (): void => resolve({ response, serverRead: server?.bytesRead ?? -1 });
      if (server === undefined || server.closed) finish();
      else server.once("close", finish);
    });
  });
}

/** The header line of the platform's bearer, as its proxy sends with each push (August 2026). */
const platform = (): string => `Authorization: Bearer ${client.files.inboundSecret}\r\n`;

/** A POST of a 100 MB body to `path`, by default with the platform's bearer (`auth` "": none). */
const post = (path: string, auth = platform()): string =>
  `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${BODY}\r\n${auth}\r\n`;

/** Runs `attacks`, sampling this process's RSS meanwhile; returns the results and the RSS growth. */
async function measured(
  attacks: () => Promise<Attack>[],
): Promise<{ results: Attack[]; rss: number }> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  try {
    const results = await Promise.all(attacks());
    peak = Math.max(peak, process.memoryUsage.rss());
    return { results, rss: peak - before };
  } finally {
    clearInterval(sampler);
  }
}

it("a 100 MB body to a wrong path is answered 404 with < 1 MiB read and < 10 MiB RSS, and the connection closes", async () => {
  await attack(post("/warm-up")); // loads every code path once, so the RSS baseline is fair
  const { results, rss } = await measured(() => [attack(post("/not-the-secret"))]);
  const [r] = results;
  expect(r!.response).toMatch(/^HTTP\/1\.1 404 /);
  expect(r!.response.toLowerCase()).toContain("connection: close");
  expect(r!.serverRead).toBeGreaterThan(0);
  expect(r!.serverRead).toBeLessThan(MB);
  expect(rss).toBeLessThan(10 * MB);
}, 120_000);

it("8 such bodies at once: each answered 404 with < 1 MiB read, < 10 MiB RSS in all", async () => {
  const { results, rss } = await measured(() =>
    Array.from({ length: 8 }, (_, i) => attack(post(`/wrong-${i}`))),
  );
  for (const r of results) {
    expect(r.response).toMatch(/^HTTP\/1\.1 404 /);
    expect(r.serverRead).toBeLessThan(MB);
  }
  expect(rss).toBeLessThan(10 * MB);
}, 120_000);

it("refused for a wrong secret, a missing platform bearer, a declared size over the limit, or a bad transcript bearer (and a GET answered with a body unread): the same", async () => {
  const wrongSecret = `/${"A".repeat(43)}`;
  const cases: [string, RegExp][] = [
    [post(wrongSecret), /^HTTP\/1\.1 404 /],
    [post(secretPath), /^HTTP\/1\.1 413 /], // declared 100 MB against the 1 MiB default limit
    [post(`${secretPath}/.well-known/agent-card.json`), /^HTTP\/1\.1 405 /],
    // Without the platform's bearer, once it signs: refused before the path is looked at.
    [post(secretPath, ""), /^HTTP\/1\.1 401 /],
    [post(wrongSecret, ""), /^HTTP\/1\.1 401 /],
    [
      `GET /transcript HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${BODY}\r\n\r\n`,
      /^HTTP\/1\.1 401 /,
    ],
    [
      `GET /transcript HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer not-a-token\r\n` +
        `Content-Length: ${BODY}\r\n\r\n`,
      /^HTTP\/1\.1 401 /,
    ],
    [post("/transcript"), /^HTTP\/1\.1 405 /],
    // Answered, not refused, but a GET should carry no body: its body is not read either.
    [
      `GET ${secretPath}/.well-known/agent-card.json HTTP/1.1\r\nHost: localhost\r\n` +
        `Content-Length: ${BODY}\r\n\r\n`,
      /^HTTP\/1\.1 200 /,
    ],
    [
      `GET /transcript HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Length: ${BODY}\r\n\r\n`,
      /^HTTP\/1\.1 200 /,
    ],
  ];
  const { results, rss } = await measured(() => cases.map(([head]) => attack(head)));
  results.forEach((r, i) => {
    expect(r.response).toMatch(cases[i]![1]);
    expect(r.serverRead).toBeLessThan(MB);
  });
  expect(rss).toBeLessThan(10 * MB);
  // The server still serves: a push (the platform's, with its bearer) is answered.
  const message = { kind: "message", role: "user", messageId: "after-the-attacks" };
  const answer = await platformRpc(agent, "message/send", {
    message: { ...message, parts: [{ kind: "text", text: "still here?" }] },
  });
  expect(JSON.stringify(answer.result)).toContain("echo:still here?");
}, 120_000);
