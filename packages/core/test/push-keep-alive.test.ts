// Issue 49's keep-alive race, reproduced over real HTTP against a RemoteAgent registered with the
// emulator: a pooled client (the platform's Go proxy idles its connections up to 90 s) that calls
// every 6 s reuses a connection the server closes at that very moment: Node's default keep-alive
// is 5 s (+1 s of buffer on Node 24, so 6 s), and the demo's NestJS reviewer lost 3 of 9 forwards
// to `read ECONNRESET`. The SDK's servers keep idle connections 95 s, longer than their clients.
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RemoteAgent } from "../src/agent/index.js";
import { PlatformClient } from "../src/platform/index.js";
import { startA2AServer } from "../src/public/a2a.js";

/** The demo's call interval, and a client's idle longer than Node's default keep-alive. */
const CLIENT_IDLE_MS = 7_000;

let emu: Awaited<ReturnType<typeof startEmulator>>;
let client: PlatformClient;
let agent: RemoteAgent<PlatformClient>;

beforeAll(async () => {
  emu = await startEmulator();
  const me = await emu.admin.createWorkspace({ name: "reviewer" });
  client = new PlatformClient({ platformUrl: emu.url, workspaceId: me.id, token: me.token! });
  agent = new RemoteAgent({
    client,
    handler: (m) => `echo:${m.text}`,
    delivery: { mode: "push" },
    logger: {},
  });
  await agent.start();
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await client?.close();
  await emu?.close();
});

/** A keep-alive connection that sends pushes one at a time, as a pooled proxy client does. */
class PooledConnection {
  readonly socket: Socket;
  #buffer = "";
  #closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (d: Buffer) => (this.#buffer += d.toString()));
    socket.on("error", () => undefined);
    socket.once("close", () => (this.#closed = true));
  }

  static async open(url: URL): Promise<PooledConnection> {
    const socket = connect(Number(url.port), "127.0.0.1");
    await once(socket, "connect");
    return new PooledConnection(socket);
  }

  /**
   * Sends one push on this connection (with `bearer`, as the August-2026 proxy sends the platform's
   * to a RemoteAgent); resolves with the whole answer, or `"closed"`.
   */
  async push(url: URL, text: string, bearer?: string): Promise<string> {
    if (this.#closed) return "closed";
    const messageId = randomUUID();
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: messageId,
      method: "message/send",
      params: { message: { role: "user", messageId, parts: [{ kind: "text", text }] } },
    });
    this.#buffer = "";
    this.socket.write(
      `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
        (bearer === undefined ? "" : `Authorization: Bearer ${bearer}\r\n`) +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    for (;;) {
      const end = this.#buffer.indexOf("\r\n\r\n");
      const length = /content-length: (\d+)/i.exec(this.#buffer)?.[1];
      if (end !== -1 && length !== undefined && this.#buffer.length >= end + 4 + Number(length))
        return this.#buffer;
      if (this.#closed) return "closed";
      await Promise.race([once(this.socket, "data"), once(this.socket, "close")]);
    }
  }
}

it("keeps an idle connection longer than its clients do: a push 7 s after the last one reuses it", async () => {
  const url = new URL(agent.pushUrl!);
  const conn = await PooledConnection.open(url);
  const bearer = client.files.inboundSecret;
  const first = await conn.push(url, "one", bearer);
  expect(first).toMatch(/^HTTP\/1\.1 200 /);
  expect(first.toLowerCase()).toContain("keep-alive: timeout=95");
  // The client's own idle interval (what the scenario is about), longer than Node's default 5 s.
  await sleep(CLIENT_IDLE_MS);
  const second = await conn.push(url, "two", bearer);
  expect(second).toMatch(/^HTTP\/1\.1 200 /);
  expect(second).toContain("echo:two");
  conn.socket.destroy();
}, 60_000);

it("a keep-alive idle longer than headersTimeoutMs is still served (Node times headers per request)", async () => {
  const server = await startA2AServer({
    agentCard: { name: "short-heads" },
    onMessage: (m) => `echo:${m.parts.length}`,
    headersTimeoutMs: 2_000,
    requestTimeoutMs: 3_000,
  });
  try {
    const url = new URL(server.url);
    const conn = await PooledConnection.open(url);
    expect(await conn.push(url, "a")).toMatch(/^HTTP\/1\.1 200 /);
    await sleep(CLIENT_IDLE_MS); // idle past both timeouts, and past Node's default keep-alive
    expect(await conn.push(url, "b")).toMatch(/^HTTP\/1\.1 200 /);
    conn.socket.destroy();
  } finally {
    await server.close();
  }
}, 60_000);
