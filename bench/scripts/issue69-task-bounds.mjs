// Issue #69 measurements, run against a built core (`node --expose-gc bench/scripts/issue69-task-bounds.mjs
// <core dist folder>`): (1) 300 continuations of one running task of a push endpoint
// (createA2AHandler), ~1 MB each: handler runs at once and heap growth; (2) the file task store:
// bytes written for 1,000 tasks of 100 KB, then 100 webhook sets and 100 deletes (/proc/self/io wchar).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const dist = process.argv[2];
const { startA2AServer } = await import(pathToFileURL(join(dist, "public/a2a.js")).href);
const { fileStore } = await import(pathToFileURL(join(dist, "index.js")).href);
const mib = (n) => (n / 1048576).toFixed(1);
const heap = () => {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
};

// (1) continuations of a running task
let running = 0;
let peak = 0;
let started;
const firstRun = new Promise((r) => (started = r));
const release = [];
const server = await startA2AServer({
  agentCard: { name: "bounds" },
  pathSecret: false,
  onMessage: async () => {
    running++;
    peak = Math.max(peak, running);
    started();
    await new Promise((r) => release.push(r));
    running--;
    return "done";
  },
});
const send = (message) =>
  fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "message/send",
      params: { message, configuration: { blocking: false, historyLength: 0 } },
    }),
  }).then((r) => r.json());
const msg = (text, taskId) => ({
  kind: "message",
  role: "user",
  messageId: crypto.randomUUID(),
  parts: [{ kind: "text", text }],
  ...(taskId ? { taskId } : {}),
});
const first = await send(msg("hold"));
const taskId = first.result.id;
await firstRun;
const before = heap();
const big = "x".repeat(1_000_000);
let refused = 0;
for (let i = 0; i < 300; i++) {
  const r = await send(msg(big, taskId));
  if (r.error) refused++;
}
await new Promise((r) => setTimeout(r, 200));
const after = heap();
console.log(
  `continuations: 300 sent, ${refused} refused; handler runs at once: peak ${peak}; heap +${mib(after - before)} MiB`,
);
for (const r of release) r();
await server.close();

// (2) file task store: bytes written
const wchar = () => Number(/wchar: (\d+)/.exec(readFileSync("/proc/self/io", "utf8"))[1]);
const dir = await mkdtemp(join(tmpdir(), "issue69-"));
try {
  // 1,000 tasks of 100 KB, written as a version-1 task file (what both versions read).
  const text = "y".repeat(100_000);
  const entries = Array.from({ length: 1000 }, (_, i) => ({
    task: {
      kind: "task",
      id: `t${i}`,
      contextId: "c",
      status: { state: "working" },
      history: [msg(text)],
    },
    workspaceId: "ws",
    seq: i + 1,
  }));
  await writeFile(join(dir, "inbound.tasks.json"), JSON.stringify({ version: 1, tasks: entries }));
  const tasks = fileStore(join(dir, "inbound")).tasks;
  await tasks.save({ ...entries[0].task, status: { state: "completed" } }, "ws"); // first change
  let w0 = wchar();
  let t0 = performance.now();
  let slowest = 0;
  for (let i = 1; i <= 100; i++) {
    const s = performance.now();
    await tasks.savePushConfig(`t${i}`, "ws", {
      id: "h",
      url: "https://hooks.example.com/x",
      token: "t",
      version: "0.3",
    });
    await tasks.deletePushConfig(`t${i}`, "ws", "h");
    slowest = Math.max(slowest, performance.now() - s);
  }
  const hooks = wchar() - w0;
  const hookMs = performance.now() - t0;
  w0 = wchar();
  for (let i = 101; i <= 150; i++) {
    await tasks.save({ ...entries[i].task, status: { state: "completed" } }, "ws");
  }
  const saves = wchar() - w0;
  console.log(
    `file task store (1,000 x 100 KB tasks): 100 webhook set+delete pairs wrote ${mib(hooks)} MiB ` +
      `(${(hooks / 200 / 1024).toFixed(1)} KiB a change) in ${hookMs.toFixed(0)} ms, slowest pair ${slowest.toFixed(1)} ms; ` +
      `50 task saves wrote ${mib(saves)} MiB (${(saves / 50 / 1024).toFixed(1)} KiB a save)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
