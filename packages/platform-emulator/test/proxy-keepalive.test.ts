// The keep-alive race of issue #49 between the emulator's A2A proxy and an agent's server: the
// server closes a kept-alive connection just as the proxy reuses it, and the forward used to fail
// with `read ECONNRESET` / `socket hang up` (queued, the caller answered 202 instead of the reply).
// The agent's server below makes the race happen every time: it accepts a request on a new
// connection, keeps the connection alive, and drops the connection when the next request arrives
// on it (its idle close landing on the reuse). Every forward must still get the agent's answer.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../src/index.js";
import { emulator, envelope, makeWs, req, type Ws } from "./helpers.js";

/** An agent server that drops a kept-alive connection when a second request lands on it. */
async function closingServer(): Promise<{
  url: string;
  answered: number;
  dropped: number;
  close(): Promise<void>;
}> {
  const served = new WeakMap<Socket, number>();
  const out = { url: "", answered: 0, dropped: 0, close: async () => {} };
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (rq, rs) => {
    const n = (served.get(rq.socket) ?? 0) + 1;
    served.set(rq.socket, n);
    if (n > 1) {
      out.dropped++;
      rq.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    rq.on("data", (c: Buffer) => chunks.push(c));
    rq.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      out.answered++;
      rs.writeHead(200, { "Content-Type": "application/json" });
      rs.end(
        JSON.stringify({
          jsonrpc: "2.0",
          id: body.id,
          result: {
            kind: "message",
            role: "agent",
            messageId: `r-${body.params.message.messageId}`,
            parts: [{ kind: "text", text: "pong" }],
          },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  out.url = `http://localhost:${(server.address() as AddressInfo).port}/a2a`;
  out.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return out;
}

describe.each(["2026-04", "latest"] as const)("compat %s", (compat) => {
  let emu: Emulator;
  let agent: Awaited<ReturnType<typeof closingServer>>;
  let target: Ws;
  beforeAll(async () => {
    emu = await emulator({ compat });
    agent = await closingServer();
    target = await makeWs(emu, "reviewer", { url: agent.url });
  });
  afterAll(async () => {
    await emu?.close();
    await agent?.close();
  });

  it("a forward whose reused connection the agent's server is closing is sent again on a fresh one: 10 of 10 answered", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await req(emu, "POST", `/workspaces/${target.id}/a2a`, {
        body: envelope(`review ${i}`),
        // the canvas's bearer on 2026-08 (it refuses none)
        ...(compat === "latest" ? { token: emu.adminToken } : {}),
      });
      statuses.push(r.status);
      expect(r.json?.result?.parts?.[0]?.text).toContain("pong");
    }
    expect(statuses).toEqual(Array(10).fill(200));
    // The race happened (the server dropped reused connections), and each message was answered once.
    expect(agent.dropped).toBeGreaterThan(0);
    expect(agent.answered).toBe(10);
    expect(emu.queue(target.id)).toEqual([]);
  });
});
