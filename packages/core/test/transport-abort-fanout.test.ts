// One caller signal shared by many requests (the reply outbox's stop signal, the poll loop's):
// the signal carries one listener while any of its requests is in flight, none once they all
// settled, and aborting it still aborts every request in flight with its reason. Real HTTP servers
// on 127.0.0.1.
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { HttpTransport } from "../src/transport/index.js";
import { useTestServers } from "./fixtures/http-servers.js";

const transports: HttpTransport[] = [];
const serve = useTestServers();

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

function transport(baseUrl: string): HttpTransport {
  const t = new HttpTransport({ baseUrl, getToken: () => "tok" });
  transports.push(t);
  return t;
}

/** Resolves once `n` requests have reached the server. */
async function reached(seen: unknown[], n: number): Promise<void> {
  while (seen.length < n) await new Promise((r) => setImmediate(r));
}

const N = 20;

describe("a caller signal shared by many requests", () => {
  it("aborts every request in flight with its reason, through one listener", async () => {
    const { url, seen } = await serve(() => undefined); // never answers
    const t = transport(url);
    const ac = new AbortController();
    const sends = Array.from({ length: N }, async (_, i) =>
      t.send({ method: "POST", path: `/hang/${i}`, signal: ac.signal }).catch((e: unknown) => e),
    );
    await reached(seen, N);
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(1);
    ac.abort(new Error("stop now"));
    const errors = (await Promise.all(sends)) as Error[];
    // Each a MoleculeError `aborted` whose cause is the reason.
    expect(errors.map((e) => (e.cause as Error).message)).toEqual(
      Array.from({ length: N }, () => "stop now"),
    );
    expect(errors.every((e) => (e as { code?: unknown }).code === "aborted")).toBe(true);
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);
  });

  it("leaves no listener on a long-lived signal once its requests settled, and works again after", async () => {
    const { url, seen } = await serve((_req, res) => res.writeHead(200).end("{}"));
    const t = transport(url);
    const longLived = new AbortController().signal;
    for (const round of [0, 1]) {
      const sends = Array.from({ length: N }, async (_, i) =>
        t.send({ method: "GET", path: `/ok/${round}/${i}`, signal: longLived }),
      );
      const answers = await Promise.all(sends);
      expect(answers.map((a) => a.status)).toEqual(Array.from({ length: N }, () => 200));
      expect(getEventListeners(longLived, "abort")).toHaveLength(0);
    }
    expect(seen).toHaveLength(2 * N);
  });
});
