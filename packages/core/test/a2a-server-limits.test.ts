// The push server is not an open door for slow or numerous clients: slow headers and slow bodies
// are cut within their timeouts (± 2 s; Node's default 30 s check period made them up to 30 s
// late), and past maxConnections the oldest connection without a request in flight makes room
// (a newcomer is closed only when every connection is serving a request).
import { once } from "node:events";
import { connect } from "node:net";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startA2AServer, type A2AServer, type StartA2AServerOptions } from "../src/public/a2a.js";

const servers: A2AServer[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(opts: Partial<StartA2AServerOptions>) {
  const s = await startA2AServer({ agentCard: { name: "limits" }, onMessage: () => "ok", ...opts });
  servers.push(s);
  return s;
}

async function open(port: number): Promise<Socket> {
  const sock = connect(port, "127.0.0.1");
  sockets.add(sock);
  sock.on("error", () => undefined); // writes after the server cut us: EPIPE
  await once(sock, "connect");
  return sock;
}

/**
 * Sends a request that never completes: headers (or, for "body", the body) one piece every
 * 250 ms. Resolves when the server closes the connection, with how long that took.
 */
async function slowRequest(s: A2AServer, part: "headers" | "body") {
  const sock = await open(s.port);
  const t0 = performance.now();
  let response = "";
  sock.on("data", (d: Buffer) => (response += d.toString()));
  const path = new URL(s.url).pathname;
  sock.write(
    part === "headers"
      ? `POST ${path} HTTP/1.1\r\nHost: localhost\r\n`
      : `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{`,
  );
  const drip = setInterval(() => sock.write(part === "headers" ? "X-Slow: 1\r\n" : " "), 250);
  // A drip written as the server closes may meet a reset (ECONNRESET): `open` ignores socket
  // errors, and `once(sock, "close")` would reject on one, so the close is awaited as an event.
  sock.once("end", () => clearInterval(drip));
  await new Promise((resolve) => sock.once("close", resolve));
  clearInterval(drip);
  return { seconds: (performance.now() - t0) / 1000, response };
}

const closed = (sock: Socket) => (sock.closed ? Promise.resolve() : once(sock, "close"));

const cardGet = (s: A2AServer): string =>
  `GET ${new URL(s.cardUrl).pathname} HTTP/1.1\r\nHost: localhost\r\n\r\n`;

/** A keep-alive GET of the agent card; resolves once the answer arrived (the socket stays open). */
async function cardRequest(s: A2AServer): Promise<Socket> {
  const sock = await open(s.port);
  const got = once(sock, "data");
  sock.write(cardGet(s));
  await got;
  return sock;
}

/** Whether a new connection is served (true) or closed without an answer (false). */
async function served(s: A2AServer): Promise<boolean> {
  const sock = await open(s.port);
  const outcome = Promise.race([
    once(sock, "data").then(() => true),
    once(sock, "close").then(() => false),
  ]);
  sock.write(cardGet(s));
  const ok = await outcome;
  sock.destroy();
  return ok;
}

describe("push server limits", () => {
  it("cuts slow headers at 15 s by default, and at the configured header and request timeouts (± 2 s)", async () => {
    const byDefault = await server({});
    const tight = await server({ headersTimeoutMs: 2_000, requestTimeoutMs: 4_000 });
    const [defaultHeaders, headers, body] = await Promise.all([
      slowRequest(byDefault, "headers"),
      slowRequest(tight, "headers"),
      slowRequest(tight, "body"),
    ]);
    expect(defaultHeaders.seconds).toBeGreaterThanOrEqual(15 - 0.1);
    expect(defaultHeaders.seconds).toBeLessThanOrEqual(15 + 2);
    expect(headers.seconds).toBeGreaterThanOrEqual(2 - 0.1);
    expect(headers.seconds).toBeLessThanOrEqual(2 + 2);
    expect(body.seconds).toBeGreaterThanOrEqual(4 - 0.1);
    expect(body.seconds).toBeLessThanOrEqual(4 + 2);
    for (const r of [defaultHeaders, headers, body]) expect(r.response).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("past maxConnections, the oldest connection without a request in flight makes room (default 1024)", async () => {
    const s = await server({ maxConnections: 4 });
    // Two keep-alive connections between requests, then two that never sent a request.
    const idle = [await cardRequest(s), await cardRequest(s)];
    const fresh = [await open(s.port), await open(s.port)];
    // Newcomers are served (and kept open): first the oldest that never sent a request makes room...
    const n1 = await cardRequest(s);
    await closed(fresh[0]!);
    expect([fresh[1]!.destroyed, idle[0]!.destroyed, idle[1]!.destroyed]).toEqual([
      false,
      false,
      false,
    ]);
    // ...then the other one, then the longest-idle keep-alive connection.
    const n2 = await cardRequest(s);
    await closed(fresh[1]!);
    const n3 = await cardRequest(s);
    await closed(idle[0]!);
    expect([idle[1]!, n1, n2, n3].every((h) => !h.destroyed)).toBe(true);

    const byDefault = await server({});
    const many = await Promise.all(Array.from({ length: 1024 }, () => cardRequest(byDefault)));
    await cardRequest(byDefault); // the 1025th is served...
    await Promise.race(many.map(closed)); // ...and the longest idle of the 1024 made room
    expect(many.filter((h) => h.destroyed)).toHaveLength(1);
  }, 60_000);

  it("closes a new connection at once when every connection has a request in flight, and accepts again when one ends", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let running = 0;
    let allRunning!: () => void;
    const four = new Promise<void>((r) => (allRunning = r));
    const s = await server({
      maxConnections: 4,
      onMessage: async () => {
        if (++running === 4) allRunning();
        await gate;
        return "done";
      },
    });
    const path = new URL(s.url).pathname;
    const push = async (i: number): Promise<Socket> => {
      const sock = await open(s.port);
      const body = JSON.stringify({
        jsonrpc: "2.0",
        id: i,
        method: "message/send",
        params: {
          message: { role: "user", messageId: `busy-${i}`, parts: [{ kind: "text", text: "x" }] },
        },
      });
      sock.write(
        `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return sock;
    };
    const busy = await Promise.all([0, 1, 2, 3].map(push));
    await four;
    expect(await served(s)).toBe(false); // nothing to make room with: the newcomer is closed
    expect(busy.every((b) => !b.destroyed)).toBe(true);
    const answered = busy.map((b) => once(b, "data"));
    release();
    await Promise.all(answered); // the four answers free their connections (kept alive, idle)
    expect(await served(s)).toBe(true);
  });

  it("rejects a nonsensical limit", async () => {
    await expect(server({ maxConnections: 0 })).rejects.toThrow(
      /maxConnections must be a positive integer/,
    );
    await expect(server({ headersTimeoutMs: -1 })).rejects.toThrow(/headersTimeoutMs/);
  });
});
