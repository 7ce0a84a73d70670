// push-throughput's load generator: keeps CONNECTIONS requests in flight against one server for a
// warm-up and a measured period, every request with its own messageId (a de-duplicating receiver
// must handle each one, not answer from its reply cache).
import { Pool } from "undici";
import { percentile } from "./harness/stats.ts";

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

/** What one measured period gave. */
export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Every request sent (probe, warm-up and measurement), to divide the server's CPU time. */
  sent: number;
}

/** Checks once that `url` echoes, then loads it for `warmupMs` and measures for `durationMs`. */
export async function load(
  url: string,
  method: PushMethod,
  opts: { connections: number; warmupMs: number; durationMs: number },
): Promise<LoadResult> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: opts.connections, pipelining: 1 });
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (method === "SendMessage") headers["a2a-version"] = "1.0";
  const path = target.pathname;
  try {
    const probe = await pool.request({ path, method: "POST", headers, body: requestBody(method) });
    const probeText = await probe.body.text();
    if (
      probe.statusCode !== 200 ||
      !probeText.includes(ECHO_TEXT) ||
      probeText.includes('"error"')
    ) {
      throw new Error(`unexpected answer from ${url}: ${probe.statusCode} ${probeText}`);
    }
    const run = async (ms: number, record: boolean) => {
      const latencies: number[] = [];
      let errors = 0;
      let count = 0;
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
          count++;
          if (record) latencies.push(performance.now() - t0);
        }
      };
      await Promise.all(Array.from({ length: opts.connections }, worker));
      return { latencies, errors, count, elapsed: performance.now() - start };
    };
    const warm = await run(opts.warmupMs, false);
    const m = await run(opts.durationMs, true);
    return {
      rps: (m.latencies.length / m.elapsed) * 1000,
      p50: percentile(m.latencies, 50),
      p99: percentile(m.latencies, 99),
      errors: m.errors,
      sent: 1 + warm.count + m.count,
    };
  } finally {
    await pool.close();
  }
}
