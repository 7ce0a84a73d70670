// A streamed request (a plugin download) answered 429 or 503 is sent again; the answer it got is
// closed unread, so its connection is not held open with that answer in it (a large error page
// would otherwise fill the socket and keep it until the HTTP client's body timeout). Real HTTP.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { PlatformClient } from "../src/index.js";
import { platformSecond } from "../src/transport/rate-budget.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

/** 2 MiB: more than a socket and an HTTP client buffer without being read. */
const PAGE = "x".repeat(2 * 1024 * 1024);

/**
 * A platform that answers its first request `status` with a 2 MiB page, then the plugin; and
 * `closed`, resolved when the first answer's connection closes.
 */
async function refusingOnce(status: number) {
  let firstClosed!: () => void;
  const closed = new Promise<void>((resolve) => (firstClosed = resolve));
  let answered = 0;
  const server = createServer((req, res) => {
    req.resume();
    if (answered++ === 0) {
      req.socket.once("close", firstClosed);
      res.writeHead(status, { "content-type": "text/html", "retry-after": "0" }).end(PAGE);
      return;
    }
    res.writeHead(200, { "content-type": "application/gzip" }).end("plugin");
  });
  server.keepAliveTimeout = 0; // only the client closes a connection
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, closed };
}

it.each([429, 503])(
  "a streamed request answered %i is sent again, and the answer's connection is closed",
  async (status) => {
    const saved = platformSecond.ms;
    platformSecond.ms = 2; // the wait Retry-After: 0 names (the next platform second)
    cleanups.push(() => void (platformSecond.ms = saved));
    const platform = await refusingOnce(status);
    const client = new PlatformClient({
      platformUrl: platform.url,
      workspaceId: crypto.randomUUID(),
      token: "tok",
    });
    cleanups.push(() => void client.close()); // not awaited: it would wait for a held answer
    const { body } = await client.downloadPlugin("demo");
    let text = "";
    for await (const chunk of body) text += String(chunk);
    expect(text).toBe("plugin");
    await platform.closed; // closed by the client, not held with the page unread
  },
);
