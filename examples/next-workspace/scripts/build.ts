// `next build` of the app with no Molecule environment, one build for everything that serves it:
// this example's tests and the serverless benchmark. `--if-stale` keeps a build whose recorded
// output (`.next/build-output.txt`) is newer than every input: the app's files and the `dist/` of
// the packages it bundles. In CI, turbo's `build:next` task builds once before both.
// Run: node scripts/build.ts [--if-stale]
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { newestChange } from "@internal/test-utils/newest-change";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outputFile = join(root, ".next", "build-output.txt");

/** The build's inputs: the app's own files and the built packages it imports. */
const INPUTS = [
  "app",
  "lib",
  "next.config.mjs",
  "package.json",
  "tsconfig.json",
  "tsconfig.next.json",
  "node_modules/@molecule-ai/agent-core/dist",
  "node_modules/@molecule-ai/postgres/dist",
];

/** Whether the recorded build is newer than every input. */
function fresh(): boolean {
  if (!existsSync(outputFile)) return false;
  return newestChange(INPUTS.map((p) => join(root, p))) < statSync(outputFile).mtimeMs;
}

/** The environment the app's commands get (`next build`, `next start`): no Molecule variable. */
export const baseEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "/tmp",
  CI: "true",
  NEXT_TELEMETRY_DISABLED: "1",
});

/**
 * Builds the app (unless `ifStale` and the recorded build is fresh): what `next build` printed,
 * and whether it ran now. Rejects with the output when the build fails; a failed build leaves no
 * record, so the next call builds again.
 */
export async function build(ifStale = false): Promise<{ output: string; built: boolean }> {
  if (ifStale && fresh()) return { output: await readFile(outputFile, "utf8"), built: false };
  await rm(outputFile, { force: true });
  const next = join(root, "node_modules", ".bin", "next");
  const child = spawn(next, ["build"], {
    cwd: root,
    env: baseEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  if (code !== 0) throw new Error(`next build exited ${code}:\n${output}`);
  await writeFile(outputFile, output);
  return { output, built: true };
}

if (import.meta.main) {
  try {
    const { output, built } = await build(process.argv.includes("--if-stale"));
    process.stdout.write(
      built ? output : "next build: the recorded build is newer than every input; kept\n",
    );
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 1;
  }
}
