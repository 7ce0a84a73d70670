// The gRPC server's bounds over real gRPC on 127.0.0.1, each the HTTP binding's (issue 78): a call
// that sends half its message ends with DEADLINE_EXCEEDED at the deadline and runs nothing; idle
// connections past maxConnections make room for a caller; one connection carries at most
// maxStreamsPerConnection calls (HTTP/2 SETTINGS) and the server at most maxConcurrentCalls;
// a caller's cancel reaches its request's signal after a GC (a streamed task runs on, A2A v1.0.1
// §3.5.2); close() ends the calls and closes the sockets (the tasks end with the handler). Sizes are small (tens): the large figures are in
// bench/scripts/issue78-grpc-bounds.mjs.
import { connect as connectHttp2, type ClientHttp2Session } from "node:http2";
import { connect as connectTcp, type Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { SendMessageRequest, type StreamResponse } from "@a2a-js/sdk";
import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  status as Status,
  type Client,
  type ClientReadableStream,
  type ServiceError,
} from "@grpc/grpc-js";
import { createA2AHandler, type A2AHandler } from "@molecule-ai/agent-core/a2a";
import { afterEach, describe, expect, it } from "vitest";
import {
  A2AService,
  MOLECULE_ERROR_CODE,
  startA2AGrpcServer,
  type A2AGrpcServer,
  type StartA2AGrpcServerOptions,
} from "../src/index.js";

type Unary = (
  req: unknown,
  md: Metadata,
  cb: (err: ServiceError | null, res: unknown) => void,
) => void;
type Streaming = (req: unknown, md: Metadata) => ClientReadableStream<StreamResponse>;
type A2AClient = Client & Record<string, Unary & Streaming>;

const Ctor = makeGenericClientConstructor(A2AService as never, "A2AService");

/** One server with its handler's hooks: what ran, what runs now, and each handler's signal. */
interface Harness {
  server: A2AGrpcServer;
  handler: A2AHandler;
  ran: string[];
  running: number;
  peak: number;
  /** Resolves the blocked `block` handlers; later ones pass once `open` is set. */
  release(): void;
  open: boolean;
  /** The signals of the handlers that ran, in order. */
  signals: AbortSignal[];
  /** Resolves when the first handler runs. */
  firstRun: Promise<void>;
  /** Each Request the gRPC service handed the endpoint, held weakly (as the test must). */
  requests: WeakRef<Request>[];
  /** Resolves when `running` reaches `n`. */
  runningReaches(n: number): Promise<void>;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

async function serve(limits: Partial<StartA2AGrpcServerOptions> = {}): Promise<Harness> {
  const waiting: (() => void)[] = [];
  const watchers: { n: number; resolve: () => void }[] = [];
  let ranFirst!: () => void;
  const h = {
    ran: [] as string[],
    running: 0,
    peak: 0,
    open: false,
    signals: [] as AbortSignal[],
    firstRun: new Promise<void>((resolve) => (ranFirst = resolve)),
    requests: [] as WeakRef<Request>[],
    release() {
      for (const r of waiting.splice(0)) r();
    },
    runningReaches(n: number) {
      return h.running >= n
        ? Promise.resolve()
        : new Promise<void>((resolve) => watchers.push({ n, resolve }));
    },
  } as Harness;
  h.handler = createA2AHandler({
    agentCard: { name: "bounds" },
    pathSecret: false,
    streaming: true,
    pushNotifications: false,
    onMessage: async (message, ctx) => {
      const text = message.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
      h.ran.push(text);
      h.signals.push(ctx.signal);
      ranFirst();
      if (text === "hold") {
        // A long stream: one event, then it runs until its signal aborts.
        return (async function* () {
          yield "holding";
          await new Promise<void>((resolve) =>
            ctx.signal.addEventListener("abort", () => resolve()),
          );
        })();
      }
      if (text === "ignore") return new Promise<string>(() => undefined); // never answers
      if (text !== "block") return `echo: ${text}`;
      h.running++;
      h.peak = Math.max(h.peak, h.running);
      for (const w of watchers.filter((x) => h.running >= x.n)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve();
      }
      if (!h.open) await new Promise<void>((resolve) => waiting.push(resolve));
      h.running--;
      return "done";
    },
  });
  // The endpoint as the service sees it, noting each Request it is handed.
  const observed = {
    endpointPath: h.handler.endpointPath,
    handleFetch: (request: Request) => {
      h.requests.push(new WeakRef(request));
      return h.handler.handleFetch(request);
    },
  } as A2AHandler;
  h.server = await startA2AGrpcServer({ handler: observed, pathSecret: false, ...limits });
  cleanups.push(
    () => h.handler.close(),
    () => h.server.close(),
  );
  return h;
}

/** A client on a connection of its own. */
function clientOf(h: Harness): A2AClient {
  const client = new Ctor(h.server.url, credentials.createInsecure(), {
    "grpc.use_local_subchannel_pool": 1,
  }) as unknown as A2AClient;
  cleanups.push(() => client.close());
  return client;
}

const send = (text: string): SendMessageRequest =>
  SendMessageRequest.fromJSON({
    message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text }] },
  });

function unary(client: A2AClient, text: string): Promise<unknown> {
  return new Promise((resolve, reject) =>
    client["sendMessage"]!(send(text), new Metadata(), (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
}

const refusal = (p: Promise<unknown>): Promise<ServiceError> =>
  p.then(
    () => {
      throw new Error("expected a refusal");
    },
    (err: ServiceError) => err,
  );

/** A raw HTTP/2 session to the server (no gRPC client: it sends what a test tells it to). */
function session(h: Harness): ClientHttp2Session {
  const s = connectHttp2(`http://${h.server.url}`);
  s.on("error", () => undefined);
  cleanups.push(() => s.destroy());
  return s;
}

/**
 * A SendMessage that sends its headers and 10 bytes of a 100-byte message, then nothing: resolves
 * to the `grpc-status` the server ends it with (undefined when the stream closes without one).
 */
function halfSent(s: ClientHttp2Session): Promise<string | undefined> {
  const stream = s.request({
    ":method": "POST",
    ":path": "/lf.a2a.v1.A2AService/SendMessage",
    "content-type": "application/grpc",
    te: "trailers",
  });
  stream.on("error", () => undefined);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(100, 1);
  stream.write(Buffer.concat([prefix, Buffer.alloc(10)]));
  return new Promise((resolve) => {
    stream.on("response", (headers) => {
      if (headers["grpc-status"] !== undefined) resolve(String(headers["grpc-status"]));
    });
    stream.on("trailers", (trailers) => resolve(String(trailers["grpc-status"])));
    stream.on("close", () => resolve(undefined));
  });
}

/** A TCP connection that sends nothing; resolves once connected. */
async function idleSocket(h: Harness): Promise<Socket & { gone: Promise<void> }> {
  const socket = connectTcp(h.server.port, "127.0.0.1");
  socket.on("error", () => undefined);
  socket.resume(); // reads (and drops) the server's SETTINGS, so its close is seen
  const gone = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  cleanups.push(() => socket.destroy());
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  return Object.assign(socket, { gone });
}

/** V8's collector, as `node --expose-gc` gives it. */
function forceGc(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  for (let i = 0; i < 3; i++) gc();
}

describe("the gRPC server's bounds", () => {
  it("ends a call that has not sent its whole message by the deadline with DEADLINE_EXCEEDED, and runs nothing", async () => {
    const h = await serve({ requestTimeoutMs: 300 });
    const s = session(h);
    const statuses = await Promise.all(Array.from({ length: 50 }, () => halfSent(s)));
    expect(statuses).toEqual(Array(50).fill(String(Status.DEADLINE_EXCEEDED)));
    expect(h.ran).toEqual([]);
    // The streams the client left open go with its connection, closed once it carries no call.
    await new Promise((resolve) => (s.closed ? resolve(undefined) : s.once("close", resolve)));
    // A whole call on the same server is answered as before.
    expect(await unary(clientOf(h), "hi")).toMatchObject({ payload: { $case: "message" } });
  });

  it("past maxConnections, a new connection closes the oldest idle one: idle sockets cannot crowd out a call", async () => {
    const h = await serve({ maxConnections: 8 });
    const idle: (Socket & { gone: Promise<void> })[] = [];
    for (let i = 0; i < 40; i++) idle.push(await idleSocket(h));
    // 32 made room for the newer ones, oldest first; the caller's connection takes one more.
    await Promise.all(idle.slice(0, 32).map((s) => s.gone));
    expect(await unary(clientOf(h), "hi")).toMatchObject({ payload: { $case: "message" } });
    await idle[32]!.gone;
    expect(idle.slice(33).filter((s) => s.destroyed)).toEqual([]);
  });

  it("never evicts a connection with a call in flight; refuses a newcomer when every connection is busy", async () => {
    const h = await serve({ maxConnections: 2 });
    const [a, b] = [clientOf(h), clientOf(h)];
    const calls = [unary(a, "block"), unary(b, "block")];
    await h.runningReaches(2);
    const late = await idleSocket(h);
    await late.gone; // closed at once: both connections serve a call
    h.release();
    expect(await Promise.all(calls)).toHaveLength(2);
  });

  it("sends SETTINGS_MAX_CONCURRENT_STREAMS and runs at most maxStreamsPerConnection calls of one connection at once", async () => {
    const h = await serve({ maxStreamsPerConnection: 4 });
    const s = session(h);
    const settings = await new Promise<{ maxConcurrentStreams?: number }>((resolve) =>
      s.once("remoteSettings", resolve),
    );
    expect(settings.maxConcurrentStreams).toBe(4);
    const client = clientOf(h);
    const calls = Array.from({ length: 12 }, () => unary(client, "block"));
    await h.runningReaches(4);
    h.open = true;
    h.release();
    expect(await Promise.all(calls)).toHaveLength(12);
    expect(h.peak).toBe(4);
  });

  it("refuses a call past maxConcurrentCalls with RESOURCE_EXHAUSTED, worth retrying", async () => {
    const h = await serve({ maxConcurrentCalls: 3 });
    const client = clientOf(h);
    const calls = Array.from({ length: 3 }, () => unary(client, "block"));
    await h.runningReaches(3);
    const err = await refusal(unary(clientOf(h), "hi"));
    expect(err.code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(err.metadata.get(MOLECULE_ERROR_CODE)).toEqual(["server_busy"]);
    // A refused stream its client leaves open goes with its connection.
    const s = session(h);
    expect(await halfSent(s)).toBe(String(Status.RESOURCE_EXHAUSTED));
    await new Promise((resolve) => (s.closed ? resolve(undefined) : s.once("close", resolve)));
    h.release();
    await Promise.all(calls);
    expect(await unary(client, "hi")).toMatchObject({ payload: { $case: "message" } });
  });

  it("a caller's cancel of its stream aborts its request after a GC, not its task", async () => {
    const h = await serve();
    const stream = clientOf(h)["sendStreamingMessage"]!(send("hold"), new Metadata());
    stream.on("error", () => undefined); // CANCELLED, on the client's side
    await new Promise((resolve) => stream.once("data", resolve));
    // The endpoint has answered (an SSE Response) and holds its Request no more: its signal,
    // the handler's through the endpoint, follows the call's only while the Request lives.
    forceGc();
    const request = h.requests[0]!.deref();
    expect(request).toBeDefined();
    const aborted = new Promise((resolve) => request!.signal.addEventListener("abort", resolve));
    stream.cancel();
    await aborted;
    expect(h.signals[0]!.aborted).toBe(false);
  });

  it("close() ends a running stream's call after a GC and closes the sockets; the handler's close ends its task", async () => {
    const h = await serve();
    const idle = await idleSocket(h);
    const stream = clientOf(h)["sendStreamingMessage"]!(send("hold"), new Metadata());
    const ended = new Promise<ServiceError>((resolve) => stream.on("error", resolve));
    await new Promise((resolve) => stream.once("data", resolve));
    forceGc();
    await h.server.close();
    expect((await ended).code).toBeGreaterThan(0);
    await idle.gone;
    expect(h.signals[0]!.aborted).toBe(false);
    await h.handler.close();
    expect(h.signals[0]!.aborted).toBe(true);
  });

  it("close() ends a unary call whose handler ignores its signal, and resolves", async () => {
    const h = await serve();
    const call = refusal(unary(clientOf(h), "ignore"));
    await h.firstRun;
    await h.server.close();
    expect(h.signals[0]!.aborted).toBe(true);
    expect([Status.UNAVAILABLE, Status.CANCELLED]).toContain((await call).code);
  });
});
