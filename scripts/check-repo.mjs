#!/usr/bin/env node
// The checks over the whole repository (`./dev test` runs them as turbo's root task `check:repo`,
// once every published package is built and packed: they read the built declarations and the
// packed tarballs): each check at once, each one's output printed in turn when all have ended,
// then the failed ones named; exits 1 when any failed.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

// The layer rules (docs/architecture.md), the public API reports (etc/*.api.md) and unused files,
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
process.exitCode = failedChecks.length > 0 ? 1 : 0;

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
