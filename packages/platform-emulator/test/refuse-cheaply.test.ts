// The attack of issue #46 (6) on the emulator: 100 MB streamed to a wrong path, to a route without
// a bearer, and with a Content-Length past the body limit. Each is answered without its body being
// read, then the connection closes. Measured on a spawned emulator from the outside: the bytes its
// process read (/proc/<pid>/io rchar: every read(2), sockets included) and its resident memory.
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import { once } from "node:events";
import { expect, it } from "vitest";
import { slowReaderUpload } from "@internal/test-utils";
import { firstLines, run } from "./cli-helpers.js";

const TOTAL = 100 * 1024 * 1024;
const MiB = 1024 * 1024;

/** A field of /proc/<pid>/<file> (`rchar: 123`, `VmRSS:   4567 kB`) as a number. */
function procField(pid: number, file: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(
    readFileSync(`/proc/${pid}/${file}`, "utf8"),
  );
  if (m === null) throw new Error(`no ${field} in /proc/${pid}/${file}`);
  return Number(m[1]);
}

/**
 * Sends `head` then streams up to 100 MB of body, 64 KiB at a time, until the server closes the
 * connection; resolves with what the server answered and how much was handed to the kernel.
 */
async function attack(port: number, head: string): Promise<{ answer: string; sent: number }> {
  const sock = net.connect(port, "127.0.0.1");
  await once(sock, "connect");
  let answer = "";
  const state = { closed: false };
  sock.on("data", (c: Buffer) => (answer += c.toString("latin1")));
  sock.on("error", () => {}); // EPIPE / ECONNRESET once the server has closed
  const closedP = new Promise<void>((r) =>
    sock.once("close", () => {
      state.closed = true;
      r();
    }),
  );
  sock.write(head);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  while (!state.closed && sent < TOTAL) {
    const ok = sock.write(chunk);
    sent += chunk.length;
    if (!ok) await Promise.race([new Promise((r) => sock.once("drain", r)), closedP]);
  }
  if (!state.closed) sock.end();
  await closedP;
  return { answer, sent };
}

const request = (method: string, path: string, extra = ""): string =>
  `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${TOTAL}\r\n${extra}\r\n`;

it.skipIf(!existsSync("/proc/self/io"))(
  "100 MB to a wrong path, without a bearer, or past the size limit: answered with < 1 MiB read and < 10 MiB RSS growth, then closed",
  async () => {
    const child = run(["--port", "0", "--no-ui"]);
    const [first] = await firstLines(child, 1);
    const port = Number(/:(\d+)/.exec(first ?? "")?.[1]);
    const pid = child.pid as number;
    // Warm up the request path once so that its first-use allocations are not counted.
    const warm = await fetch(`http://127.0.0.1:${port}/health`);
    expect(warm.status).toBe(200);
    const read0 = procField(pid, "io", "rchar");
    const rss0 = procField(pid, "status", "VmRSS") * 1024;
    const ws = "7b0c3a52-5d4e-4f8a-9c1e-2a3b4c5d6e7f";
    const [wrongPath, noBearer, tooBig] = await Promise.all([
      attack(port, request("POST", "/no/such/route")),
      attack(port, request("POST", `/workspaces/${ws}/memories`)),
      attack(port, request("POST", "/registry/register", "Authorization: Bearer x\r\n")),
    ]);
    const read = procField(pid, "io", "rchar") - read0;
    const rss = procField(pid, "status", "VmRSS") * 1024 - rss0;
    expect(wrongPath.answer).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(noBearer.answer).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/);
    expect(noBearer.answer).toContain('{"error":"missing workspace auth token"}');
    expect(tooBig.answer).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    for (const a of [wrongPath, noBearer, tooBig]) expect(a.answer).toContain("Connection: close");
    expect(read).toBeLessThan(MiB);
    expect(rss).toBeLessThan(10 * MiB);
    child.kill("SIGTERM");
    await once(child, "exit");
  },
  120_000,
);

it.skipIf(!existsSync("/proc/self/io"))(
  "a client reading its answer 250 ms late gets its 401 (100 MB, no bearer) and 404 (100 MB chunked, wrong path) in 20 of 20 tries, < 1 MiB read per refusal, RSS flat",
  async () => {
    const child = run(["--port", "0", "--no-ui"]);
    const [first] = await firstLines(child, 1);
    const port = Number(/:(\d+)/.exec(first ?? "")?.[1]);
    const pid = child.pid as number;
    const ws = "7b0c3a52-5d4e-4f8a-9c1e-2a3b4c5d6e7f";
    const noBearer = `POST /workspaces/${ws}/memories HTTP/1.1\r\nHost: x\r\nContent-Type: application/json`;
    const wrongPath = "POST /no/such/route HTTP/1.1\r\nHost: x\r\nContent-Type: application/json";
    const tries = (head: string, chunked: boolean) =>
      Promise.all(Array.from({ length: 20 }, () => slowReaderUpload(port, head, { chunked })));
    await tries(noBearer, false); // warm-up: first-use allocations are not counted
    const read0 = procField(pid, "io", "rchar");
    const rss0 = procField(pid, "status", "VmRSS") * 1024;
    const refused = await tries(noBearer, false);
    const lost = await tries(wrongPath, true);
    const read = procField(pid, "io", "rchar") - read0;
    const rss = procField(pid, "status", "VmRSS") * 1024 - rss0;
    expect(refused.map((o) => o.status ?? o.error)).toEqual(Array(20).fill(401));
    expect(lost.map((o) => o.status ?? o.error)).toEqual(Array(20).fill(404));
    expect(read).toBeLessThan(40 * MiB);
    expect(rss).toBeLessThan(10 * MiB);
    child.kill("SIGTERM");
    await once(child, "exit");
  },
  120_000,
);
