// Every wait inside a streaming call is bounded by what is left of its deadline (issue #112):
// the card's look-up, the call's request, each re-subscription, the backoff pauses and the final
// GetTask. A peer that accepts connections and never answers, and one that answers the stream's
// first event, cuts it and then never answers again: a stream with a 3 s deadline ends within
// 3.5 s, with an error that says what happened (not re-subscriptions that never happened).
import { createServer as createHttpServer, type ServerResponse } from "node:http";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterEach, describe, expect, it } from "vitest";
import { RemoteA2AAgent, type A2AStreamEvent } from "../src/public/a2a.js";

const DEADLINE_MS = 3_000;
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).toReversed()) await close();
});

/** A TCP server that accepts every connection and never sends a byte. */
async function silentPeer(): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined).on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A v0.3 peer: its card, then the stream's first event (the task, working) and a cut; then silence. */
async function cutThenSilentPeer(): Promise<string> {
  const held = new Set<ServerResponse>();
  let posts = 0;
  const server = createHttpServer((req, res) => {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.method === "GET") {
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          name: "goes quiet",
          description: "",
          protocolVersion: "0.3.0",
          version: "1",
          url: `${origin}/`,
          capabilities: { streaming: true },
          defaultInputModes: ["text/plain"],
          defaultOutputModes: ["text/plain"],
          skills: [],
        }),
      );
      return;
    }
    req.resume();
    if (posts++ > 0) {
      held.add(res); // never answered
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    const task = { kind: "task", id: "t1", contextId: "c1", status: { state: "working" } };
    const frame = `data: ${JSON.stringify({ jsonrpc: "2.0", id: 1, result: task })}\n\n`;
    res.end(frame); // the cut: the stream ends before the task does
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const r of held) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Streams a message with a 3 s deadline: the events, the error, the time taken and the loop's delay. */
async function streamWithDeadline(url: string) {
  const agent = new RemoteA2AAgent({
    url,
    allowPrivateNetwork: true,
    streamLimits: { deadlineMs: DEADLINE_MS },
  });
  closers.push(() => agent.close());
  // The bound is real time by nature: the event-loop delay of this process (a busy machine, a
  // collection) is measured and added to it, so only the SDK's own waiting can fail it.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const events: A2AStreamEvent[] = [];
  let error: unknown;
  const start = performance.now();
  try {
    for await (const e of agent.stream("hello")) events.push(e);
  } catch (err) {
    error = err;
  }
  const ms = performance.now() - start;
  delay.disable();
  return { events, error, ms, slack: delay.max / 1e6 };
}

describe("a streaming call with a 3 s deadline", () => {
  it("to a peer that accepts connections and never answers: ends within 3.5 s", async () => {
    const { error, ms, slack } = await streamWithDeadline(await silentPeer());
    expect(ms).toBeLessThan(3_500 + slack);
    expect(error).toMatchObject({ code: "a2a_card_unavailable" });
  });

  it("cut after its first event, the peer silent since: ends within 3.5 s, saying why", async () => {
    const { events, error, ms, slack } = await streamWithDeadline(await cutThenSilentPeer());
    expect(ms).toBeLessThan(3_500 + slack);
    expect(events.map((e) => e.kind)).toEqual(["task"]);
    expect(error).toMatchObject({ code: "stream_cut", retryable: true });
    const message = (error as Error).message;
    expect(message).toMatch(
      /its deadline \(3000 ms, streamLimits\.deadlineMs\) passed after 1 cut and 1 re-subscription\b/,
    );
  });
});
