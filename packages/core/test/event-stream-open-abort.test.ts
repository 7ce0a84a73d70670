// Opening the event stream when the platform answers an error status whose body never ends: the
// caller's signal must still cancel the open (an agent's stop() waits for it), over real HTTP.
import dc from "node:diagnostics_channel";
import { createServer } from "node:http";
import { afterEach, expect, it } from "vitest";
import { PlatformClient } from "../src/index.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/** A platform (or proxy) that answers 503 and never ends the error body. */
async function stalledErrorServer(): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(503, { "content-type": "application/json" });
    res.write('{"error":"busy"');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return `http://127.0.0.1:${port}`;
}

/** Resolves when the next response's headers reach undici (its error body is then being read). */
function nextResponseHeaders(): Promise<void> {
  return new Promise((resolve) => {
    const onHeaders = (): void => {
      dc.unsubscribe("undici:request:headers", onHeaders);
      resolve();
    };
    dc.subscribe("undici:request:headers", onHeaders);
  });
}

it("aborting an event-stream open while its error body is read rejects with the signal's reason", async () => {
  const client = new PlatformClient({
    platformUrl: await stalledErrorServer(),
    workspaceId: crypto.randomUUID(),
    token: "tok",
  });
  cleanups.push(() => client.close());
  const headers = nextResponseHeaders();
  const abort = new AbortController();
  const opened = client.openEventStream({ signal: abort.signal });
  await headers;
  abort.abort(new Error("stopped"));
  await expect(opened).rejects.toThrow("stopped");
});
