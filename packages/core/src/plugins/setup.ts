// Running a plugin's optional setup.sh: opt-in, time-limited, output captured.
import { spawn } from "node:child_process";

/** Default time limit of a plugin's `setup.sh`. */
export const DEFAULT_SETUP_TIMEOUT_MS = 120_000;
const MAX_OUTPUT_BYTES = 1024 * 1024;
const KILL_GRACE_MS = 2_000;
const INHERITED_ENV = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TMPDIR", "TZ"];

/** Outcome of a plugin's `setup.sh`. */
export interface PluginSetupResult {
  /** True when the script exited with status 0 within the time limit. */
  ok: boolean;
  /** Exit status, or null when the script was killed or could not start. */
  exitCode: number | null;
  /** The signal that ended the script, if any. */
  signal: NodeJS.Signals | null;
  /** True when the time limit was reached and the script was killed. */
  timedOut: boolean;
  /** Captured standard output (the first 1 MiB). */
  stdout: string;
  /** Captured standard error (the first 1 MiB). */
  stderr: string;
  /** Wall time in milliseconds. */
  durationMs: number;
  /** Why the script could not start or was stopped (bash missing, aborted), if so. */
  error?: string;
}

/** Options of {@link runPluginSetup}. */
export interface RunPluginSetupOptions {
  /** Time limit in milliseconds (default {@link DEFAULT_SETUP_TIMEOUT_MS}); the script's process group is then killed. */
  timeoutMs?: number;
  /**
   * Environment of the script. Default: only PATH, HOME, USER, LOGNAME, LANG, LC_ALL, TMPDIR and TZ
   * from this process (never the agent's secrets), plus MOLECULE_PLUGIN_NAME and MOLECULE_PLUGIN_DIR.
   */
  env?: Record<string, string | undefined>;
  /** Kills the script when aborted. */
  signal?: AbortSignal;
  /** The plugin name, exported as MOLECULE_PLUGIN_NAME. */
  name?: string;
}

/**
 * Runs `bash setup.sh` in `pluginDir` with a time limit, capturing its output. Never throws for a
 * failing script: the outcome is in the result.
 */
export async function runPluginSetup(
  pluginDir: string,
  options: RunPluginSetupOptions = {},
): Promise<PluginSetupResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SETUP_TIMEOUT_MS;
  const base: Record<string, string | undefined> = {};
  if (options.env) Object.assign(base, options.env);
  else for (const k of INHERITED_ENV) if (process.env[k] !== undefined) base[k] = process.env[k];
  const env = { ...base, MOLECULE_PLUGIN_DIR: pluginDir, MOLECULE_PLUGIN_NAME: options.name ?? "" };
  const started = performance.now();
  const out = new Capture();
  const err = new Capture();
  let timedOut = false;
  let error: string | undefined;

  const child = spawn("bash", ["setup.sh"], {
    cwd: pluginDir,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: process.platform !== "win32",
  });
  child.stdout.on("data", (c: Buffer) => out.add(c));
  child.stderr.on("data", (c: Buffer) => err.add(c));

  let killTimer: NodeJS.Timeout | undefined;
  const killGroup = (sig: NodeJS.Signals, evenAfterExit = false): void => {
    if (child.pid === undefined || (!evenAfterExit && child.exitCode !== null)) return;
    try {
      if (process.platform !== "win32") process.kill(-child.pid, sig);
      else child.kill(sig);
    } catch {
      // already gone
    }
  };
  const stop = (reason: string): void => {
    error ??= reason;
    killGroup("SIGTERM");
    killTimer ??= setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop(`setup.sh did not finish within ${timeoutMs} ms and was killed`);
  }, timeoutMs);
  const onAbort = (): void => stop("setup.sh was stopped: the install was aborted");
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  let exitTimer: NodeJS.Timeout | undefined;
  const { code, sig } = await new Promise<{ code: number | null; sig: NodeJS.Signals | null }>(
    (resolve) => {
      child.once("error", (e) => {
        error ??= `could not run bash: ${e.message}`;
        resolve({ code: null, sig: null });
      });
      child.once("close", (c, s) => resolve({ code: c, sig: s }));
      // A background process holding the pipes open must not keep us waiting once bash exited.
      child.once("exit", (c, s) => {
        exitTimer = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          resolve({ code: c, sig: s });
        }, 500);
      });
    },
  );
  if (exitTimer) clearTimeout(exitTimer);
  clearTimeout(timer);
  if (killTimer) clearTimeout(killTimer);
  options.signal?.removeEventListener("abort", onAbort);
  // Reap anything the script left running in its process group.
  killGroup("SIGKILL", true);

  const result: PluginSetupResult = {
    ok: code === 0 && !timedOut && error === undefined,
    exitCode: code,
    signal: sig,
    timedOut,
    stdout: out.text(),
    stderr: err.text(),
    durationMs: Math.round(performance.now() - started),
  };
  if (error !== undefined) result.error = error;
  return result;
}

class Capture {
  #chunks: Buffer[] = [];
  #size = 0;
  add(chunk: Buffer): void {
    if (this.#size >= MAX_OUTPUT_BYTES) return;
    const part = chunk.subarray(0, MAX_OUTPUT_BYTES - this.#size);
    this.#chunks.push(part);
    this.#size += part.length;
  }
  text(): string {
    return Buffer.concat(this.#chunks).toString("utf8");
  }
}
