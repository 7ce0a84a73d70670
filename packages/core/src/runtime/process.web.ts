// process.ts for the edge build (`dist/edge/`): the console in place of process warnings and stderr.
export function emitWarning(
  warning: string | Error,
  options?: string | { code?: string; type?: string },
): void {
  const type = typeof options === "string" ? options : (options?.type ?? "Warning");
  const code = typeof options === "object" && options.code ? ` [${options.code}]` : "";
  console.warn(
    `(molecule) ${type}${code}: ${typeof warning === "string" ? warning : warning.message}`,
  );
}

export const writeStderr = (text: string): void => console.error(text.replace(/\n$/, ""));

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;

/** `process.env[name]` where the runtime has a `process` (Next's edge runtime, workerd with
 * `nodejs_compat`), else `undefined`. */
export const envVar = (name: string): string | undefined => env?.[name];

/** No file system here: the file stores refuse (fs.web.ts). */
export const hasFileSystem = false;

/** Runs `callback` on a later turn (no `setImmediate` here). */
export const setImmediate = (callback: () => void): void => void setTimeout(callback, 0);

/** No process id here (nothing uses it: there is no file system). */
export const PROCESS_ID = 0;

/** No processes to look up here (nothing uses it: there is no file system). */
export const isProcessAlive = (_pid: number): boolean => false;

/** No host here (nothing uses it: there is no file system). */
export const hostName = (): string => "";

/** No boot id here (nothing uses it: there is no file system). */
export const machineBootId = (): string | undefined => undefined;

/** A monotonic clock (nothing uses it: there is no file system). */
export const monotonicMs = (): number => performance.now();

const g = globalThis as { navigator?: { userAgent?: unknown }; EdgeRuntime?: unknown };

/** `edge-light` (Next's edge runtime), `Cloudflare-Workers` or the navigator's user agent. */
export const RUNTIME_NAME =
  typeof g.EdgeRuntime === "string"
    ? "edge-light"
    : typeof g.navigator?.userAgent === "string"
      ? g.navigator.userAgent
      : "web";

/** The oldest Node.js the SDK supports (the edge build runs on no Node). */
export const NODE_FLOOR = "22.19";

/** Never flagged: the edge build does not run on Node. */
export const UNSUPPORTED_NODE: string | undefined = undefined;

/** No process signals here: `stopOnSignals` does nothing. */
export const hasSignals = false;

/** No process signals here. */
export const onSignal =
  (_signal: string, _listener: (signal: string) => void): (() => void) =>
  () =>
    undefined;

/** No process to end here. */
export const setExitCode = (_code: number): void => undefined;

/** No process to end here. */
export const exitProcess = (_code: number): void => undefined;
