// A preload that counts the promises a process creates (async_hooks `PROMISE` inits) and writes
// the count on exit to `$PROMISE_COUNT_DIR/<pid>.json` (default: the OS temp directory), with the
// process's arguments, so each process of a benchmark can be told apart. With the hook enabled V8
// makes a promise for every `await` as well: the figure compares builds; it is not what a process
// without the hook allocates. Issue 80 (bench/README.md), e.g.:
//   NODE_OPTIONS="--import $PWD/bench/scripts/promise-count.mjs" PROMISE_COUNT_DIR=/tmp/pc \
//     BENCH_ROUNDS=10 BENCH_WARM_FROM=51 BENCH_MEMORY_SIDE=0 ./dev bench conversation-load
import { createHook } from "node:async_hooks";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let promises = 0;
createHook({
  init(_id, type) {
    if (type === "PROMISE") promises++;
  },
}).enable();
process.on("exit", () => {
  const dir = process.env.PROMISE_COUNT_DIR ?? tmpdir();
  const out = { argv: process.argv.slice(1), promises };
  writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(out));
});
