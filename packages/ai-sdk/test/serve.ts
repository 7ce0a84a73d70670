// Mounts a web `(Request) => Promise<Response>` handler on a real node:http server (127.0.0.1, port 0),
// the way a fetch-style framework adapter does: streaming bodies both ways, abort on disconnect.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

export interface Served {
  /** `http://localhost:PORT` (a host name: the platform refuses IP-literal agent URLs) */
  origin: string;
  close(): Promise<void>;
}

export async function serve(handle: (request: Request) => Promise<Response>): Promise<Served> {
  const server = http.createServer((req, res) => {
    const controller = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else if (value !== undefined) headers.set(name, value);
    }
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(`http://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`, {
      method: req.method ?? "GET",
      headers,
      signal: controller.signal,
      ...(hasBody
        ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" }
        : {}),
    } as RequestInit);
    void (async () => {
      try {
        const response = await handle(request);
        res.writeHead(response.status, Object.fromEntries(response.headers));
        if (response.body) {
          for await (const chunk of response.body) res.write(chunk);
        }
        res.end();
      } catch {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
