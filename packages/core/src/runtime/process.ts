// What core asks of the process: warnings, the default logger's stderr and the runtime's name for
// the User-Agent. Node's `process` on Node, Bun and Deno; the edge build swaps in process.web.ts
// (Next's edge runtime has a `process` whose functions throw, workerd's may have none).

/** How a warning is named: its type (e.g. `"MoleculeStoreWarning"`) or its code and type. */
export type WarningOptions = string | { code?: string; type?: string };

/** Emits a process warning (printed unless the process silences warnings). */
export const emitWarning = (warning: string | Error, options?: WarningOptions): void =>
  process.emitWarning(warning, options as string);

/** Writes `text` to stderr. */
export const writeStderr = (text: string): void => void process.stderr.write(text);

/** The environment variable `name`, if set. */
export const envVar = (name: string): string | undefined => process.env[name];

/** Runs `callback` after the event loop's current phase (Node's `setImmediate`). */
export const setImmediate = (callback: () => void): void => void globalThis.setImmediate(callback);

/** Whether this runtime has a file system the file stores can use (fs.ts). */
export const hasFileSystem = true;

/** This process's id (file stores name their temporary files with it). */
export const PROCESS_ID: number = process.pid;

/** Whether a process with this id runs (a state folder's lock names its holder by pid). */
export const isProcessAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0); // signal 0: checks only
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // alive, owned by another user
  }
};

/** This machine's host name (a state folder's lock names its holder's host). */
export const hostName = (): string => process.getBuiltinModule("node:os").hostname();

/**
 * This boot of this machine's kernel (Linux: `/proc/sys/kernel/random/boot_id`), `undefined`
 * elsewhere. Processes with the same boot id share one monotonic clock ({@link monotonicMs}),
 * whatever their PID namespace or container.
 */
export const machineBootId = (): string | undefined => {
  try {
    const id = process.getBuiltinModule("node:fs").readFileSync("/proc/sys/kernel/random/boot_id");
    return id.toString("utf8").trim() || undefined;
  } catch {
    return undefined;
  }
};

/** The machine's monotonic clock in ms (CLOCK_MONOTONIC: one clock per boot, never stepped). */
export const monotonicMs = (): number => Number(process.hrtime.bigint() / 1000n) / 1000;

/** The runtime and its version, for the User-Agent: `node/<version>`. */
export const RUNTIME_NAME = `node/${process.versions.node}`;

/** The oldest Node.js the SDK supports (undici 8, the SDK's HTTP client, needs it). */
export const NODE_FLOOR = "22.19";

/**
 * This Node's version when it is older than {@link NODE_FLOOR}, else `undefined`. Bun and Deno
 * report a Node version of their own for compatibility and are not Node: never flagged.
 */
export const UNSUPPORTED_NODE: string | undefined = (() => {
  const versions = process.versions as NodeJS.ProcessVersions & { bun?: string; deno?: string };
  if (versions.bun !== undefined || versions.deno !== undefined) return undefined;
  const [major = 0, minor = 0] = versions.node.split(".").map(Number);
  return major < 22 || (major === 22 && minor < 19) ? versions.node : undefined;
})();

/** Whether this runtime delivers process signals (SIGINT, SIGTERM) to listeners. */
export const hasSignals = true;

/** Calls `listener` on each `signal` the process receives; returns what removes the listener. */
export const onSignal = (signal: string, listener: (signal: string) => void): (() => void) => {
  process.on(signal as NodeJS.Signals, listener);
  return () => void process.off(signal as NodeJS.Signals, listener);
};

/** The exit code the process ends with when nothing else sets one. */
export const setExitCode = (code: number): void => void (process.exitCode ??= code);

/** Ends the process now with `code`. */
export const exitProcess = (code: number): void => process.exit(code);
