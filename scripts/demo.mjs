#!/usr/bin/env node
// `pnpm demo [--keep] [--compat latest|2026-04|2026-08]` (what `./dev demo` runs): builds the packages the
// demo needs (turbo: a cache hit when nothing changed), then runs the demo's built entry point.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);

if (!args.includes("--help") && !args.includes("-h")) {
  process.stderr.write(
    "[demo] building the packages the demo needs (cached after the first run)…\n",
  );
  const build = spawnSync(
    "pnpm",
    ["exec", "turbo", "run", "build", "--filter=@example/demo...", "--output-logs=errors-only"],
    { cwd: root, encoding: "utf8", env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" } },
  );
  if (build.status !== 0) {
    process.stderr.write(build.stdout ?? "");
    process.stderr.write(build.stderr ?? "");
    process.stderr.write(
      `[demo] the build failed (${build.error?.message ?? `exit ${build.status}`}); see above\n`,
    );
    process.exit(1);
  }
}

const demo = spawnSync(
  process.execPath,
  [fileURLToPath(new URL("../examples/demo/dist/cli.js", import.meta.url)), ...args],
  { cwd: root, stdio: "inherit" },
);
if (demo.error) {
  process.stderr.write(`[demo] could not start the demo: ${demo.error.message}\n`);
  process.exit(1);
}
process.exit(demo.status ?? 1);
