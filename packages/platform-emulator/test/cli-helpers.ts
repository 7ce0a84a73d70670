// Spawning `molecule-platform-emulator` (the built bin, dist/bin.js, as npm links it: the test task
// runs after the package's build) and reading its output.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { onTestFinished } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Starts the command with `args` (killed after the test if still running). The kill is the test's
 * own hook: this module is loaded once per worker, which runs several files, so a hook it
 * registered when first loaded would belong to the first file only.
 */
export function run(args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [join(here, "..", "dist", "bin.js"), ...args], {
    stdio: "pipe",
  });
  onTestFinished(() => void (child.exitCode === null && child.kill("SIGKILL")));
  return child;
}

/** Resolves with stdout once it holds `n` complete lines (the first `n`). */
export function firstLines(child: ChildProcessWithoutNullStreams, n: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (c: string) => {
      out += c;
      const lines = out.split("\n");
      if (lines.length > n) resolve(lines.slice(0, n));
    });
    child.once("exit", (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
}

/** The exit code, once the process has exited. */
export function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
}

/** Everything written to stderr until exit. */
export function stderrOf(child: ChildProcessWithoutNullStreams): () => string {
  let err = "";
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  return () => err;
}
