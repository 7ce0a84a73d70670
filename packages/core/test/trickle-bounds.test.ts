// Issue 92, "every call within its documented timeout": a front that answers at once with its
// headers and then trickles the body a byte at a time. Each platform call ends at its timeout, the
// body's read included; a poll agent's checkpoint write (at its stop) ends within its attempt's
// bound (`replyTimeoutMs`, sent once more on a new connection), where it waited 66 s before.
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { errorFront, waitFor } from "@internal/test-utils";
import { PlatformClient } from "../src/index.js";
import { frontAgent } from "./fixtures/front-agent.js";

const WS = "11111111-1111-4111-8111-111111111111";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/** Answers `200` with a JSON body declared whole and sent a byte every 200 ms, until closed. */
function trickle(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const body = Buffer.from(JSON.stringify({ status: "ok", padding: "x".repeat(200) }));
  res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
  let sent = 0;
  const timer = setInterval(() => {
    if (res.destroyed || sent >= body.length) return void clearInterval(timer);
    res.write(body.subarray(sent, ++sent));
  }, 200);
  res.once("close", () => clearInterval(timer));
}

describe("a body that trickles a byte at a time", () => {
  it("ends each platform call at its timeout, the body's read included", async () => {
    const front = await errorFront({ answer: (req, res) => (trickle(req, res), true) });
    cleanups.push(() => front.close());
    const client = new PlatformClient({
      platformUrl: front.url,
      workspaceId: WS,
      token: "t",
      timeoutMs: 400,
    });
    cleanups.push(() => client.close());
    const calls: Array<[string, () => Promise<unknown>]> = [
      ["getState", () => client.getState()],
      ["heartbeat", () => client.heartbeat()],
      ["fetchActivityRows", () => client.fetchActivityRows()],
      ["listPeers", () => client.listPeers()],
      ["reportActivity", () => client.reportActivity({ activityType: "agent_log" })],
    ];
    for (const [name, call] of calls) {
      const started = performance.now();
      const err = await call().catch((e: unknown) => e);
      const ms = performance.now() - started;
      expect({ name, code: (err as { code?: string }).code }).toEqual({ name, code: "timeout" });
      expect(ms).toBeGreaterThanOrEqual(350);
      expect(ms).toBeLessThan(2_500); // the 400 ms bound, on a busy machine; the body takes 50 s
    }
  });

  it("bounds a poll agent's checkpoint write by replyTimeoutMs, sent once more, then warned", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const a = await emu.admin.createWorkspace({ name: "agent", deliveryMode: "poll" });
    const p = await emu.admin.createWorkspace({ name: "peer" });
    const checkpointPath = `/workspaces/${a.id}/activity`;
    const writes: number[] = [];
    const front = await errorFront({
      upstream: emu.url,
      answer: (req, res) => {
        if (req.method !== "POST" || req.url?.split("?")[0] !== checkpointPath) return false;
        writes.push(performance.now());
        trickle(req, res);
        return true;
      },
    });
    cleanups.push(() => front.close());
    const { agent, warned, handled } = frontAgent(front.url, a, cleanups, { replyTimeoutMs: 300 });
    await agent.start();
    const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
    cleanups.push(() => peer.close());
    await peer.callPeer(a.id, "hello");
    await waitFor(() => handled.includes("hello"), { timeoutMs: 15_000 });
    // The stop writes the checkpoint (the cursor moved): its two attempts end at their bound.
    const stopping = performance.now();
    await agent.stop();
    const stopMs = performance.now() - stopping;
    expect(writes.length).toBeGreaterThanOrEqual(2);
    expect(warned.some((w) => w.includes("could not write the inbound checkpoint"))).toBe(true);
    expect(stopMs).toBeLessThan(5_000); // two attempts of 300 ms; the trickle's body takes 50 s
  });
});
