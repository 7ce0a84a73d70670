// Streamed bodies read chunk by chunk (transport/chunked.ts, `stream: "chunks"`): on the SDK's own
// pool straight from undici's dispatch callbacks, on a dispatcher given by the user from its
// Readable; against real HTTP servers on 127.0.0.1.
import { AsyncLocalStorage } from "node:async_hooks";
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import { Agent, type Dispatcher } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { MoleculeTimeoutError } from "../src/index.js";
import { type ChunkedBody, HttpTransport } from "../src/transport/index.js";
import { requestChunked } from "../src/transport/chunked.js";
import { useTestServers } from "./fixtures/http-servers.js";

const cleanups: Array<() => Promise<unknown>> = [];
const serve = useTestServers();

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function transport(
  baseUrl: string,
  extra: Partial<ConstructorParameters<typeof HttpTransport>[0]> = {},
) {
  const t = new HttpTransport({ baseUrl, ...extra });
  cleanups.push(() => t.close());
  return t;
}

/** Reads `body` to its end: the text and the error it ended with. */
function readAll(body: ChunkedBody): Promise<{ text: string; error: Error | undefined }> {
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    body.read({
      data: (c) => void chunks.push(c),
      end: (error) => resolve({ text: Buffer.concat(chunks).toString(), error }),
    });
  });
}

const closed = (req: IncomingMessage): Promise<unknown> =>
  req.socket.destroyed ? Promise.resolve() : new Promise((r) => req.socket.once("close", r));

const dispatchers = {
  "the SDK's own pool": () => ({}),
  "a dispatcher of the user's": () => {
    const agent = new Agent();
    cleanups.push(() => agent.close());
    return { dispatcher: agent, streamDispatcher: agent, livenessDispatcher: agent };
  },
};

describe.each(Object.entries(dispatchers))("chunked bodies on %s", (_name, options) => {
  it("keeps what arrives before the reader attaches, in order, then the end", async () => {
    let wrote!: () => void;
    const written = new Promise<void>((r) => (wrote = r));
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("one\n");
      res.write("x".repeat(100_000)); // past the 64 KiB queue: the socket pauses, then resumes
      res.end("\ntwo\n", wrote);
    });
    const res = await transport(url, options()).send({
      method: "GET",
      path: "/",
      stream: "chunks",
    });
    expect(res.status).toBe(200);
    await written; // all of it was sent before anything reads it
    const { text, error } = await readAll(res.chunks!);
    expect(error).toBeUndefined();
    expect(text).toBe(`one\n${"x".repeat(100_000)}\ntwo\n`);
    expect(res.chunks!.done).toBe(true);
  });

  it("calls its reader in the async context it attached in, not the pooled socket's", async () => {
    // The socket a stream reuses was opened by an earlier request, in its caller's context (a
    // LangGraph node's, say): the reader's callbacks must not run in it.
    const als = new AsyncLocalStorage<string>();
    const responses: Array<(text: string) => void> = [];
    const { url, seen } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.flushHeaders();
      responses.push((text) => res.end(text));
    });
    const t = transport(url, options());
    const contextsOf = async (name: string): Promise<Array<string | undefined>> => {
      const res = await als.run(name, () => t.send({ method: "GET", path: "/", stream: "chunks" }));
      const seenIn: Array<string | undefined> = [];
      const ended = new Promise<void>((resolve) => {
        als.run(name, () =>
          res.chunks!.read({
            data: () => void seenIn.push(als.getStore()),
            end: () => resolve(void seenIn.push(als.getStore())),
          }),
        );
      });
      responses.shift()!("data: x\n\n"); // after the reader attached: from the socket's callback
      await ended;
      return seenIn;
    };
    expect(await contextsOf("opener")).toEqual(["opener", "opener"]);
    await new Promise((r) => setImmediate(r)); // undici frees the socket after the end's callback
    expect(await contextsOf("reader")).toEqual(["reader", "reader"]);
    expect(new Set(seen.map((req) => req.socket)).size).toBe(1); // the same pooled socket
  });

  it("close() ends the connection, before or after the reader attaches", async () => {
    const { url, seen } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(": ping\n\n");
    });
    const t = transport(url, options());
    const early = await t.send({ method: "GET", path: "/", stream: "chunks" });
    early.chunks!.close();
    await closed(seen[0]!);
    expect((await readAll(early.chunks!)).error?.name).toBe("AbortError");

    const late = await t.send({ method: "GET", path: "/", stream: "chunks" });
    const reading = readAll(late.chunks!);
    late.chunks!.close();
    expect((await reading).error?.name).toBe("AbortError");
    await closed(seen[1]!);
  });

  it("the timeout and the signal cover the headers only", async () => {
    let release!: () => void;
    const { url } = await serve((req, res) => {
      if (req.url === "/slow") return; // never answers
      res.writeHead(200, { "content-type": "text/event-stream" }).flushHeaders();
      release = () => res.end("late\n");
    });
    const t = transport(url, options());
    const abort = new AbortController();
    const open = await t.send({
      method: "GET",
      path: "/",
      stream: "chunks",
      timeoutMs: 1_000, // for the headers, on a busy machine too
      signal: abort.signal,
    });
    abort.abort(new Error("too late to matter"));
    const reading = readAll(open.chunks!);
    // A request with the same timeout, started after the stream's headers, times out first.
    const slow = t.send({ method: "GET", path: "/slow", stream: "chunks", timeoutMs: 1_000 });
    await expect(slow).rejects.toBeInstanceOf(MoleculeTimeoutError);
    release();
    expect(await reading).toEqual({ text: "late\n", error: undefined });
  });
});

describe("chunked bodies: what an open stream holds", () => {
  it("drops undici's raw header Buffers once the headers are parsed", async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream", "x-a": "1", "x-b": "2" });
      res.write(": ping\n\n");
    });
    const controllers: Dispatcher.DispatchController[] = [];
    class Watching extends Agent {
      override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) {
        const start = handler.onRequestStart!.bind(handler);
        handler.onRequestStart = (controller, context) => {
          controllers.push(controller);
          start(controller, context);
        };
        return super.dispatch(options, handler);
      }
    }
    const agent = new Watching();
    cleanups.push(() => agent.close());
    const { origin } = new URL(url);
    const res = await requestChunked(
      agent,
      { origin, path: "/", method: "GET" },
      new EventEmitter(),
    );
    expect(res.headers["x-a"]).toBe("1");
    expect(controllers).toHaveLength(1);
    expect(controllers[0]!.rawHeaders).toBeNull();
    res.body.close();
  });
});
