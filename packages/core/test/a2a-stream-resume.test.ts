// Streams that resume after a cut (issue #102), over real HTTP: a peer (core's own A2A server,
// registered on the emulator, or by URL) behind a small node:http forwarder that cuts a stream
// mid-task, the way a proxy or load balancer does: by ending the response (which looked like the
// task's end) or by resetting the connection. The caller re-subscribes by itself, is told nothing
// twice and reaches the final state; a task that finished while the stream was cut ends with its
// final state (GetTask when the peer refuses to follow a finished task, v1.0); a peer that refuses
// the re-subscription of a running task ends the stream with `stream_cut`, never as finished (and
// `wait_work`, following a held task through the platform, then reads the task's state). Each
// wait is on an event (the forwarder's requests, what the caller was told, the peer's task
// state), never on time.
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PlatformClient } from "../src/index.js";
import { waitWorkStep, WorkLedger } from "../src/peer-tools/index.js";
import {
  RemoteA2AAgent,
  startA2AServer,
  type A2AServer,
  type A2AStreamEvent,
} from "../src/public/a2a.js";

/** A promise and its resolver. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** What the forwarder does to the current test's requests. */
interface Policy {
  /**
   * Cut the first stream after this many events: end it cleanly at once, or reset the connection
   * when the peer sends more (the caller has read them by then: it opens the gate). Only the
   * caller's side is cut: the peer's answer is read to its end, so its task goes on.
   */
  cut: { after: number; how: "end" | "reset" } | undefined;
  /** Ask the card as a v1.0 reader (the peer then speaks JSON-RPC v1.0, else v0.3). */
  v1: boolean;
  /** Answer re-subscriptions with UnsupportedOperation instead of forwarding them. */
  refuse: boolean;
  /** Forward a re-subscription only once this resolves. */
  hold: Promise<void> | undefined;
}

let upstream: A2AServer;
let proxy: Server;
let emu: Emulator;
let caller: PlatformClient;
let peerId = "";
let policy: Policy;
/** The JSON-RPC methods the forwarder saw, in order. */
let methods: string[] = [];
/** Resolved when a re-subscription arrives, and when its first event was forwarded. */
let subscribed = deferred();
let resumedEvent = deferred();
/** The handler's second half waits for this. */
let gate = deferred();
/** The task the handler runs. */
let running = "";

const SUBSCRIBE = new Set(["tasks/resubscribe", "SubscribeToTask"]);

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  upstream = await startA2AServer({
    agentCard: { name: "resumable" },
    streaming: true,
    onMessage: (_m, ctx) =>
      (async function* () {
        running = ctx.taskId ?? "";
        yield "one ";
        await gate.promise;
        yield "two";
      })(),
  });
  const target = new URL(upstream.url);
  proxy = createServer((req, res) => {
    void (async () => {
      const sent = await body(req);
      let method = "";
      try {
        method = String((JSON.parse(sent.toString() || "{}") as { method?: unknown }).method ?? "");
      } catch {
        // not JSON-RPC (the card)
      }
      methods.push(method || `${req.method} ${req.url}`);
      const resubscribe = SUBSCRIBE.has(method);
      if (resubscribe) {
        subscribed.resolve();
        if (policy.refuse) {
          const { id } = JSON.parse(sent.toString()) as { id: unknown };
          res.writeHead(200, { "content-type": "application/json" });
          res.end(
            JSON.stringify({
              jsonrpc: "2.0",
              id,
              error: { code: -32004, message: "this replica cannot follow the task" },
            }),
          );
          return;
        }
        await policy.hold;
      }
      const headers = { ...req.headers };
      if (policy.v1 && req.method === "GET") headers["a2a-version"] = "1.0";
      const up = request(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          const streamed = String(answer.headers["content-type"]).startsWith("text/event-stream");
          const cut = streamed ? policy.cut : undefined;
          if (cut) policy.cut = undefined; // the first stream only
          let events = 0;
          let gone = false; // the caller's side was cut: the peer's answer is read and dropped
          answer.on("data", (chunk: Buffer) => {
            if (gone) return;
            if (cut?.how === "reset" && events >= cut.after) {
              gone = true;
              res.destroy();
              return;
            }
            res.write(chunk);
            events += chunk.toString().split("\n\n").length - 1;
            if (resubscribe && !cut && events > 0) resumedEvent.resolve();
            if (cut?.how === "end" && events >= cut.after) {
              gone = true;
              res.end();
            }
          });
          answer.on("end", () => gone || res.end());
        },
      );
      up.on("error", () => res.destroy());
      up.end(sent);
    })();
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  emu = await startEmulator({ compat: "latest" });
  const me = await emu.admin.createWorkspace({ name: "caller" });
  caller = new PlatformClient({ platformUrl: emu.url, workspaceId: me.id, token: me.token! });
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${target.pathname}`;
  peerId = (await emu.admin.createWorkspace({ name: "peer", url })).id;
});

afterEach(() => gate.resolve()); // no handler is left waiting

afterAll(async () => {
  await caller?.close();
  proxy?.closeAllConnections();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  await upstream?.close();
  await emu?.close();
});

function reset(p: Partial<Policy>): void {
  policy = { cut: undefined, v1: false, refuse: false, hold: undefined, ...p };
  methods = [];
  subscribed = deferred();
  resumedEvent = deferred();
  gate = deferred();
}

/**
 * The streamed text and the states the caller was told, and what ended the stream; `opensAt`:
 * the gate opens once the caller has read that many events.
 */
async function read(
  events: AsyncIterable<A2AStreamEvent>,
  opensAt = Infinity,
): Promise<{
  got: A2AStreamEvent[];
  text: string;
  states: string[];
  error: unknown;
}> {
  const got: A2AStreamEvent[] = [];
  let error: unknown;
  try {
    for await (const e of events) if (got.push(e) === opensAt) gate.resolve();
  } catch (err) {
    error = err;
  }
  let text = "";
  const states: string[] = [];
  for (const e of got) {
    if (e.kind === "artifact-update")
      for (const p of e.artifact.parts) text += p.kind === "text" ? p.text : "";
    if (e.kind === "status-update") states.push(e.status.state);
    if (e.kind === "task") states.push(e.task.status.state);
  }
  return { got, text, states, error };
}

/** The upstream task's state, read directly (not through the forwarder). */
async function upstreamState(taskId: string): Promise<string> {
  const res = await fetch(upstream.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tasks/get", params: { id: taskId } }),
  });
  return ((await res.json()) as { result: { status: { state: string } } }).result.status.state;
}

/** No event twice: the same status, or the same artifact text, is never passed on again. */
function expectNoRepeat(got: A2AStreamEvent[]): void {
  const keys = got.map((e) => JSON.stringify(e));
  expect(new Set(keys).size).toBe(keys.length);
}

describe("a peer's stream cut mid-task", () => {
  it.each([
    ["ended", "end", false],
    ["reset", "reset", false],
    ["ended (v1.0)", "end", true],
    ["reset (v1.0)", "reset", true],
  ] as const)(
    "%s by a proxy: the caller resumes, is told nothing twice, and reaches the final state",
    async (_, how, v1) => {
      reset({ cut: { after: 2, how }, v1 });
      // "end": the gate opens once the peer streams to the caller again; "reset": once the caller
      // read the two events, and the forwarder resets the connection when the peer sends more.
      if (how === "end") void resumedEvent.promise.then(() => gate.resolve());
      const { got, text, states, error } = await read(
        caller.peerTasks(peerId, { via: "direct" }).stream("go"),
        how === "reset" ? 2 : Infinity,
      );
      expect(error).toBeUndefined();
      expect(methods.filter((m) => SUBSCRIBE.has(m))).toHaveLength(1);
      expect(text).toBe("one two");
      expect(states[0]).toBe("working");
      expect(states.at(-1)).toBe("completed");
      expect(states.filter((s) => s === "completed")).toHaveLength(1);
      expectNoRepeat(got);
    },
  );

  it("RemoteA2AAgent.follow resumes a cut stream too", async () => {
    reset({ cut: { after: 1, how: "end" } });
    void resumedEvent.promise.then(() => gate.resolve());
    const agent = new RemoteA2AAgent({
      url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${new URL(upstream.url).pathname}`,
      allowPrivateNetwork: true,
    });
    try {
      const task = await agent.start("go");
      const { got, text, states, error } = await read(agent.follow((task as { id: string }).id));
      expect(error).toBeUndefined();
      expect(methods.filter((m) => SUBSCRIBE.has(m))).toHaveLength(2); // the follow, one resume
      expect(text).toBe("one two");
      expect(states.at(-1)).toBe("completed");
      expect(states.filter((s) => s === "completed")).toHaveLength(1);
      expectNoRepeat(got);
    } finally {
      await agent.close();
    }
  });

  it("a task that finished while the stream was cut ends with its final state (GetTask)", async () => {
    const release = deferred();
    reset({ cut: { after: 2, how: "end" }, v1: true, hold: release.promise });
    const reading = read(caller.peerTasks(peerId, { via: "direct" }).stream("go"));
    await subscribed.promise; // cut, and the caller re-subscribes: the task finishes meanwhile
    gate.resolve();
    while ((await upstreamState(running)) !== "completed");
    release.resolve();
    const { got, text, states, error } = await reading;
    expect(error).toBeUndefined();
    expect(states).toEqual(["working", "completed"]);
    expect(text).toBe("one two");
    expectNoRepeat(got);
    // The peer refused to follow a finished task (v1.0 UnsupportedOperation); GetTask told its end.
    expect(methods.slice(-2)).toEqual(["SubscribeToTask", "GetTask"]);
  });

  it("a peer that refuses the re-subscription ends the stream with stream_cut, not as finished", async () => {
    reset({ cut: { after: 2, how: "end" }, refuse: true });
    const { got, states, error } = await read(
      caller.peerTasks(peerId, { via: "direct" }).stream("go"),
    );
    expect(error).toMatchObject({ code: "stream_cut", retryable: false, peerId });
    expect((error as Error).message).toMatch(/refused to resume/);
    expect((error as Error & { cause?: unknown }).cause).toMatchObject({ rpcCode: -32004 });
    expect(states).toEqual(["working"]);
    expect(got).toHaveLength(2);
    expect(methods.slice(-2)).toEqual(["tasks/resubscribe", "tasks/get"]);
  });

  it("wait_work on a held task whose stream the peer will not resume reads the task's state (through the platform)", async () => {
    reset({ cut: { after: 1, how: "end" } });
    const task = await caller.peerTasks(peerId, { via: "direct" }).start("go");
    const taskId = (task as { id: string }).id;
    void subscribed.promise.then(() => (policy.refuse = true)); // the follow is served, not its resume
    const ledger = new WorkLedger();
    ledger.hold({ taskId, peerId, peerName: "Worker", state: "working" });
    const waited = await waitWorkStep(caller, ledger, { id: taskId, timeoutSeconds: 60 });
    expect(waited.ok && waited.text).toContain(": working.");
    expect(methods.filter((m) => m === "tasks/get").length).toBeGreaterThan(0);
  });
});
