// Issue #78 item 4 measurements: the gRPC server (startA2AGrpcServer of @molecule-ai/grpc, built)
// under the loads the HTTP binding is bounded against, on loopback, the server in a child process
// whose descriptors are limited to 2,048 (`ulimit -n`), as in the findings:
//   (1) 2,000 calls that send half their message (20 HTTP/2 connections x 100 streams): how many
//       have ended after 35 s, with which status, and whether the server closed their streams;
//   (2) 2,100 idle TCP connections held open, then 40 calls from new clients: how many succeed;
//   (3) 3,000 calls at once on one HTTP/2 connection to a handler that waits: how many run at
//       once, and the server's RSS growth;
//   (4) 2,000 such calls over 20 connections: how many run at once, how many are refused.
// Run: `./dev node bench/scripts/issue78-grpc-bounds.mjs [module]` after
// `./dev pnpm --filter @molecule-ai/grpc build`; `module` (default `@molecule-ai/grpc`) is the
// package's entry to measure (a path to another build's index for an A/B).
import { spawn } from "node:child_process";
import { connect as connectHttp2 } from "node:http2";
import { connect as connectTcp } from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";

const entry = process.argv[3] ?? process.argv[2] ?? "@molecule-ai/grpc";
const tally = (xs) =>
  Object.fromEntries([...new Set(xs)].map((x) => [x, xs.filter((y) => y === x).length]));
const mib = (bytes) => `${bytes >= 0 ? "+" : ""}${(bytes / 2 ** 20).toFixed(1)} MiB`;
/** Resolves `p`, and repeats `step` until it has. */
async function until(p, step) {
  const state = { done: false };
  void p.then(() => (state.done = true));
  while (!state.done) await step();
  return p;
}
const load = (m) => import(m.startsWith("/") ? pathToFileURL(m).href : m);

if (process.argv[2] === "server") {
  // The child: one server, its handler's counts on request (IPC).
  const { createA2AHandler } = await import("@molecule-ai/agent-core/a2a");
  const { startA2AGrpcServer } = await load(entry);
  let running = 0;
  let peak = 0;
  const waiting = [];
  const handler = createA2AHandler({
    agentCard: { name: "bounds" },
    pathSecret: false,
    onMessage: async (message, ctx) => {
      const text = message.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
      if (text !== "block") return `echo: ${text}`;
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => {
        waiting.push(resolve);
        ctx.signal.addEventListener("abort", resolve);
      });
      running--;
      return "done";
    },
  });
  const server = await startA2AGrpcServer({ handler, pathSecret: false });
  process.on("message", async (m) => {
    if (m === "stats") {
      globalThis.gc?.();
      process.send({ running, peak, rss: process.memoryUsage().rss });
    } else if (m === "release") {
      for (const r of waiting.splice(0)) r();
      peak = running;
      process.send({ released: true });
    } else if (m === "close") {
      await Promise.race([server.close(), new Promise((r) => setTimeout(r, 5000))]);
      process.exit(0);
    }
  });
  process.send({ url: server.url, port: server.port });
} else {
  await main();
}

async function main() {
  const grpc = await import("@grpc/grpc-js");
  const { A2AService } = await import("@a2a-js/sdk/server/grpc");
  const { SendMessageRequest } = await import("@a2a-js/sdk");
  const self = fileURLToPath(import.meta.url);
  const child = spawn(
    "bash",
    ["-c", `ulimit -n 2048 && exec "${process.execPath}" --expose-gc "${self}" server "${entry}"`],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  const replies = [];
  child.on("message", (m) => replies.shift()?.(m));
  const ask = (m) =>
    new Promise((resolve) => {
      replies.push(resolve);
      if (m !== undefined) child.send(m);
    });
  const { url, port } = await ask();
  const Ctor = grpc.makeGenericClientConstructor(A2AService, "A2AService");
  const newClient = () =>
    new Ctor(url, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
  const send = (text) =>
    SendMessageRequest.fromJSON({
      message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text }] },
    });
  const call = (client, text) =>
    new Promise((resolve) =>
      client.sendMessage(send(text), new grpc.Metadata(), (err) =>
        resolve(err ? grpc.status[err.code] : "OK"),
      ),
    );
  const settle = async () => {
    // until the handlers running stop changing for 1 s
    let last = -1;
    for (;;) {
      const s = await ask("stats");
      if (s.running === last) return s;
      last = s.running;
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  console.log(`server: ${entry} on ${url} (ulimit -n 2048)`);

  // (1) half-sent calls
  {
    const before = await ask("stats");
    const t0 = Date.now();
    const sessions = Array.from({ length: 20 }, () => {
      const s = connectHttp2(`http://${url}`);
      s.on("error", () => undefined);
      return s;
    });
    const results = [];
    let closedByServer = 0;
    for (const s of sessions) {
      for (let i = 0; i < 100; i++) {
        const stream = s.request({
          ":method": "POST",
          ":path": "/lf.a2a.v1.A2AService/SendMessage",
          "content-type": "application/grpc",
          te: "trailers",
        });
        stream.on("error", () => undefined);
        const prefix = Buffer.alloc(5);
        prefix.writeUInt32BE(100, 1);
        stream.write(Buffer.concat([prefix, Buffer.alloc(10)]));
        let done = false;
        const end = (status) => {
          if (done) return;
          done = true;
          results.push({ status, ms: Date.now() - t0 });
        };
        stream.on(
          "response",
          (h) => h["grpc-status"] !== undefined && end(grpc.status[+h["grpc-status"]]),
        );
        stream.on("trailers", (h) => end(grpc.status[+h["grpc-status"]]));
        stream.on("close", () => {
          closedByServer++;
          end("closed without status");
        });
      }
    }
    await new Promise((r) => setTimeout(r, 35_000));
    const after = await ask("stats");
    const ended = results.map((r) => r.status);
    const times = results.map((r) => r.ms).sort((a, b) => a - b);
    console.log(
      `(1) 2,000 half-sent calls: ${results.length} ended within 35 s ${JSON.stringify(tally(ended))}` +
        (times.length ? `, first at ${times[0]} ms, last at ${times.at(-1)} ms` : "") +
        `; streams closed (RST or both ends): ${closedByServer}; server RSS at 35 s ${mib(after.rss - before.rss)}`,
    );
    for (const s of sessions) s.destroy();
  }

  // (2) idle connections, then calls from new clients
  {
    const idle = [];
    let evicted = 0;
    for (let i = 0; i < 2100; i++) {
      const socket = connectTcp(port, "127.0.0.1");
      socket.on("error", () => undefined);
      socket.resume();
      socket.once("close", () => evicted++);
      idle.push(socket);
      await new Promise((r) => socket.once("connect", r).once("close", r));
    }
    const clients = Array.from({ length: 40 }, newClient);
    const outcomes = await Promise.all(clients.map((c) => call(c, "hi")));
    console.log(
      `(2) 2,100 idle connections, then 40 calls from new clients: ${JSON.stringify(tally(outcomes))}; idle connections closed by the server: ${evicted}`,
    );
    for (const c of clients) c.close();
    for (const s of idle) s.destroy();
  }

  // (3) 3,000 calls at once on one connection
  {
    const before = await ask("stats");
    const client = newClient();
    const calls = Array.from({ length: 3000 }, () => call(client, "block"));
    const s = await settle();
    console.log(
      `(3) 3,000 calls on one connection: ${s.running} handlers running at once (peak ${s.peak}); server RSS ${mib(s.rss - before.rss)}`,
    );
    await ask("release");
    // the queued calls run as the first ones end; release until all have answered
    const all = await until(Promise.all(calls), async () => {
      await new Promise((r) => setTimeout(r, 200));
      await ask("release");
    });
    console.log(`    then all answered: ${JSON.stringify(tally(all))}`);
    client.close();
  }

  // (4) 2,000 calls over 20 connections
  {
    const before = await ask("stats");
    const clients = Array.from({ length: 20 }, newClient);
    const calls = clients.flatMap((c) => Array.from({ length: 100 }, () => call(c, "block")));
    const s = await settle();
    const refusedEarly = tally(
      await Promise.all(
        calls.map((p) =>
          Promise.race([p, new Promise((r) => setTimeout(() => r("pending"), 100))]),
        ),
      ),
    );
    console.log(
      `(4) 2,000 calls over 20 connections: ${s.running} handlers running at once; ${JSON.stringify(refusedEarly)}; server RSS ${mib(s.rss - before.rss)}`,
    );
    await until(Promise.all(calls), async () => {
      await ask("release");
      await new Promise((r) => setTimeout(r, 200));
    });
    for (const c of clients) c.close();
  }

  child.send("close");
  await new Promise((r) => child.once("exit", r));
}
