// A request written into a pooled connection that a NAT forgot (no FIN, no RST) gets no answer:
// `sendRetryingFresh` sends it again at once on a new connection when it times out, and the pool
// the retry used leaves no socket behind. Over a TCP relay that forgets every open flow.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type ForgetfulRelay, forgetfulRelay, waitFor } from "@internal/test-utils";
import { HttpTransport, MoleculeTimeoutError, sendRetryingFresh } from "../src/transport/index.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/** A server answering `200 ok`, advertising `Keep-Alive: timeout=65` (as a load balancer may). */
async function server(): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const s: Server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    req.on("end", () => res.end("ok"));
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        s.closeAllConnections();
        s.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, requests };
}

/** A live connection's first request: the whole bound of a busy machine. */
const WARM_MS = 20_000;

/** undici puts a connection back in the pool a full event-loop cycle after its response. */
const pooled = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

async function setup(): Promise<{ relay: ForgetfulRelay; t: HttpTransport; requests: string[] }> {
  const target = await server();
  const relay = await forgetfulRelay(target.url);
  cleanups.push(() => relay.close());
  // Long enough for a live connection on a busy machine; the lost attempts wait it out.
  const t = new HttpTransport({ baseUrl: relay.url, timeoutMs: 2_000 });
  cleanups.push(() => t.close());
  return { relay, t, requests: target.requests };
}

describe("sendRetryingFresh", () => {
  it("sends a request that timed out on a forgotten connection again on a new one", async () => {
    const { relay, t, requests } = await setup();
    expect(
      (await t.send({ method: "POST", path: "/warm", bodyText: "{}", timeoutMs: WARM_MS })).status,
    ).toBe(200);
    expect(relay.connections).toBe(1);
    await pooled();
    relay.forget();
    const res = await sendRetryingFresh(t, { method: "POST", path: "/heartbeat", bodyText: "{}" });
    expect(res.status).toBe(200);
    expect(requests).toEqual(["POST /warm", "POST /heartbeat"]); // the first attempt was lost
    expect(relay.connections).toBe(2);
    // The retry's own pool is closed once it is answered, and undici destroyed the connection
    // that timed out: nothing is left open but what the relay forgot.
    await waitFor(() => relay.live === 0);
  });

  it("without it, the request waits out its timeout in the forgotten connection", async () => {
    const { relay, t, requests } = await setup();
    await t.send({ method: "POST", path: "/warm", bodyText: "{}", timeoutMs: WARM_MS });
    await pooled();
    relay.forget();
    await expect(t.send({ method: "POST", path: "/lost", bodyText: "{}" })).rejects.toBeInstanceOf(
      MoleculeTimeoutError,
    );
    expect(requests).toEqual(["POST /warm"]);
  });

  it("does not retry what the caller aborted, nor other failures", async () => {
    const { relay, t } = await setup();
    await t.send({ method: "GET", path: "/warm", timeoutMs: WARM_MS });
    await pooled();
    relay.forget();
    const abort = new AbortController();
    const sent = sendRetryingFresh(t, { method: "GET", path: "/x", signal: abort.signal });
    abort.abort(new Error("stopped"));
    await expect(sent).rejects.toThrow("stopped");
    const before = relay.connections;
    await expect(
      sendRetryingFresh(
        { send: () => Promise.reject(new Error("refused")) },
        { method: "GET", path: "/y" },
      ),
    ).rejects.toThrow("refused");
    expect(relay.connections).toBe(before);
  });
});
