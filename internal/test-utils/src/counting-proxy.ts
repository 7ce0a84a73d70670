// A plain HTTP proxy in front of a server that records each request's method and path: for tests
// that count the calls an SDK makes (e.g. one acknowledgement per file). Bodies and answers are
// streamed through unchanged.
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

/** A running counting proxy. */
export interface CountingProxy {
  /** The proxy's base URL (use it as the platform URL). */
  url: string;
  /** `"<METHOD> <path>"` of every request, in arrival order. */
  requests: string[];
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 forwarding every request to `target` (a base URL). */
export async function countingProxy(target: string): Promise<CountingProxy> {
  const to = new URL(target);
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${(req.url ?? "/").split("?")[0]}`);
    const out = request(
      {
        host: to.hostname,
        port: to.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: to.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
