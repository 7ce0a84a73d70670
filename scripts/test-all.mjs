#!/usr/bin/env node
// The repository's whole check: lint + format, typecheck, build, package gates (publint, attw),
// every package's tests (including the consumer smoke tests), then the layer rules
// (dependency-cruiser) and the public API reports (API Extractor). Prints the five slowest test
// files and the wall time, then `N passed, N failed, N skipped` summed from each package's Vitest
// JSON report (after the name of each failed test, and of each test that passed only on a retry)
// and exits non-zero when any step failed.
import { spawn, spawnSync } from "node:child_process";
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
    "--continue",
    // Three lanes on two cores: most test tasks wait on sockets, timers and child processes.
    "--concurrency=3",
    ...extra,
  ],
  { cwd: root, stdio: "inherit" },
);

// Checks over the whole repository, after the build (they read the built declarations): the
// layer rules (docs/architecture.md), the public API reports (etc/*.api.md) and unused files,
// exports and dependencies (knip.ts).
const checks = [
  [
    "layers",
    "pnpm",
    [
      "exec",
      "depcruise",
      "--config",
      ".dependency-cruiser.cjs",
      "--output-type",
      "err",
      "packages/*/src",
    ],
  ],
  ["public API", "node", ["scripts/check-api.mjs"]],
  ["unused code", "pnpm", ["exec", "knip", "--no-progress"]],
  // What npm needs to accept a publish with provenance, and each tarball through
  // `npm publish --dry-run` (scripts/check-release.mjs).
  ["release", "node", ["scripts/check-release.mjs"]],
  // The GitHub Actions workflows (`./dev test` installs actionlint into .tools; shellcheck and
  // pyflakes are left out so that the result does not depend on what else the machine has).
  [
    "workflows",
    process.env.MOLECULE_ACTIONLINT || join(root, ".tools", "actionlint", "bin", "actionlint"),
    [
      "-shellcheck=",
      "-pyflakes=",
      ...readdirSync(join(root, ".github", "workflows"))
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => join(".github", "workflows", f)),
    ],
  ],
];
const hints = {
  workflows:
    "actionlint found problems in .github/workflows (listed above), or is not installed: `./dev test` " +
    "builds it into .tools/actionlint with `go install` (Go >= 1.21 needed on the machine).",
  release:
    "a published package is not ready for `npm publish --provenance` (listed above): see the " +
    '"Releasing" section of the README.',
  "unused code":
    "knip found unused files, exports or dependencies (listed above): delete them (or drop the " +
    "`export`); if knip is wrong (used by path or by name at run time), add an entry or ignore " +
    "to knip.ts with a comment saying why.",
};
// The checks run at once (each reads the built files and writes only its own temporary folder);
// each one's output is printed in turn when all have ended.
const failedChecks = [];
const results = await Promise.all(checks.map(([, cmd, args]) => runCheck(cmd, args)));
checks.forEach(([label, cmd, args], i) => {
  console.log(`\n> ${label}: ${cmd} ${args.join(" ")}`);
  process.stdout.write(results[i].output);
  if (results[i].status !== 0) {
    failedChecks.push(label);
    if (hints[label]) console.error(hints[label]);
  }
});
if (failedChecks.length > 0) console.error(`failed checks: ${failedChecks.join(", ")}`);

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
const ok =
  turbo.status === 0 &&
  failedChecks.length === 0 &&
  failed === 0 &&
  missing.length === 0 &&
  passed > 0;
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

/** Runs one check; resolves with its exit status (null when it could not start) and its output. */
function runCheck(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    child.once("error", (error) =>
      resolve({ status: null, output: `${output}${error.message}\n` }),
    );
    child.once("close", (status) => resolve({ status, output }));
  });
}
