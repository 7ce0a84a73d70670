// push-throughput: `message/send` with an echo handler against
//   1. our push server (`startA2AServer`, with its 256-bit path secret),
//   2. an @a2a-js/sdk 1.x Express server (DefaultRequestHandler + InMemoryTaskStore + echo
//      AgentExecutor, `jsonRpcHandler` with `legacyCompat` so it accepts v0.3 `message/send`),
//   3. a bare node:http JSON echo (parse the body, write a JSON-RPC result): the floor.
// Each server runs in its own child process; one undici Pool in this process loads them one after
// the other with the same body, connections and duration. A second pass uses the v1.0
// `SendMessage` method (A2A-Version: 1.0) on both A2A servers.
//
// Run: ./dev pnpm --filter @molecule-ai/agent-core build && ./dev pnpm --filter @internal/bench run push-throughput
// Env: BENCH_DURATION_MS (default 3000), BENCH_WARMUP_MS (1000), BENCH_CONNECTIONS (32),
// BENCH_ROUNDS (5: the scenarios run interleaved, medians reported), BENCH_ONLY (ours|a2a-js|floor),
// BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof" for the server children).
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { Pool } from "undici";
import { fmt, percentile, printTable } from "./report.ts";

type Kind = "ours" | "a2a-js" | "floor";

const DURATION_MS = Number(process.env["BENCH_DURATION_MS"] ?? 3000);
const WARMUP_MS = Number(process.env["BENCH_WARMUP_MS"] ?? 1000);
const CONNECTIONS = Number(process.env["BENCH_CONNECTIONS"] ?? 32);
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 5);

// ------------------------------------------------------------------ servers (child processes)

async function serve(kind: Kind): Promise<void> {
  let url: string;
  let close: () => Promise<void>;
  if (kind === "ours") {
    const { startA2AServer } = await import("@molecule-ai/agent-core");
    const server = await startA2AServer({
      agentCard: { name: "bench echo" },
      onMessage: (message) => {
        const part = message.parts[0];
        return part?.kind === "text" ? part.text : "";
      },
    });
    url = server.url;
    close = () => server.close();
  } else if (kind === "a2a-js") {
    const express = (await import("express")).default;
    const { AgentCard, Role } = await import("@a2a-js/sdk");
    const { AgentEvent, DefaultRequestHandler, InMemoryTaskStore } =
      await import("@a2a-js/sdk/server");
    const { jsonRpcHandler, UserBuilder } = await import("@a2a-js/sdk/server/express");
    const app = express();
    const httpServer = createServer(app);
    await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
    const port = (httpServer.address() as { port: number }).port;
    url = `http://127.0.0.1:${port}/`;
    const card = AgentCard.fromJSON({
      name: "bench echo",
      description: "echo",
      version: "1.0.0",
      supportedInterfaces: [
        { url, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
        { url, protocolBinding: "JSONRPC", protocolVersion: "0.3" },
      ],
      capabilities: { streaming: false, pushNotifications: false },
      defaultInputModes: ["text/plain"],
      defaultOutputModes: ["text/plain"],
      skills: [],
    });
    const executor = {
      async execute(
        ctx: {
          userMessage: { parts: { content?: { $case: string; value: unknown } }[] };
          contextId: string;
        },
        bus: { publish(e: unknown): void; finished(): void },
      ) {
        const content = ctx.userMessage.parts[0]?.content;
        const text = content?.$case === "text" ? String(content.value) : "";
        bus.publish(
          AgentEvent.message({
            messageId: randomUUID(),
            contextId: ctx.contextId,
            taskId: "",
            role: Role.ROLE_AGENT,
            parts: [
              {
                content: { $case: "text", value: text },
                metadata: undefined,
                filename: "",
                mediaType: "",
              },
            ],
            metadata: undefined,
            extensions: [],
            referenceTaskIds: [],
          }),
        );
        bus.finished();
      },
      async cancelTask() {},
    };
    const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor as never);
    app.use(
      jsonRpcHandler({
        requestHandler: handler,
        userBuilder: UserBuilder.noAuthentication,
        legacyCompat: { enabled: true },
      }),
    );
    close = () => new Promise<void>((resolve) => httpServer.close(() => resolve()));
  } else {
    const httpServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        const text = body.params?.message?.parts?.[0]?.text ?? "";
        const out = JSON.stringify({
          jsonrpc: "2.0",
          id: body.id,
          result: {
            kind: "message",
            messageId: randomUUID(),
            role: "agent",
            parts: [{ kind: "text", text }],
          },
        });
        res.writeHead(200, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(out),
        });
        res.end(out);
      });
    });
    await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(httpServer.address() as { port: number }).port}/`;
    close = () => new Promise<void>((resolve) => httpServer.close(() => resolve()));
  }
  const cpuAtStart = process.cpuUsage();
  process.stdout.write(`${url}\n`);
  process.once("SIGTERM", () => {
    const cpu = process.cpuUsage(cpuAtStart);
    process.stdout.write(`cpu ${cpu.user + cpu.system}\n`);
    void close().finally(() => process.exit(0));
  });
}

async function startChild(
  kind: Kind,
): Promise<{ url: string; child: ChildProcess; cpu: Promise<number> }> {
  const nodeArgs = process.env["BENCH_SERVER_NODE_ARGS"]?.split(" ").filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, import.meta.filename, "--serve", kind], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  // The server's CPU time (µs) since it started listening, reported when it is stopped.
  const cpu = new Promise<number>((resolve) => {
    lines.on("line", (line) => {
      if (line.startsWith("cpu ")) resolve(Number(line.slice(4)));
    });
    child.once("exit", () => resolve(Number.NaN));
  });
  return { url, child, cpu };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  await exited;
}

// ------------------------------------------------------------------ load generator

function body(method: "message/send" | "SendMessage"): string {
  const text = "hello from the push-throughput benchmark";
  return JSON.stringify(
    method === "message/send"
      ? {
          jsonrpc: "2.0",
          id: "6b1f1f7e-3c1a-4a4e-9a43-0c9f8f6c1a11",
          method,
          params: {
            message: {
              kind: "message",
              role: "user",
              messageId: "0d8a3f0e-8a8e-4e0b-8e1b-2b8d9b7c6a55",
              parts: [{ kind: "text", text }],
            },
          },
        }
      : {
          jsonrpc: "2.0",
          id: 1,
          method,
          params: {
            message: {
              role: "ROLE_USER",
              messageId: "0d8a3f0e-8a8e-4e0b-8e1b-2b8d9b7c6a55",
              parts: [{ text }],
            },
          },
        },
  );
}

interface Result {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU time per request served (µs), over warm-up and measurement. */
  cpuPerRequest: number;
  /** Every request sent (probe, warm-up, measurement). */
  sent: number;
}

async function load(url: string, method: "message/send" | "SendMessage"): Promise<Result> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: CONNECTIONS, pipelining: 1 });
  const payload = body(method);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (method === "SendMessage") headers["a2a-version"] = "1.0";
  const path = target.pathname;

  // Check once that the server answers with the echoed text.
  const probe = await pool.request({ path, method: "POST", headers, body: payload });
  const probeText = await probe.body.text();
  if (
    probe.statusCode !== 200 ||
    !probeText.includes("hello from the push-throughput benchmark") ||
    probeText.includes('"error"')
  ) {
    throw new Error(`unexpected answer from ${url}: ${probe.statusCode} ${probeText}`);
  }

  const run = async (
    ms: number,
    record: boolean,
  ): Promise<{ latencies: number[]; errors: number; elapsed: number; count: number }> => {
    const latencies: number[] = [];
    let errors = 0;
    let count = 0;
    const start = performance.now();
    const end = start + ms;
    const worker = async (): Promise<void> => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          const res = await pool.request({ path, method: "POST", headers, body: payload });
          await res.body.text();
          if (res.statusCode !== 200) errors++;
        } catch {
          errors++;
        }
        count++;
        if (record) latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    return { latencies, errors, elapsed: performance.now() - start, count };
  };

  const warm = await run(WARMUP_MS, false);
  const { latencies, errors, elapsed } = await run(DURATION_MS, true);
  await pool.close();
  return {
    requests: latencies.length,
    errors,
    rps: (latencies.length / elapsed) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuPerRequest: Number.NaN,
    sent: 1 + warm.count + latencies.length,
  };
}

async function measure(kind: Kind, method: "message/send" | "SendMessage"): Promise<Result> {
  const { url, child, cpu } = await startChild(kind);
  let result: Result | undefined;
  try {
    result = await load(url, method);
  } finally {
    await stopChild(child);
  }
  result.cpuPerRequest = (await cpu) / result.sent;
  return result;
}

function median(values: number[]): number {
  return percentile(values, 50);
}

const SCENARIOS: [label: string, kind: Kind, method: "message/send" | "SendMessage"][] = [
  ["ours message/send", "ours", "message/send"],
  ["a2a-js message/send (legacyCompat)", "a2a-js", "message/send"],
  ["floor node:http JSON echo", "floor", "message/send"],
  ["ours SendMessage (v1.0)", "ours", "SendMessage"],
  ["a2a-js SendMessage (v1.0)", "a2a-js", "SendMessage"],
];

async function main(): Promise<void> {
  console.log(
    `push-throughput: ${CONNECTIONS} connections, ${ROUNDS} rounds x (${WARMUP_MS} ms warm-up + ${DURATION_MS} ms) per server, ` +
      `servers in child processes, rounds interleaved, medians reported (node ${process.version})`,
  );
  const only = process.env["BENCH_ONLY"] as Kind | undefined;
  const runs = new Map<string, Result[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, kind, method] of SCENARIOS) {
      if (only !== undefined && kind !== only) continue;
      const r = await measure(kind, method);
      runs.set(label, [...(runs.get(label) ?? []), r]);
      console.log(
        `  round ${round + 1} ${label}: ${fmt(r.rps, 0)} req/s, ${fmt(r.cpuPerRequest, 1)} µs CPU/req`,
      );
    }
  }
  const results: Record<string, Result> = {};
  for (const [label, rs] of runs) {
    results[label] = {
      requests: rs.reduce((n, r) => n + r.requests, 0),
      errors: rs.reduce((n, r) => n + r.errors, 0),
      rps: median(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      cpuPerRequest: median(rs.map((r) => r.cpuPerRequest)),
      sent: rs.reduce((n, r) => n + r.sent, 0),
    };
  }
  const rows: Record<string, Record<string, string | number>> = {};
  for (const [label, r] of Object.entries(results)) {
    rows[label] = {
      "req/s": fmt(r.rps, 0),
      "p50 ms": fmt(r.p50, 2),
      "p99 ms": fmt(r.p99, 2),
      "server CPU µs/req": fmt(r.cpuPerRequest, 1),
      requests: r.requests,
      errors: r.errors,
    };
  }
  printTable("message/send with an echo handler (medians over rounds)", rows);
  if (only !== undefined) return;

  const get = (label: string): Result => results[label]!;
  const ours = get("ours message/send");
  const a2a = get("a2a-js message/send (legacyCompat)");
  const floor = get("floor node:http JSON echo");
  const oursV1 = get("ours SendMessage (v1.0)");
  const a2aV1 = get("a2a-js SendMessage (v1.0)");
  const vsA2A = ours.rps / a2a.rps;
  const vsFloor = ours.rps / floor.rps;
  const errors = Object.values(results).reduce((n, r) => n + r.errors, 0);
  console.log("\nthroughput (req/s, medians):");
  console.log(
    `  ours / a2a-js (message/send): ${fmt(vsA2A, 2)}x  target >= 2x    ${vsA2A >= 2 ? "PASS" : "FAIL"}`,
  );
  console.log(
    `  ours / floor  (message/send): ${fmt(vsFloor, 2)}x  target >= 0.7x  ${vsFloor >= 0.7 ? "PASS" : "FAIL"}`,
  );
  console.log(
    `  ours / a2a-js (SendMessage):  ${fmt(oursV1.rps / a2aV1.rps, 2)}x  (informational)`,
  );
  console.log("server CPU per request (lower is better; less sensitive to a busy machine):");
  console.log(
    `  a2a-js / ours (message/send): ${fmt(a2a.cpuPerRequest / ours.cpuPerRequest, 2)}x less CPU per request`,
  );
  console.log(
    `  floor / ours  (message/send): ${fmt(floor.cpuPerRequest / ours.cpuPerRequest, 2)}x of the floor's efficiency`,
  );
  console.log(
    `  a2a-js / ours (SendMessage):  ${fmt(a2aV1.cpuPerRequest / oursV1.cpuPerRequest, 2)}x less CPU per request`,
  );
  if (errors > 0) console.log(`errors: ${errors} (FAIL)`);
  if (vsA2A < 2 || vsFloor < 0.7 || errors > 0) process.exitCode = 1;
}

if (process.argv[2] === "--serve") {
  await serve(process.argv[3] as Kind);
} else {
  await main();
}
