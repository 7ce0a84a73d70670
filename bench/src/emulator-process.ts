// The platform emulator in its own process, so a benchmark's load does not share its event loop.
// BENCH_EMULATOR_NODE_ARGS (space-separated) adds Node flags to it, e.g. `--cpu-prof
// --cpu-prof-dir=/tmp/prof` to profile the emulator (Node refuses --cpu-prof in NODE_OPTIONS).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A running emulator process and where to reach it. */
export interface EmulatorProcess {
  /** The process (stop it with `child.kill("SIGTERM")`). */
  child: ChildProcess;
  /** The emulator's base URL. */
  url: string;
  /** Its admin token. */
  adminToken: string;
}

/**
 * Spawns `@molecule-ai/platform-emulator`'s `bin.js --port 0 ...args` (its stderr goes to this
 * process's) and resolves once it has printed its URL and admin token; rejects if it exits first.
 */
export async function spawnEmulator(args: readonly string[] = []): Promise<EmulatorProcess> {
  const bin = join(
    dirname(fileURLToPath(import.meta.resolve("@molecule-ai/platform-emulator"))),
    "bin.js",
  );
  const nodeArgs = (process.env.BENCH_EMULATOR_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, bin, "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const { url, adminToken } = await new Promise<{ url: string; adminToken: string }>(
    (resolve, reject) => {
      let out = "";
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (c: string) => {
        out += c;
        const u = /listening on (\S+)/.exec(out);
        const t = /admin token: (\S+)/.exec(out);
        if (u?.[1] !== undefined && t?.[1] !== undefined) resolve({ url: u[1], adminToken: t[1] });
      });
      child.once("exit", (code) => reject(new Error(`emulator exited early (${code})`)));
    },
  );
  return { child, url, adminToken };
}
