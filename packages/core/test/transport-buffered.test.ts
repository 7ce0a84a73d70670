// The buffered hot path of platform requests on the SDK's own pools (transport/buffered.ts): the
// same answers, errors, timeouts and aborts as the stream path, against real HTTP servers on
// 127.0.0.1. (Transports given a dispatcher, e.g. MockAgent in transport-retry.test.ts, take the
// stream path.)
import type { IncomingMessage } from "node:http";
import { freePort } from "@internal/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { isMoleculeError, MoleculeTimeoutError } from "../src/index.js";
import { HttpTransport } from "../src/transport/index.js";
import { useTestServers } from "./fixtures/http-servers.js";

const transports: HttpTransport[] = [];
const serve = useTestServers();

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

/** Resolves when the server side of `req`'s connection has closed (reset or not). */
async function closed(req: IncomingMessage): Promise<void> {
  if (req.socket.destroyed) return;
  await new Promise((resolve) => req.socket.once("close", resolve));
}

function transport(
  baseUrl: string,
  extra: Partial<ConstructorParameters<typeof HttpTransport>[0]> = {},
) {
  const t = new HttpTransport({ baseUrl, getToken: () => "tok", ...extra });
  transports.push(t);
  return t;
}

describe("platform requests on the SDK's own pool (buffered)", () => {
  it("reads a chunked JSON body of several chunks, an empty body and a text body", async () => {
    const { url, seen: requests } = await serve((req, res) => {
      if (req.url === "/json") {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"rows":[');
        res.write('{"id":"é1"},');
        setImmediate(() => res.end('{"id":"2"}]}'));
      } else if (req.url === "/empty") {
        res.writeHead(204).end();
      } else {
        res.writeHead(503, { "retry-after": "1" }).end("busy");
      }
    });
    const t = transport(url);
    const json = await t.send({ method: "GET", path: "/json" });
    expect(json).toMatchObject({ status: 200, body: { rows: [{ id: "é1" }, { id: "2" }] } });
    expect(json.headers["content-type"]).toBe("application/json");
    expect(await t.send({ method: "POST", path: "/empty", json: { a: 1 } })).toMatchObject({
      status: 204,
      body: undefined,
    });
    // Text on a 5xx is no answer of the platform's: the error names what answered, body and all.
    expect(await t.send({ method: "POST", path: "/text" }).catch((e: unknown) => e)).toMatchObject({
      status: 503,
      body: "busy",
      code: "unavailable",
    });
    expect(requests.map((r) => r.headers.authorization)).toEqual([
      "Bearer tok",
      "Bearer tok",
      "Bearer tok",
    ]);
  });

  it("a body over maxResponseBytes fails with response_too_large and the connection is dropped", async () => {
    const { url, seen: requests } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(16 * 1024, 0x61);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    });
    const err = await transport(url, { maxResponseBytes: 100_000 })
      .send({ method: "GET", path: "/big" })
      .catch((e: unknown) => e);
    expect(isMoleculeError(err, "response_too_large")).toBe(true);
    const req = requests[0]!;
    await closed(req);
  });

  it("times out an attempt with MoleculeTimeoutError and frees the connection", async () => {
    const { url, seen: requests } = await serve(() => undefined); // never answers
    const err = await transport(url)
      .send({ method: "POST", path: "/hang", timeoutMs: 200 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoleculeTimeoutError);
    const req = requests[0]!;
    await closed(req);
  });

  it("the caller's AbortSignal aborts in flight and before the request starts", async () => {
    const { url, seen: requests } = await serve(() => undefined);
    const t = transport(url);
    const ac = new AbortController();
    const inFlight = t.send({ method: "POST", path: "/hang", signal: ac.signal }).catch((e) => e);
    while (requests.length === 0) await new Promise((r) => setImmediate(r));
    ac.abort(new Error("stop now"));
    expect(((await inFlight) as Error).cause).toMatchObject({ message: "stop now" });
    await expect(inFlight).resolves.toMatchObject({ code: "aborted", name: "AbortError" });
    const aborted = AbortSignal.abort(new Error("already"));
    const before = await t
      .send({ method: "POST", path: "/hang", signal: aborted })
      .catch((e: unknown) => e);
    expect((before as Error).cause).toMatchObject({ message: "already" });
  });

  it("a refused connection fails with connection_failed (retryable)", async () => {
    const url = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const err = await transport(url)
      .send({ method: "POST", path: "/x" })
      .catch((e: unknown) => e);
    expect(isMoleculeError(err, "connection_failed")).toBe(true);
    expect((err as { retryable: boolean }).retryable).toBe(true);
  });
});
