// BENCH_COUNT_REQUESTS=1: counts the HTTP requests this agent process makes (undici's
// `undici:request:create` diagnostics channel, whatever copy of undici sends them), by method and
// path with ids elided, and prints them to stderr when the process stops, so a benchmark can say how
// many requests a round trip costs each agent.
import { subscribe } from "node:diagnostics_channel";

/** Starts counting when BENCH_COUNT_REQUESTS is "1"; `who` names the process in the output. */
export function countRequests(who: string): void {
  if (process.env.BENCH_COUNT_REQUESTS !== "1") return;
  const counts = new Map<string, number>();
  subscribe("undici:request:create", (m) => {
    const { request } = m as { request: { method: string; path: string } };
    const path = request.path.replace(/\?.*$/, "").replace(/[0-9a-f]{8}-[0-9a-f-]{27,}/g, ":id");
    const key = `${request.method} ${path}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  process.once("exit", () => {
    const lines = [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `  ${v}\t${k}`);
    const { user, system } = process.cpuUsage();
    process.stderr.write(
      `requests of ${who} (pid ${process.pid}; CPU user ${user / 1000} ms, system ${system / 1000} ms):\n${lines.join("\n")}\n`,
    );
  });
}
