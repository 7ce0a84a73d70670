// Issue 46 item 6, as the attack itself over real HTTP: a request the push server (RemoteAgent's
// built-in server, registered with the emulator) or its transcript route refuses for its path, its
// auth (path secret, the platform's bearer on August 2026, the transcript's bearer) or its declared
// size is answered without reading its body, and the connection closes: 100 MB streamed at it costs < 1 MiB read on the server side and < 10 MiB of
// RSS (the agent runs in a process of its own, so its RSS is the server's alone), alone and 8 at
// once. Without the fix node:http drained all 100 MB to keep the connection.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { platformRpc } from "./fixtures/platform-rpc.js";

const MB = 1024 * 1024;
const BODY = 100 * MB;
const CHUNK = Buffer.alloc(64 * 1024, 0x61); // reused: the attack allocates 64 KiB, not 100 MB
const CHILD = fileURLToPath(new URL("./fixtures/push-refuse-child.mjs", import.meta.url));

let emu: Awaited<ReturnType<typeof startEmulator>>;
/** The attacked agent, alone in its process: the RSS it reports is the server's own. */
let child: ChildProcess;
let pushUrl: string;
let port: number;
let secretPath: string;
/** The platform's bearer for this agent's pushes (August 2026). */
let inboundSecret: string;
let token: string;

beforeAll(async () => {
  emu = await startEmulator();
  const me = await emu.admin.createWorkspace({ name: "refuser" });
  token = me.token!;
  child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, PLATFORM_URL: emu.url, WS_ID: me.id, WS_TOKEN: token },
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("\n")) resolve(out.split("\n")[0]!);
    });
    child.once("exit", (code) => reject(new Error(`the agent's process exited early (${code})`)));
  });
  [, pushUrl, inboundSecret] = line.split(" ") as [string, string, string];
  const url = new URL(pushUrl);
  port = Number(url.port);
  secretPath = url.pathname;
}, 60_000);

afterAll(async () => {
  if (child?.exitCode === null) {
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  }
  await emu?.close();
});

/** Sends `message` to the agent's process and resolves with its answer. */
async function ask<T>(message: unknown): Promise<T> {
  const answer = once(child, "message");
  child.send(message as object);
  return (await answer)[0] as T;
}

interface Attack {
  /** What the attacker received (the refusal's status line and headers). */
  response: string;
  /** Bytes the server read from this connection. */
  serverRead: number;
}

/**
 * Streams a 100 MB body behind `head` on one raw connection, 64 KiB at a time with back-pressure,
 * until the server closes the connection. Resolves with what came back and the attacker's port.
 */
function attack(head: string): Promise<{ response: string; port: number }> {
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1");
    let response = "";
    let sent = 0;
    let localPort = -1;
    sock.on("data", (d: Buffer) => (response += d.toString("latin1")));
    sock.on("error", () => undefined); // EPIPE / ECONNRESET: the server cut the upload
    sock.once("connect", () => {
      localPort = sock.localPort!;
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
    sock.once("close", () => resolve({ response, port: localPort }));
  });
}

/** The header line of the platform's bearer, as its proxy sends with each push (August 2026). */
const platform = (): string => `Authorization: Bearer ${inboundSecret}\r\n`;

/** A POST of a 100 MB body to `path`, by default with the platform's bearer (`auth` "": none). */
const post = (path: string, auth = platform()): string =>
  `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${BODY}\r\n${auth}\r\n`;

/**
 * Runs `attacks`; returns what each received, what the server read of each (once the server has
 * closed it), and the growth of the server process's RSS meanwhile (sampled every 20 ms).
 */
async function measured(
  attacks: () => Promise<{ response: string; port: number }>[],
): Promise<{ results: Attack[]; rss: number }> {
  await ask({ mark: true });
  const sent = await Promise.all(attacks());
  const server = await ask<{ read: number[]; rss: number }>({ ports: sent.map((a) => a.port) });
  const results = sent.map((a, i) => ({ response: a.response, serverRead: server.read[i]! }));
  return { results, rss: server.rss };
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
    expect(r.serverRead).toBeGreaterThan(0);
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
    expect(r.serverRead).toBeGreaterThan(0);
    expect(r.serverRead).toBeLessThan(MB);
  });
  expect(rss).toBeLessThan(10 * MB);
  // The server still serves: a push (the platform's, with its bearer) is answered.
  const message = { kind: "message", role: "user", messageId: "after-the-attacks" };
  const answer = await platformRpc(
    { pushUrl, client: { files: { inboundSecret } } },
    "message/send",
    {
      message: { ...message, parts: [{ kind: "text", text: "still here?" }] },
    },
  );
  expect(JSON.stringify(answer.result)).toContain("echo:still here?");
}, 120_000);
