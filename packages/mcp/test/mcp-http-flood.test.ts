// Issue 46 items 6 and 7 against the MCP HTTP server, as the attacks themselves over real HTTP: a
// 100 MB body to /mcp without a bearer, to a wrong path, and declared too large is answered
// 401/404/413 after the server read < 1 MiB of it (counted on the server's own sockets) and with
// < 10 MiB RSS growth, alone and 8 at once; 1,000 idle sockets do not keep 40 whole requests from
// being answered, and the idle ones beyond the bound are closed.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { request } from "node:http";
import { connect } from "node:net";
import type { Socket } from "node:net";
import { MoleculeMcp, readMcpConfig, startMcpHttp } from "../src/index.js";
import type { McpHttpServer } from "../src/index.js";
import { startTestPlatform } from "@molecule-ai/agent-core/testing";
import type { TestPlatform } from "@molecule-ai/agent-core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";
import { slowReaderUpload, type UploadOutcome } from "@internal/test-utils";

const BEARER = "flood-test-bearer-0123456789";
const MiB = 1024 * 1024;
const BODY = 100 * MiB;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

let platform: TestPlatform;
let molecule: MoleculeMcp;
let server: McpHttpServer;
let port: number;
let state: { dir: string; remove: () => void };
/** Bytes the server read on each of its sockets, filled when the socket closes. */
const serverRead: number[] = [];
let onRead: () => void = () => undefined;
const onSocket = (m: unknown): void => {
  const socket = (m as { socket: Socket }).socket;
  if (socket.localPort !== port) return;
  socket.once("close", () => {
    serverRead.push(socket.bytesRead);
    onRead();
  });
};

beforeAll(async () => {
  platform = await startTestPlatform({ name: "host" });
  state = tempDir();
  molecule = new MoleculeMcp(
    readMcpConfig({}, { ...platform.env, MOLECULE_MCP_STATE_DIR: state.dir }),
    { logger: {} },
  );
  await molecule.start();
  server = await startMcpHttp(molecule, {
    port: 0,
    host: "127.0.0.1",
    token: BEARER,
    allowedOrigins: [],
  });
  port = Number(new URL(server.url).port);
  subscribe("net.server.socket", onSocket);
}, 60_000);

afterAll(async () => {
  unsubscribe("net.server.socket", onSocket);
  await server?.close();
  await molecule?.stop();
  await platform?.close();
  state?.remove();
});

/**
 * Sends a request head declaring a 100 MB body, then streams the body (one reused chunk, so the
 * client itself allocates nothing) until the server closes; resolves with the status line seen.
 */
function flood(path: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    let sent = 0;
    const head = [
      `POST ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      "Content-Type: application/json",
      "Accept: application/json, text/event-stream",
      `Content-Length: ${BODY}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      "",
      "",
    ].join("\r\n");
    const pump = (): void => {
      while (sent < BODY && !socket.destroyed) {
        sent += CHUNK.length;
        if (!socket.write(CHUNK)) return void socket.once("drain", pump);
      }
    };
    socket.on("data", (d: Buffer) => (received += d.toString("latin1")));
    socket.on("error", () => undefined); // EPIPE / ECONNRESET once the server closed
    socket.once("close", () => resolve(received.split("\r\n")[0] ?? ""));
    socket.write(head);
    pump();
  });
}

/** Runs the floods at once; resolves with their status lines, the bytes the server read, RSS growth. */
async function floods(
  cases: [path: string, headers: Record<string, string>][],
): Promise<{ lines: string[]; read: number[]; growth: number }> {
  serverRead.length = 0;
  const rss0 = process.memoryUsage().rss;
  const lines = await Promise.all(cases.map(([path, headers]) => flood(path, headers)));
  const growth = process.memoryUsage().rss - rss0;
  // Each refused connection closed on the server too: wait for the bytes it read on each.
  await new Promise<void>((resolve) => {
    onRead = () => void (serverRead.length >= cases.length && resolve());
    onRead();
  });
  return { lines, read: [...serverRead], growth };
}

const status = (n: number): unknown => expect.stringMatching(new RegExp(`^HTTP/1\\.1 ${n} `));

/** A POST head to `path` on the server (the framing header is added by the upload). */
function postHead(path: string, headers: string[] = []): string {
  return [
    `POST ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    "Accept: application/json, text/event-stream",
    ...headers,
  ].join("\r\n");
}

/** 5 uploads of 100 MB at once, each reading its answer 250 ms late. */
function round(request: string, chunked: boolean): Promise<UploadOutcome[]> {
  return Promise.all(Array.from({ length: 5 }, () => slowReaderUpload(port, request, { chunked })));
}

describe("the MCP HTTP server refuses cheaply", () => {
  it("100 MB to /mcp without a bearer, to a wrong path, or declared too large: 401/404/413 after reading < 1 MiB, < 10 MiB RSS", async () => {
    for (const [path, headers, code] of [
      ["/mcp", {}, 401],
      ["/not-mcp", {}, 404],
      ["/mcp", { Authorization: `Bearer ${BEARER}` }, 413],
    ] as const) {
      const r = await floods([[path, headers]]);
      expect(r.lines).toEqual([status(code)]);
      expect(r.read).toHaveLength(1);
      expect(r.read[0]).toBeLessThan(MiB);
      expect(r.growth).toBeLessThan(10 * MiB);
    }
  }, 120_000);

  it("8 such requests at once", async () => {
    const cases: [string, Record<string, string>][] = [
      ...Array.from({ length: 4 }, (): [string, Record<string, string>] => ["/mcp", {}]),
      ...Array.from({ length: 4 }, (): [string, Record<string, string>] => [
        "/elsewhere",
        { Authorization: "Bearer wrong" },
      ]),
    ];
    const r = await floods(cases);
    expect(r.lines).toEqual([...Array(4).fill(status(401)), ...Array(4).fill(status(404))]);
    expect(r.read).toHaveLength(8);
    for (const n of r.read) expect(n).toBeLessThan(MiB);
    expect(r.growth).toBeLessThan(10 * MiB);
  }, 120_000);

  it("a client reading its answer 250 ms late gets it in 20 of 20 tries: 100 MB without a bearer, chunked to a wrong path, or not JSON", async () => {
    for (const [request, chunked, code, refusal] of [
      [postHead("/mcp", ["Content-Type: application/json"]), false, 401, true],
      [postHead("/not-mcp", ["Content-Type: application/json"]), true, 404, true],
      // Not JSON: refused (415) before the body is read, as the refusals above.
      [
        postHead("/mcp", ["Content-Type: text/plain", `Authorization: Bearer ${BEARER}`]),
        true,
        415,
        true,
      ],
    ] as const) {
      await round(request, chunked); // warm-up: every code path loaded, so the RSS baseline is fair
      serverRead.length = 0;
      const rss0 = process.memoryUsage().rss;
      const outcomes: UploadOutcome[] = [];
      for (let i = 0; i < 4; i++) outcomes.push(...(await round(request, chunked)));
      const growth = process.memoryUsage().rss - rss0;
      expect(outcomes.map((o) => o.status ?? o.error)).toEqual(Array(20).fill(code));
      await new Promise<void>((resolve) => {
        onRead = () => void (serverRead.length >= 20 && resolve());
        onRead();
      });
      for (const n of serverRead) expect(n).toBeLessThan(4 * MiB);
      // RSS flat: < 1 MiB per 100 MB refused (each lingering connection discards at most 256 KiB,
      // garbage until the next collection). Only this server's own refusals: the SDK builds a
      // session per request it answers.
      expect(refusal ? growth : 0).toBeLessThan(20 * MiB);
    }
  }, 120_000);

  it("a chunked JSON body with the bearer that grows past 4 MiB gets 413 once it passed the bound, in 5 of 5 tries", async () => {
    const request = postHead("/mcp", [
      "Content-Type: application/json",
      `Authorization: Bearer ${BEARER}`,
    ]);
    serverRead.length = 0;
    const outcomes = await round(request, true);
    expect(outcomes.map((o) => o.status ?? o.error)).toEqual(Array(5).fill(413));
    await new Promise<void>((resolve) => {
      onRead = () => void (serverRead.length >= 5 && resolve());
      onRead();
    });
    // 4 MiB held, then at most the lingering close's 256 KiB (and what was in flight) more.
    for (const n of serverRead) expect(n).toBeLessThan(6 * MiB);
  }, 120_000);

  it("1,000 idle sockets: 40 whole requests on new connections are all answered, and the idle ones past the bound are closed", async () => {
    let closedIdle = 0;
    let onClosed = (): void => void closedIdle;
    const idle: Socket[] = [];
    await Promise.all(
      Array.from(
        { length: 1000 },
        () =>
          new Promise<void>((resolve) => {
            const s = connect(port, "127.0.0.1", () => resolve());
            s.on("error", () => resolve());
            s.once("close", () => {
              closedIdle++;
              onClosed();
              resolve();
            });
            idle.push(s);
          }),
      ),
    );
    try {
      const statuses = await Promise.all(
        Array.from({ length: 40 }, (_, i) => initialize(`legit-${i}`)),
      );
      expect(statuses).toEqual(Array.from({ length: 40 }, () => 200));
      // The server holds at most its bound (256): at least 1,000 - 256 idle ones were closed.
      await new Promise<void>((resolve) => {
        onClosed = () => void (closedIdle >= 1000 - 256 && resolve());
        onClosed();
      });
      expect(closedIdle).toBeGreaterThanOrEqual(744);
    } finally {
      for (const s of idle) s.destroy();
    }
  }, 120_000);
});

/** An MCP initialize on a new connection; resolves with the status once the answer is read. */
function initialize(name: string): Promise<number> {
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name, version: "1" },
    },
  });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/mcp",
        method: "POST",
        agent: false,
        headers: {
          authorization: `Bearer ${BEARER}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.once("end", () => resolve(res.statusCode ?? 0));
        res.once("error", reject);
      },
    );
    req.once("error", reject);
    req.end(body);
  });
}
