// Where an idle agent's weight comes from, by module (issue 88; not a registered benchmark): each
// line is a fresh Node process that loads one module the way core loads it (`require`, from core's
// folder) and reports what that added to its RSS and V8 heap (after a GC). The figures overlap (the
// first module of a process also pays for the loader) and do not add up to the agent's; they rank.
// Run: cd bench && node --expose-gc src/footprint-modules.ts   (env: BENCH_ROUNDS, default 3)
import { execFile } from "node:child_process";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { median } from "./harness/stats.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const core = dirname(dirname(fileURLToPath(import.meta.resolve("@molecule-ai/agent-core"))));

/** What is loaded: a label and the CommonJS code that loads it (`req` resolves from core). */
const MODULES: [string, string][] = [
  ["nothing", ""],
  ["undici (its root, as before issue 88)", `req("undici")`],
  [
    "undici's Agent and request API (what core loads now)",
    `Object.assign(req("undici/lib/dispatcher/dispatcher.js").prototype, req("undici/lib/api/index.js")); req("undici/lib/dispatcher/agent.js")`,
  ],
  ["zod (with its 60 locales)", `req("zod")`],
  ["@opentelemetry/api", `req("@opentelemetry/api")`],
  ["eventsource-parser", `req("eventsource-parser")`],
  ["node:crypto", `process.getBuiltinModule("node:crypto")`],
  ["node:http", `process.getBuiltinModule("node:http")`],
  ["node:http2", `process.getBuiltinModule("node:http2")`],
];

const run = promisify(execFile);
const child = (load: string): string => `
  const req = require("node:module").createRequire(${JSON.stringify(`${core}/package.json`)});
  gc(); const a = process.memoryUsage();
  ${load};
  setTimeout(() => { gc(); const b = process.memoryUsage(); console.log(JSON.stringify({ rss: b.rss - a.rss, heap: b.heapUsed - a.heapUsed })); }, 300);
`;

const MiB = 1024 * 1024;
for (const [label, load] of MODULES) {
  const rss: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const { stdout } = await run(process.execPath, ["--expose-gc", "-e", child(load)], {
      encoding: "utf8",
    });
    const r = JSON.parse(stdout) as { rss: number; heap: number };
    rss.push(r.rss / MiB);
    heap.push(r.heap / MiB);
  }
  console.log(
    `${label.padEnd(54)} RSS +${median(rss).toFixed(1)} MiB, heap used +${median(heap).toFixed(1)} MiB`,
  );
}
