// The SDK's pools over the runtime's fetch (transport/fetch-agent.ts), used where `undici` is a
// stub (Bun): the same request, buffered, chunked and abort behaviour the transport relies on from
// undici, against real HTTP servers on 127.0.0.1. internal/runtimes runs the agents on Bun itself.
import { EventEmitter } from "node:events";
import { freePort } from "@internal/test-utils";
import { describe, expect, it } from "vitest";
import { requestAbortable } from "../src/transport/abortable.js";
import { requestBuffered } from "../src/transport/buffered.js";
import { requestChunked } from "../src/transport/chunked.js";
import { BodyTooLargeError, readBodyText } from "../src/transport/body.js";
import { FetchAgent, isUsableUndici } from "../src/transport/fetch-agent.js";
import { useTestServers } from "./fixtures/http-servers.js";

const serve = useTestServers();
/** Bun's `undici.Agent`: a class without methods. */
function StubAgent(): void {}
const asDispatcher = (a: FetchAgent) => a as unknown as Parameters<typeof requestBuffered>[0];

describe("FetchAgent", () => {
  it("is chosen only when the runtime's undici cannot dispatch (Bun's stub Agent has no methods)", async () => {
    expect(isUsableUndici(await import("undici"))).toBe(true);
    // Bun's stub: `class Agent extends Dispatcher {}`, no methods.
    expect(isUsableUndici({ Agent: StubAgent })).toBe(false);
    expect(isUsableUndici({})).toBe(false);
  });

  it("buffers a body of several chunks with status and headers, and sends method, headers and body", async () => {
    let got = "";
    const { url, seen } = await serve((req, res) => {
      req.on("data", (c: Buffer) => (got += c.toString()));
      res.writeHead(201, { "content-type": "application/json", "set-cookie": ["a=1", "b=2"] });
      res.write('{"rows":[');
      setImmediate(() => res.end('{"id":"é"}]}'));
    });
    const agent = new FetchAgent();
    const r = await requestBuffered(
      asDispatcher(agent),
      {
        origin: url,
        path: "/x?y=1",
        method: "POST",
        headers: { authorization: "Bearer t", "content-type": "application/json" },
        body: '{"a":1}',
      },
      1024,
      new EventEmitter(),
    );
    expect(r.statusCode).toBe(201);
    expect(JSON.parse(r.text)).toEqual({ rows: [{ id: "é" }] });
    expect(r.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    expect(seen[0]?.url).toBe("/x?y=1");
    expect(seen[0]?.headers.authorization).toBe("Bearer t");
    expect(got).toBe('{"a":1}');
    await agent.close();
  });

  it("fails a body over the cap and aborts on the emitter, as undici's dispatch does", async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200);
      res.write("x".repeat(600));
      res.write("x".repeat(600));
    });
    const agent = new FetchAgent();
    await expect(
      requestBuffered(
        asDispatcher(agent),
        { origin: url, path: "/", method: "GET" },
        1000,
        new EventEmitter(),
      ),
    ).rejects.toBeInstanceOf(BodyTooLargeError);
    const abort = new EventEmitter();
    const pending = requestBuffered(
      asDispatcher(agent),
      { origin: url, path: "/", method: "GET" },
      1e6,
      abort,
    );
    abort.emit("abort");
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await agent.close();
  });

  it("streams chunks as they arrive, and close() ends the body", async () => {
    let push: ((s: string) => void) | undefined;
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("a");
      push = (s) => res.write(s);
    });
    const agent = new FetchAgent();
    const r = await requestChunked(
      asDispatcher(agent),
      { origin: url, path: "/events", method: "GET" },
      new EventEmitter(),
    );
    expect(r.statusCode).toBe(200);
    const chunks: string[] = [];
    let onData: (() => void) | undefined;
    const ended = new Promise<Error | undefined>((resolve) =>
      r.body.read({
        data: (c) => {
          chunks.push(c.toString());
          onData?.();
        },
        end: resolve,
      }),
    );
    await new Promise<void>((resolve) => {
      onData = () => {
        if (chunks.join("") === "a") push?.("b");
        if (chunks.join("") === "ab") resolve();
      };
      onData();
    });
    r.body.close();
    expect((await ended)?.name).toBe("AbortError");
    expect(r.body.done).toBe(true);
    await agent.close();
  });

  it("request(): a Readable body, an AbortSignal or emitter that aborts, and a refused connection with a Node code", async () => {
    const { url } = await serve((_req, res) => res.end("hello"));
    const agent = new FetchAgent();
    const r = await requestAbortable(
      asDispatcher(agent),
      { origin: url, path: "/", method: "GET" },
      new EventEmitter(),
    );
    expect(await readBodyText(r.body, 100)).toBe("hello");

    const ac = new AbortController();
    ac.abort();
    await expect(
      agent.request({ origin: url, path: "/", method: "GET", signal: ac.signal }),
    ).rejects.toMatchObject({ name: "AbortError" });

    // A port nothing listens on.
    const port = await freePort();
    const failure = agent.request({ origin: `http://127.0.0.1:${port}`, path: "/", method: "GET" });
    const err: unknown = await failure.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const codes: unknown[] = [];
    for (let e = err; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
      codes.push((e as { code?: unknown }).code);
    }
    expect(codes).toContain("ECONNREFUSED");

    await agent.close();
    expect(agent.closed).toBe(true);
    await expect(agent.request({ origin: url, path: "/", method: "GET" })).rejects.toMatchObject({
      code: "UND_ERR_CLOSED",
    });
  });
});
