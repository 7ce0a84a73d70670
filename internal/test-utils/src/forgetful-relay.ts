// A TCP relay that behaves like a NAT gateway losing its flow table: `forget()` stops forwarding
// every open flow in both directions, with no FIN and no RST (the bytes are dropped, both sockets
// stay open), while connections opened afterwards work. Optionally it rewrites the platform's
// `Keep-Alive: timeout=` response hint (as a load balancer in front of the platform may send one,
// or none).
import { createServer, type AddressInfo, type Socket, connect } from "node:net";

/** A running relay. */
export interface ForgetfulRelay {
  /** `http://127.0.0.1:<port>`: use it as the platform URL. */
  url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections open now and still forwarded. */
  readonly live: number;
  /** Every flow open now is forgotten: its bytes are dropped from now on, both ways. */
  forget(): void;
  /** Destroys every socket and stops listening. */
  close(): Promise<void>;
}

/** Options of {@link forgetfulRelay}. */
export interface ForgetfulRelayOptions {
  /**
   * The `Keep-Alive` response header: `"keep"` (as the server sends it), `"strip"` (none, as a Go
   * server sends), or a number of seconds (`Keep-Alive: timeout=<n>`, replacing the server's).
   */
  keepAlive?: "keep" | "strip" | number;
}

const KEEP_ALIVE_LINE = /\r\nKeep-Alive: [^\r\n]*/gi;

/** Starts a relay on 127.0.0.1 in front of `target` (an `http://host:port` URL). */
export async function forgetfulRelay(
  target: string,
  options: ForgetfulRelayOptions = {},
): Promise<ForgetfulRelay> {
  const to = new URL(target);
  const hint = options.keepAlive ?? "keep";
  const flows = new Set<{ forgotten: boolean; a: Socket; b: Socket }>();
  let connections = 0;
  const rewrite = (chunk: Buffer): Buffer => {
    if (hint === "keep") return chunk;
    const text = chunk.toString("latin1");
    if (!text.startsWith("HTTP/1.1 ")) return chunk; // a body chunk (response heads start a chunk)
    const end = text.indexOf("\r\n\r\n");
    if (end < 0) return chunk;
    let head = text.slice(0, end).replace(KEEP_ALIVE_LINE, "");
    if (typeof hint === "number") head += `\r\nKeep-Alive: timeout=${hint}`;
    return Buffer.from(head + text.slice(end), "latin1");
  };
  const server = createServer((a) => {
    connections++;
    const b = connect({ host: to.hostname, port: Number(to.port) });
    const flow = { forgotten: false, a, b };
    flows.add(flow);
    a.on("data", (chunk) => void (flow.forgotten || b.write(chunk)));
    b.on("data", (chunk) => void (flow.forgotten || a.write(rewrite(chunk))));
    // Ends and resets of a live flow pass through; a forgotten flow passes nothing, ever.
    a.on("end", () => void (flow.forgotten || b.end()));
    b.on("end", () => void (flow.forgotten || a.end()));
    const drop = (): void => {
      if (!flow.forgotten) {
        a.destroy();
        b.destroy();
      }
      if (a.destroyed && b.destroyed) flows.delete(flow);
    };
    a.on("error", () => undefined);
    b.on("error", () => undefined);
    a.on("close", drop);
    b.on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get connections() {
      return connections;
    },
    get live() {
      let n = 0;
      for (const f of flows) if (!f.forgotten && !f.a.destroyed) n++;
      return n;
    },
    forget() {
      for (const f of flows) f.forgotten = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const f of flows) {
          f.a.destroy();
          f.b.destroy();
        }
        flows.clear();
        server.close(() => resolve());
      }),
  };
}
