// Every gRPC caller runs at once (issue 112), over real gRPC on 127.0.0.1: 50 calls of a handler
// that holds until all 50 run, unary and streaming, all run at once. A call's message reaches the
// endpoint as a body of unknown length; it is counted as it is read and given back once parsed,
// so a running handler holds no body budget (da54fe10 reserved the body limit for each until its
// answer: 4 ran at once). A client holding 3,000 calls on one HTTP/2 connection, or calls whose
// messages would fill the budget, does not keep a caller on another connection from being answered
// (da54fe10: DEADLINE_EXCEEDED): one connection's calls hold one body limit of it.
import { SendMessageRequest, type StreamResponse } from "@a2a-js/sdk";
import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  type Client,
  type ClientReadableStream,
  type ServiceError,
} from "@grpc/grpc-js";
import { createA2AHandler, type A2AHandler } from "@molecule-ai/agent-core/a2a";
import { waitFor } from "@internal/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { A2AService, startA2AGrpcServer, type A2AGrpcServer } from "../src/index.js";

type Unary = (
  req: unknown,
  md: Metadata,
  cb: (err: ServiceError | null, res: unknown) => void,
) => void;
type Streaming = (req: unknown, md: Metadata) => ClientReadableStream<StreamResponse>;
type A2AClient = Client & Record<string, Unary & Streaming>;

const Ctor = makeGenericClientConstructor(A2AService as never, "A2AService");
const CALLS = 50;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/**
 * A server whose "hold" handlers hold until `until` of them run at once (or the test ends), their
 * peak counted; any other text is answered at once.
 */
async function serve(until: number) {
  let running = 0;
  const seen = { peak: 0, fetched: 0 };
  const watchers: { n: number; resolve: () => void }[] = [];
  /** Resolves once `n` handlers ran at once; rejects after 20 s (a bound against a hang). */
  const reaches = (n: number): Promise<void> =>
    seen.peak >= n
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${n} never ran at once`)), 20_000);
          watchers.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
        });
  let open!: () => void;
  const allRunning = new Promise<void>((resolve) => (open = resolve));
  const handler = createA2AHandler({
    agentCard: { name: "concurrency" },
    pathSecret: false,
    streaming: true,
    pushNotifications: false,
    onMessage: async (message) => {
      const text = message.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
      if (!text.startsWith("hold")) return `answered ${text}`;
      seen.peak = Math.max(seen.peak, ++running);
      for (const w of watchers.filter((x) => running >= x.n)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve();
      }
      if (running >= until) open();
      await allRunning;
      running--;
      return "held";
    },
  });
  // The endpoint as the service sees it, counting the calls it is handed.
  const observed = {
    endpointPath: handler.endpointPath,
    handleFetch: (request: Request) => {
      seen.fetched++;
      return handler.handleFetch(request);
    },
  } as A2AHandler;
  const server: A2AGrpcServer = await startA2AGrpcServer({ handler: observed, pathSecret: false });
  cleanups.push(
    () => handler.close(),
    () => server.close(),
    open, // a failed test lets its handlers end
  );
  return { server, seen, reaches };
}

/** A client on a connection of its own. */
function clientOf(server: A2AGrpcServer): A2AClient {
  const client = new Ctor(server.url, credentials.createInsecure(), {
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

/** A SendStreamingMessage: every event it streams. */
function streamed(client: A2AClient, text: string): Promise<StreamResponse[]> {
  return new Promise((resolve, reject) => {
    const events: StreamResponse[] = [];
    const stream = client["sendStreamingMessage"]!(send(text), new Metadata());
    stream.on("data", (e: StreamResponse) => events.push(e));
    stream.on("error", reject);
    stream.on("end", () => resolve(events));
  });
}

describe("every gRPC caller runs at once", () => {
  it("runs 50 unary calls at once", async () => {
    const { server, seen, reaches } = await serve(CALLS);
    const client = clientOf(server);
    const calls = Array.from({ length: CALLS }, () => unary(client, "hold"));
    await reaches(CALLS);
    expect(await Promise.all(calls)).toHaveLength(CALLS);
    expect(seen.peak).toBe(CALLS);
  });

  it("runs 50 streaming calls at once", async () => {
    const { server, seen, reaches } = await serve(CALLS);
    const client = clientOf(server);
    const calls = Array.from({ length: CALLS }, () => streamed(client, "hold"));
    await reaches(CALLS);
    const answers = await Promise.all(calls);
    expect(answers.every((events) => JSON.stringify(events).includes("held"))).toBe(true);
    expect(seen.peak).toBe(CALLS);
  });

  it("answers a caller on another connection while a client holds 3,000 calls on one HTTP/2 connection", async () => {
    // The flood's handlers hold until the test ends: as many run as its connection carries.
    const { server, reaches } = await serve(Infinity);
    const rssBefore = process.memoryUsage().rss;
    const flood = clientOf(server);
    // (The server's close ends them.)
    for (let i = 0; i < 3_000; i++) void unary(flood, "hold").catch(() => undefined);
    // da54fe10 ran 4 of them, the rest of the connection's 100 waiting for room before anyone.
    await reaches(4);
    const answer = await Promise.race([
      unary(clientOf(server), "hello"),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("the caller was not answered within 20 s")), 20_000),
      ),
    ]);
    expect(JSON.stringify(answer)).toContain("answered hello");
    const grownMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    console.info(`[grpc-concurrency] 3,000 held calls: RSS +${grownMiB.toFixed(1)} MiB`);
    expect(grownMiB).toBeLessThan(256);
  });

  it("holds one connection's calls to its share of the body budget: a caller on another connection is answered", async () => {
    // 100 calls of 48 KiB held on one connection: 4.8 MiB, past the budget (4 MiB) if they
    // shared it with everyone; they share one body limit (1 MiB), and wait for their own room.
    const { server, seen } = await serve(Infinity);
    const flood = clientOf(server);
    const padding = "x".repeat(48 * 1024);
    for (let i = 0; i < 100; i++) void unary(flood, `hold${padding}`).catch(() => undefined);
    await waitFor(() => seen.fetched === 100);
    const answer = await Promise.race([
      unary(clientOf(server), "hello"),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("the caller was not answered within 20 s")), 20_000),
      ),
    ]);
    expect(JSON.stringify(answer)).toContain("answered hello");
  });
});
