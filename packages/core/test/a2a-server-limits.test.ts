// The push server is not an open door for slow or numerous clients: slow headers and slow bodies
// are cut within their timeouts (± 2 s; Node's default 30 s check period made them up to 30 s
// late), and connections beyond maxConnections are closed at once.
import { once } from "node:events";
import { connect } from "node:net";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "@internal/test-utils";
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
  await once(sock, "close");
  clearInterval(drip);
  return { seconds: (performance.now() - t0) / 1000, response };
}

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
  }, 30_000);

  it("closes connections beyond maxConnections (default 256) at once, and accepts again when one ends", async () => {
    const s = await server({});
    const held = await Promise.all(Array.from({ length: 256 }, () => cardRequest(s)));
    expect(await served(s)).toBe(false); // the 257th is closed without an answer
    expect(held.every((h) => !h.destroyed)).toBe(true);

    held[0]!.destroy();
    // The server sees the close asynchronously: a new connection is served as soon as it has.
    await waitFor(() => served(s));
  });

  it("rejects a nonsensical limit", async () => {
    await expect(server({ maxConnections: 0 })).rejects.toThrow(
      /maxConnections must be a positive integer/,
    );
    await expect(server({ headersTimeoutMs: -1 })).rejects.toThrow(/headersTimeoutMs/);
  });
});
