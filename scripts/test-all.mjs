#!/usr/bin/env node
// The repository's whole check, in one turbo run: lint + format, typecheck, build, package gates
// (publint, attw), every package's tests (including the consumer smoke tests), and beside them,
// once the published packages are built and packed, the checks over the whole repository
// (scripts/check-repo.mjs: layer rules, public API reports, unused code, release, workflows). Prints the five slowest test
// files and the wall time, then `N passed, N failed, N skipped` summed from each package's Vitest
// JSON report (after the name of each failed test, and of each test that passed only on a retry)
// and exits non-zero when any step failed.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";

const began = performance.now();
const root = new URL("..", import.meta.url).pathname;

/**
 * The budget (#94): the whole run within 12 minutes on a quiet 2-core machine, and no test file
 * over 60 s unless the README's "Repository layout and habits" section names it and says why it
 * must be slow. Printed, not enforced: a busy machine runs slower, and a run must not fail on it.
 */
const budget = { wallMs: 12 * 60_000, fileMs: 60_000 };
const workspaceDirs = ["packages", "internal", "examples"]
  .flatMap((d) =>
    existsSync(join(root, d)) ? readdirSync(join(root, d)).map((n) => join(d, n)) : [],
  )
  .concat(existsSync(join(root, "bench", "package.json")) ? ["bench"] : [])
  .filter((d) => existsSync(join(root, d, "package.json")));

// Stale reports from an earlier run must not be counted; turbo restores them on a cache hit.
for (const dir of workspaceDirs)
  rmSync(join(root, dir, ".reports"), { recursive: true, force: true });

const extra = process.argv.slice(2);
const turbo = spawnSync(
  "pnpm",
  [
    "exec",
    "turbo",
    "run",
    "lint",
    "typecheck",
    "build",
    "check:package",
    "docs",
    "test",
    // The checks over the whole repository (scripts/check-repo.mjs), once the published packages
    // are built and packed: beside the tests, not after them.
    "check:repo",
    "--continue",
    // Three lanes on two cores: most test tasks wait on sockets, timers and child processes.
    "--concurrency=3",
    ...extra,
  ],
  { cwd: root, stdio: "inherit" },
);

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
/**
 * Each failed test, named with the first lines of its error (printed just before the summary: a
 * log's tail names them and says why, where the reporter's own account scrolled away).
 */
const failures = [];
/**
 * Each test that passed only on a retry (Vitest's `retry`), with its failed attempts' first error:
 * the JSON report keeps a passed test's earlier attempts' errors in its `failureMessages`.
 */
const retried = [];
/** Each test file's wall time: `{ ms, where }`. */
const files = [];
for (const dir of workspaceDirs) {
  const pkg = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
  if (!pkg.scripts?.test) continue;
  const report = join(root, dir, ".reports", "vitest.json");
  if (!existsSync(report)) {
    missing.push(pkg.name);
    continue;
  }
  const r = JSON.parse(readFileSync(report, "utf8"));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  // A file that failed outside its tests (loading it, or a hook: its tests then skipped) has no
  // failed test but is still a failure.
  for (const file of r.testResults ?? []) {
    const where = `${pkg.name} ${relative(join(root, dir), file.name ?? "")}`;
    if (file.startTime && file.endTime) files.push({ ms: file.endTime - file.startTime, where });
    const tests = file.assertionResults ?? [];
    if (file.status === "failed" && !tests.some((t) => t.status === "failed")) {
      failed += 1;
      const how = tests.length === 0 ? "failed to load" : "failed outside its tests (a hook)";
      failures.push(`${where}: the file ${how}${why(file.message ? [file.message] : [])}`);
    }
    for (const t of file.assertionResults ?? []) {
      const name = `${where} > ${t.fullName ?? t.title}`;
      if (t.status === "failed") failures.push(`${name}${why(t.failureMessages)}`);
      const attempts = t.failureMessages?.length ?? 0;
      if (t.status === "passed" && attempts > 0)
        retried.push(
          `${name} (${attempts} failed attempt${attempts > 1 ? "s" : ""})${why(t.failureMessages)}`,
        );
    }
  }
}
if (missing.length > 0) console.error(`no test report from: ${missing.join(", ")}`);
printTimes();
for (const r of retried) console.log(`PASSED ONLY ON A RETRY ${r}`);
for (const f of failures) console.log(`FAILED ${f}`);
const ok = turbo.status === 0 && failed === 0 && missing.length === 0 && passed > 0;
// The last line stays the plain `N passed, N failed, N skipped` CI reads; retries are said above it.
if (retried.length > 0)
  console.log(`${retried.length} of the passed only on a retry (named above)`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok ? 0 : 1);

/**
 * The first lines of a failed test's error (its message, not the stack), indented under its name.
 * @param {unknown} messages the JSON report's `failureMessages`
 */
function why(messages) {
  const first = Array.isArray(messages) ? String(messages[0] ?? "") : "";
  const lines = first
    .split("\n")
    .filter((l) => l.trim() !== "" && !/^\s+at /.test(l))
    .slice(0, 4)
    .map((l) => `\n    ${l.slice(0, 300)}`);
  return lines.join("");
}

/** Prints the five slowest test files, those over the budget the README does not name, the wall time. */
function printTimes() {
  const slowest = files.toSorted((a, b) => b.ms - a.ms);
  console.log("\nslowest test files:");
  for (const f of slowest.slice(0, 5)) console.log(`  ${seconds(f.ms).padStart(8)}  ${f.where}`);
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const layout = readme.slice(readme.indexOf("## Repository layout and habits"));
  const end = layout.indexOf("\n## ", 1);
  const section = end === -1 ? layout : layout.slice(0, end);
  for (const f of slowest.filter((f) => f.ms > budget.fileMs)) {
    const file = f.where
      .slice(f.where.indexOf(" ") + 1)
      .split("/")
      .at(-1);
    if (!section.includes(file))
      console.log(
        `  over ${budget.fileMs / 1000} s and not named in the README's "Repository layout and habits": ${f.where}`,
      );
  }
  const wall = performance.now() - began;
  const m = Math.floor(wall / 60_000);
  const s = Math.floor((wall % 60_000) / 1000);
  const over = wall > budget.wallMs ? ` (over the budget of ${budget.wallMs / 60_000} min)` : "";
  console.log(`wall time: ${m} min ${s} s${over}`);
}

/** `12.3 s` */
function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}
