// Request bodies held at once are bounded in sum (`maxBodyBytesInFlight`), over real HTTP: a
// request past the budget waits for room with its body unread, is not cut by the request timeout
// while it waits (the server's doing, not its sender's), and is answered once there is room.
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "@internal/test-utils";
import { startA2AServer, type A2AServer } from "../src/a2a/index.js";

const MiB = 1024 * 1024;
const servers: A2AServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A message/send of about `bytes` bytes. */
function send(url: string, id: string, bytes: number): Promise<Response> {
  const body = JSON.stringify({
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
  return fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
}

describe("the body budget of the push server", () => {
  it("holds a request past the budget unread, past requestTimeoutMs, and answers it once there is room", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    let running = 0;
    let most = 0;
    const server = await startA2AServer({
      agentCard: { name: "budget" },
      maxBodyBytes: 4 * MiB,
      maxBodyBytesInFlight: 4 * MiB,
      requestTimeoutMs: 1_000,
      onMessage: async (m) => {
        started.push(m.messageId);
        most = Math.max(most, ++running);
        if (m.messageId === "first") await gate;
        running--;
        return `ok ${m.messageId}`;
      },
    });
    servers.push(server);
    // Bodies larger than the socket's buffers: the second's stays unread, in its sender's buffers.
    const first = send(server.url, "first", 3 * MiB);
    await waitFor(() => started.length === 1);
    const t0 = performance.now();
    const second = send(server.url, "second", 3 * MiB);
    // Twice the request timeout (checked each second) passes while the second waits for room.
    await waitFor(() => performance.now() - t0 > 2_500, { timeoutMs: 10_000 });
    expect(started).toEqual(["first"]);
    release();
    const answers = await Promise.all([first, second]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    const texts = await Promise.all(answers.map(async (r) => JSON.stringify(await r.json())));
    expect(texts[1]).toContain("ok second");
    expect(started).toEqual(["first", "second"]);
    expect(most).toBe(1);
  });
});
