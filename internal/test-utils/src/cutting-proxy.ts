// A TCP proxy that cuts connections the way a load balancer, a deploy or a mobile network does:
// `cut()` resets every open connection, both sides at once (HTTP/1.1 and HTTP/2 alike, so gRPC
// too); `down()` starts an outage (each new connection is accepted and reset at once, as a
// balancer with no healthy backend does) until `up()`. Given several targets, each new
// connection goes to the next one (round robin, as a balancer in front of replicas).
import { connect, createServer, type AddressInfo, type Socket } from "node:net";

/** A running proxy. */
export interface CuttingProxy {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** `127.0.0.1:<port>` (a gRPC address). */
  address: string;
  /** Connections accepted so far (refused ones included). */
  readonly accepted: number;
  /** Connections refused during outages so far. */
  readonly refused: number;
  /** Resets every open connection. */
  cut(): void;
  /** From now on, new connections are reset at once (and open ones cut). */
  down(): void;
  /** Ends the outage. */
  up(): void;
  /** Destroys every socket and stops listening. */
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 in front of `target` (`http://host:port`, or `host:port`), or each of them in turn. */
export async function cuttingProxy(target: string | readonly string[]): Promise<CuttingProxy> {
  const targets = (typeof target === "string" ? [target] : target).map(
    (t) => new URL(t.includes("://") ? t : `http://${t}`),
  );
  const pairs = new Set<[Socket, Socket]>();
  let accepted = 0;
  let refused = 0;
  let outage = false;
  const server = createServer((client) => {
    accepted++;
    if (outage) {
      refused++;
      client.resetAndDestroy();
      return;
    }
    const to = targets[(accepted - refused - 1) % targets.length]!;
    const upstream = connect(Number(to.port), to.hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const cut = (): void => {
    for (const pair of pairs) {
      pairs.delete(pair);
      for (const s of pair) if (!s.destroyed) s.resetAndDestroy();
    }
  };
  return {
    url: `http://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    get refused() {
      return refused;
    },
    cut,
    down() {
      outage = true;
      cut();
    },
    up() {
      outage = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}
