// Request bodies held at once are bounded in sum (`maxBodyBytesInFlight`), over real HTTP, and a
// body is held from its read to its parse, not to its answer (issue 112): a body that does not fit
// beside one being read is read once that one was parsed, while its handler still runs (da54fe10
// held the first body's 3 MiB until its answer, and the second waited for it). How a body waits
// for room is in body-budget.test.ts.
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startA2AServer, type A2AServer } from "../src/a2a/index.js";

const MiB = 1024 * 1024;
const servers: A2AServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A message/send of about `bytes` bytes. */
function sendBody(id: string, bytes: number): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "message/send",
    params: {
      message: {
        kind: "message",
        messageId: id,
        role: "user",
        parts: [{ kind: "text", text: "x".repeat(bytes) }],
      },
    },
  });
}

describe("the body budget of the push server", () => {
  it("reads a body past the budget once the one before it was parsed, while that one's handler still runs", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    let secondStarted!: () => void;
    const second = new Promise<void>((r) => (secondStarted = r));
    const server = await startA2AServer({
      agentCard: { name: "budget" },
      maxBodyBytes: 4 * MiB,
      maxBodyBytesInFlight: 4 * MiB,
      onMessage: async (m) => {
        started.push(m.messageId);
        if (m.messageId === "second") secondStarted();
        if (m.messageId === "first") await gate;
        return `ok ${m.messageId}`;
      },
    });
    servers.push(server);
    const url = new URL(server.url);
    // The first body (3 MiB declared) arrives in part: it holds its length of the budget.
    const first = sendBody("first", 3 * MiB);
    const socket = connect(Number(url.port), url.hostname);
    socket.on("error", () => undefined);
    let answer = "";
    const firstAnswered = new Promise<void>((resolve) =>
      socket.on("data", (c: Buffer) => {
        answer += c.toString();
        if (answer.includes("ok first")) resolve();
      }),
    );
    const head =
      `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(first)}\r\n\r\n`;
    await new Promise<void>((resolve) => socket.write(head + first.slice(0, MiB), () => resolve()));
    // The second (3 MiB) does not fit beside it: its body waits unread.
    const secondAnswer = fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: sendBody("second", 3 * MiB),
    });
    // The first's rest: it is parsed and its handler runs (and holds), and the second is read.
    socket.write(first.slice(MiB));
    await second;
    expect(started).toEqual(["first", "second"]);
    const res = await secondAnswer;
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain("ok second");
    release();
    await firstAnswered;
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    socket.destroy();
  });
});
