// push-throughput's load generator: keeps `connections` requests in flight against one server for
// a measured window, every request with its own messageId (a de-duplicating receiver must handle
// each one, not answer from its reply cache). One loader per server stays open across rounds, so
// its connections stay warm and a window measures the server, not connection set-up.
import { Pool } from "undici";

/** The JSON-RPC method: v0.3 `message/send` or v1.0 `SendMessage`. */
export type PushMethod = "message/send" | "SendMessage";

/** The echoed text every server must return. */
export const ECHO_TEXT = "hello from the push-throughput benchmark";

let seq = 0;
const runId = `${process.pid.toString(16)}-${Date.now().toString(16)}`;

/** A request body with a fresh messageId (cheap: a counter, the same cost on every side). */
export function requestBody(method: PushMethod): string {
  const n = ++seq;
  const messageId = `bench-${runId}-${n}`;
  return method === "message/send"
    ? `{"jsonrpc":"2.0","id":${n},"method":"message/send","params":{"message":{"kind":"message","role":"user","messageId":"${messageId}","parts":[{"kind":"text","text":"${ECHO_TEXT}"}]}}}`
    : `{"jsonrpc":"2.0","id":${n},"method":"SendMessage","params":{"message":{"role":"ROLE_USER","messageId":"${messageId}","parts":[{"text":"${ECHO_TEXT}"}]}}}`;
}

/** What one window gave. */
export interface Window {
  /** Requests completed in the window. */
  requests: number;
  errors: number;
  elapsedMs: number;
  latencies: number[];
}

/** An open loader for one server. */
export interface Loader {
  /** Keeps `connections` requests in flight for `ms`. */
  run(ms: number): Promise<Window>;
  close(): Promise<void>;
}

/**
 * Opens a loader for `url` and checks once that the server echoes. `bearer`: the platform's push
 * secret (`platform_inbound_secret`), sent as the platform's A2A proxy sends it to an agent that
 * requires it (a RemoteAgent on a host-name URL refuses a push without it: 401).
 */
export async function openLoader(
  url: string,
  method: PushMethod,
  connections: number,
  bearer?: string,
): Promise<Loader> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections, pipelining: 1 });
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (bearer !== undefined) headers["authorization"] = `Bearer ${bearer}`;
  if (method === "SendMessage") headers["a2a-version"] = "1.0";
  const path = target.pathname;
  const probe = await pool.request({ path, method: "POST", headers, body: requestBody(method) });
  const probeText = await probe.body.text();
  if (probe.statusCode !== 200 || !probeText.includes(ECHO_TEXT) || probeText.includes('"error"')) {
    await pool.close();
    throw new Error(`unexpected answer from ${url}: ${probe.statusCode} ${probeText}`);
  }
  return {
    async run(ms) {
      const latencies: number[] = [];
      let errors = 0;
      const start = performance.now();
      const end = start + ms;
      const worker = async (): Promise<void> => {
        while (performance.now() < end) {
          const t0 = performance.now();
          try {
            const res = await pool.request({
              path,
              method: "POST",
              headers,
              body: requestBody(method),
            });
            const text = await res.body.text();
            if (res.statusCode !== 200 || text.includes('"error"')) errors++;
          } catch {
            errors++;
          }
          latencies.push(performance.now() - t0);
        }
      };
      await Promise.all(Array.from({ length: connections }, worker));
      return {
        requests: latencies.length,
        errors,
        elapsedMs: performance.now() - start,
        latencies,
      };
    },
    close: () => pool.close(),
  };
}
