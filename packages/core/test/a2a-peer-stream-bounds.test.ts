// A malicious peer's stream cannot stall or flood the caller (issue #69): `peerTasks` reads a peer's
// SSE answer over real HTTP with eventsource-parser under bounds. One 20 MiB event and a line that
// never ends are refused (`sse_event_too_large`, `sse_line_too_long`) and the connection closed; a
// 400 MB flood of valid events stops at the stream bound (`sse_stream_too_large`) long before the
// peer's 400 MB; an event of another task or context refuses the stream; nothing is passed on
// after a terminal state or once the caller aborted, and the connection is closed; a stream kept
// open in silence ends at the idle gap or the deadline (bounds of 50 ms: the peer never sends
// again, so only their expiry can end the wait, however slow the machine). Assertions are
// on outcomes and on what the peer could write or the caller got, never on wall time.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlatformClient } from "../src/index.js";
import { PEER_STREAM_LIMITS } from "../src/a2a/sse.js";
import type { A2AStreamEvent } from "../src/public/a2a.js";

const MiB = 1024 * 1024;
const T1 = "11111111-1111-4111-8111-111111111111";
const T2 = "22222222-2222-4222-8222-222222222222";
const T9 = "99999999-9999-4999-8999-999999999999";
/** What the peer writes at most: far more than any bound. */
const FLOOD_CAP = 400 * 1000 * 1000;
/** Bytes that may be in flight (socket buffers, the client's read-ahead) when the caller closes. */
const IN_FLIGHT = 32 * MiB;

/** One answer of the peer: what it wrote and a promise of the connection's close. */
interface Served {
  written: number;
  open: boolean;
  closed: Promise<void>;
}

type Behaviour = (res: ServerResponse, served: Served, rpcId: unknown) => Promise<void>;

const frame = (rpcId: unknown, result: unknown): string =>
  `data: ${JSON.stringify({ jsonrpc: "2.0", id: rpcId, result })}\n\n`;
const task = (id: string, state: string, contextId = "ctx-1") => ({
  kind: "task",
  id,
  contextId,
  status: { state },
});
const status = (taskId: string, state: string, contextId = "ctx-1", final = false) => ({
  kind: "status-update",
  taskId,
  contextId,
  status: { state },
  final,
});

/** Writes `next()` until it returns undefined, `cap` bytes went out or the caller closed. */
async function pump(
  res: ServerResponse,
  served: Served,
  next: () => string | undefined,
  cap = FLOOD_CAP,
): Promise<void> {
  while (served.open && served.written < cap) {
    const chunk = next();
    if (chunk === undefined) return;
    served.written += Buffer.byteLength(chunk);
    if (!res.write(chunk)) {
      await Promise.race([new Promise((resolve) => res.once("drain", resolve)), served.closed]);
    }
  }
}

const BLOCK = "a".repeat(64 * 1024);

const behaviours: Record<string, Behaviour> = {
  /** One event of 20 MiB of data, sent in 64 KiB writes. */
  async big(res, served, rpcId) {
    const head = `data: {"jsonrpc":"2.0","id":${JSON.stringify(rpcId)},"result":{"kind":"task","id":T1,"contextId":"ctx-1","status":{"state":"working"},"metadata":{"pad":"`;
    let left = 20 * MiB;
    let first = true;
    await pump(res, served, () => {
      if (first) return ((first = false), head);
      if (left <= 0) return undefined;
      left -= BLOCK.length;
      return BLOCK;
    });
    if (left <= 0) res.write(`"}}}\n\n`);
  },
  /** A line that never ends (a comment: the parser buffers none of it, the line bound holds). */
  async line(res, served) {
    let first = true;
    await pump(res, served, () => (first ? ((first = false), ": ") : BLOCK));
  },
  /** A line that never ends in a data field. */
  async dataLine(res, served) {
    let first = true;
    await pump(res, served, () => (first ? ((first = false), "data: ") : BLOCK));
  },
  /** 400 MB of valid "working" events of the stream's own task. */
  async flood(res, served, rpcId) {
    const pad = "w".repeat(900);
    const one = frame(rpcId, { ...status(T1, "working"), metadata: { pad } });
    let first = true;
    await pump(res, served, () =>
      first ? ((first = false), frame(rpcId, task(T1, "working"))) : one,
    );
  },
  /** The stream's task, then an event of another task. */
  async foreign(res, served, rpcId) {
    const events = [
      frame(rpcId, task(T1, "working")),
      frame(rpcId, status(T2, "completed", "ctx-1", true)),
      frame(rpcId, status(T1, "completed", "ctx-1", true)),
    ];
    await pump(res, served, () => events.shift());
  },
  /** The stream's task, then an event of its task in another context. */
  async foreignContext(res, served, rpcId) {
    const events = [
      frame(rpcId, task(T1, "working")),
      frame(rpcId, status(T1, "working", "ctx-2")),
    ];
    await pump(res, served, () => events.shift());
  },
  /** The task completes, then the peer goes on sending "working" events and never ends. */
  async afterTerminal(res, served, rpcId) {
    const events = [frame(rpcId, task(T1, "working")), frame(rpcId, status(T1, "canceled"))];
    const more = frame(rpcId, status(T1, "working"));
    await pump(res, served, () => events.shift() ?? more, 4 * MiB);
  },
  /** The task, then silence: the connection stays open. */
  async silent(res, served, rpcId) {
    const events = [frame(rpcId, task(T1, "working"))];
    await pump(res, served, () => events.shift());
  },
  /** "working" events, one per read of the caller, until it goes away. */
  async endless(res, served, rpcId) {
    const events = [frame(rpcId, task(T1, "working"))];
    const more = frame(rpcId, status(T1, "working"));
    await pump(res, served, () => events.shift() ?? more, 4 * MiB);
  },
};

let emu: Emulator;
let caller: PlatformClient;
let peer: Server;
let peerId = "";
let behaviour = "big";
let served: Served[] = [];

async function readJson(req: IncomingMessage): Promise<{ id?: unknown }> {
  let text = "";
  for await (const c of req) text += String(c);
  return JSON.parse(text) as { id?: unknown };
}

beforeAll(async () => {
  peer = createServer((req, res) => {
    const origin = `http://127.0.0.1:${(peer.address() as AddressInfo).port}`;
    if (req.method === "GET") {
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          name: "malicious",
          description: "a peer whose streams misbehave",
          version: "1.0.0",
          url: `${origin}/a2a`,
          protocolVersion: "0.3.0",
          preferredTransport: "JSONRPC",
          capabilities: { streaming: true },
          defaultInputModes: ["text/plain"],
          defaultOutputModes: ["text/plain"],
          skills: [],
        }),
      );
      return;
    }
    void (async () => {
      const { id } = await readJson(req);
      const one: Served = { written: 0, open: true, closed: Promise.resolve() };
      one.closed = new Promise((resolve) =>
        res.once("close", () => {
          one.open = false;
          resolve();
        }),
      );
      served.push(one);
      res.writeHead(200, { "content-type": "text/event-stream" });
      await behaviours[behaviour]!(res, one, id);
    })();
  });
  await new Promise<void>((resolve) => peer.listen(0, "127.0.0.1", resolve));
  emu = await startEmulator({ compat: "latest" });
  const me = await emu.admin.createWorkspace({ name: "caller" });
  caller = new PlatformClient({ platformUrl: emu.url, workspaceId: me.id, token: me.token! });
  const port = (peer.address() as AddressInfo).port;
  peerId = (await emu.admin.createWorkspace({ name: "peer", url: `http://127.0.0.1:${port}/a2a` }))
    .id;
});

afterAll(async () => {
  await caller?.close();
  peer?.closeAllConnections();
  await new Promise<void>((resolve) => (peer ? peer.close(() => resolve()) : resolve()));
  await emu?.close();
});

/** Streams with `mode`: the events the caller got, its error, and the peer's one answer. */
async function run(
  mode: string,
  limits: Parameters<PlatformClient["peerTasks"]>[1] = {},
  follow = false,
): Promise<{ got: A2AStreamEvent[]; error: unknown; served: Served }> {
  behaviour = mode;
  served = [];
  const tasks = caller.peerTasks(peerId, { via: "direct", ...limits });
  const got: A2AStreamEvent[] = [];
  let error: unknown;
  try {
    for await (const e of follow ? tasks.follow(T1) : tasks.stream("go")) got.push(e);
  } catch (err) {
    error = err;
  }
  expect(served).toHaveLength(1);
  await served[0]!.closed; // the caller closed the connection (the peer never ends it)
  return { got, error, served: served[0]! };
}

describe("a malicious peer's stream", () => {
  it("one 20 MiB event is refused at the event bound, nothing passed on", async () => {
    const { got, error, served } = await run("big");
    expect(error).toMatchObject({ code: "sse_event_too_large", retryable: false });
    expect(got).toEqual([]);
    expect(served.written).toBeGreaterThan(PEER_STREAM_LIMITS.maxEventBytes);
  });

  it.each(["line", "dataLine"])(
    "a line that never ends (%s) is refused at the bound, and the peer stops being read",
    async (mode) => {
      const { got, error, served } = await run(mode);
      // A comment line is kept by no one: the line bound ends it; a data line is the event's.
      expect(error).toMatchObject({
        code: mode === "line" ? "sse_line_too_long" : "sse_event_too_large",
      });
      expect(got).toEqual([]);
      expect(served.written).toBeGreaterThan(PEER_STREAM_LIMITS.maxEventBytes);
      expect(served.written).toBeLessThan(PEER_STREAM_LIMITS.maxEventBytes + IN_FLIGHT);
    },
  );

  it("a 400 MB flood of valid events stops at the stream bound", async () => {
    const maxStreamBytes = 4 * MiB;
    const { got, error, served } = await run("flood", { streamLimits: { maxStreamBytes } });
    expect(error).toMatchObject({ code: "sse_stream_too_large" });
    // Each event is over 900 bytes: at most maxStreamBytes / 900 of them were passed on.
    expect(got.length).toBeGreaterThan(100);
    expect(got.length).toBeLessThan(maxStreamBytes / 900);
    expect(served.written).toBeLessThan(maxStreamBytes + IN_FLIGHT);
    expect(served.written).toBeLessThan(FLOOD_CAP / 10);
  });

  it("an event of another task refuses the stream", async () => {
    const { got, error } = await run("foreign");
    expect(error).toMatchObject({ code: "peer_stream_foreign_task", peerId });
    expect((error as Error).message).toContain(`another task ("${T2}", not "${T1}")`);
    expect(got.map((e) => e.kind)).toEqual(["task"]);
  });

  it("an event of another task than the one followed refuses the stream at once", async () => {
    const { got, error } = await run("foreign", {}, true);
    expect(error).toMatchObject({ code: "peer_stream_foreign_task" });
    expect(got.map((e) => e.kind)).toEqual(["task"]);
    behaviour = "foreign";
    const other = caller.peerTasks(peerId, { via: "direct" }).follow(T9);
    await expect(other.next()).rejects.toMatchObject({ code: "peer_stream_foreign_task" });
  });

  it("an event of the task in another context refuses the stream", async () => {
    const { got, error } = await run("foreignContext");
    expect(error).toMatchObject({ code: "peer_stream_foreign_task" });
    expect((error as Error).message).toMatch(/another context/);
    expect(got).toHaveLength(1);
  });

  it("nothing is passed on after a terminal state; the connection is closed", async () => {
    const { got, error } = await run("afterTerminal");
    expect(error).toBeUndefined();
    expect(got.map((e) => (e.kind === "status-update" ? e.status.state : e.kind))).toEqual([
      "task",
      "canceled",
    ]);
  });

  it("nothing is passed on once the caller aborted; the connection is closed", async () => {
    behaviour = "endless";
    served = [];
    const controller = new AbortController();
    const got: A2AStreamEvent[] = [];
    const reading = (async () => {
      for await (const e of caller
        .peerTasks(peerId, { via: "direct" })
        .stream("go", { signal: controller.signal })) {
        got.push(e);
        if (got.length === 3) controller.abort(new Error("caller cancelled"));
      }
    })();
    await expect(reading).rejects.toThrow("caller cancelled");
    expect(got).toHaveLength(3);
    await served[0]!.closed;
  });

  it.each([
    ["the idle gap", { idleMs: 50 }],
    ["the deadline", { deadlineMs: 50, idleMs: Infinity }],
  ])("a peer that keeps the stream open silently is dropped at %s", async (_, streamLimits) => {
    const { got, error } = await run("silent", { streamLimits });
    expect(error).toMatchObject({ code: "sse_stream_timeout", retryable: true });
    expect((error as Error).message).toMatch(
      "idleMs" in streamLimits && streamLimits.idleMs === Infinity ? /deadline/ : /sent nothing/,
    );
    expect(got.map((e) => e.kind)).toEqual(["task"]);
  });

  it("refuses limits that are not positive numbers", () => {
    expect(() => caller.peerTasks(peerId, { streamLimits: { idleMs: 0 } })).toThrow(
      expect.objectContaining({ code: "invalid_argument" }),
    );
  });
});
