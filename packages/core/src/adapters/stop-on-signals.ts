// A clean stop on the signals that end a process: Ctrl-C (SIGINT) and what Docker, Kubernetes and
// systemd send (SIGTERM; Node's default ends the process at once, mid-message, before the cursor
// and the reply outbox are saved). The first signal stops the agent within the timeout (running
// handlers finish and their answers are sent, state is saved) and the process exits 0; a second
// signal, or a stop that takes longer than the timeout, exits at once. An agent that stops itself
// because the platform rejected its token, or on an error, ends the process with exit code 1 and
// one line saying why, so a supervisor (`Restart=on-failure`, a container's restart policy) sees it.
import { exitProcess, hasSignals, onSignal, setExitCode, writeStderr } from "../runtime/index.js";
import { MoleculeOptionError } from "../transport/index.js";

/** What {@link stopOnSignals} does. */
export interface StopOnSignalsOptions {
  /** The signals that stop the agent (default `["SIGINT", "SIGTERM"]`). */
  signals?: readonly string[] | undefined;
  /**
   * The stop's time (ms, default 25 000: inside Kubernetes' default 30 s grace period), given to
   * `agent.stop({ timeoutMs })`: running handlers may use all of it but a short reserve in which
   * their answers are sent. A stop that takes longer exits the process anyway, with code 1.
   */
  timeoutMs?: number | undefined;
  /**
   * Whether the process ends once the agent stopped (default true: exit code 0, and anything else
   * still holding the process open, such as an HTTP server, is not waited for beyond a second).
   * `false`: only the agent stops; the app ends the process itself.
   */
  exit?: boolean | undefined;
}

/** What a second signal exits with (128 + the signal's number, as a shell reports it). */
const SIGNAL_EXIT: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
/**
 * The time a stop on a signal gets by default (ms): inside the 30 s a container gets between
 * SIGTERM and SIGKILL (Kubernetes' default grace period, `docker stop`'s is 10 s).
 */
export const SIGNAL_STOP_MS = 25_000;
/** How long the process may go on after the agent stopped before it is ended (`exit: true`). */
const EXIT_GRACE_MS = 1_000;

/**
 * Stops `agent` cleanly on SIGINT and SIGTERM (or `options.signals`): the first signal calls
 * `agent.stop({ timeoutMs })` (running handlers finish within it and their answers are sent, the
 * cursor and the reply outbox are saved) and then the process exits 0; a second signal, or a stop
 * longer than `timeoutMs`, exits at once. An agent that stops itself as `unauthorized` or on an
 * `error` (its `done`) sets exit code 1 and prints why. Returns a function
 * that removes the listeners. Does nothing where the runtime has no process signals (the edge
 * build).
 *
 * @example
 * await agent.start();
 * stopOnSignals(agent);
 */
export function stopOnSignals(
  agent: {
    stop(options?: { timeoutMs?: number | undefined }): Promise<void>;
    /** How the agent ended (`RemoteAgent.done`): a stop of its own says why in the exit code. */
    readonly done?: Promise<{ reason: string; error?: unknown }>;
  },
  options: StopOnSignalsOptions = {},
): () => void {
  const { signals = ["SIGINT", "SIGTERM"], timeoutMs = SIGNAL_STOP_MS, exit = true } = options;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new MoleculeOptionError(
      "timeoutMs",
      `stopOnSignals: timeoutMs must be a positive number of milliseconds (got ${timeoutMs}).`,
    );
  }
  if (!hasSignals) return () => undefined;
  let stopping = false;
  let removed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = (ms: number, run: () => void): void => {
    clearTimeout(timer);
    timer = setTimeout(run, ms);
    timer.unref?.(); // fires only while something else still holds the process open
  };
  const onStop = (signal: string): void => {
    if (stopping) {
      writeStderr(`${signal} again: exiting now\n`);
      dispose();
      exitProcess(SIGNAL_EXIT[signal] ?? 1);
      return;
    }
    stopping = true;
    later(timeoutMs, () => {
      writeStderr(`the agent did not stop within ${timeoutMs} ms of ${signal}: exiting\n`);
      exitProcess(1);
    });
    void agent.stop({ timeoutMs }).then(
      () => {
        clearTimeout(timer);
        dispose();
        if (!exit) return;
        setExitCode(0);
        later(EXIT_GRACE_MS, () => exitProcess(0));
      },
      (err: unknown) => {
        clearTimeout(timer);
        dispose();
        writeStderr(
          `the agent's stop failed: ${err instanceof Error ? err.message : String(err)}\n`,
        );
        if (exit) exitProcess(1);
      },
    );
  };
  const removers = signals.map((s) => onSignal(s, onStop));
  // Stopped by itself (not by a signal): "unauthorized" or "error" is a failure, exit code 1.
  void agent.done?.then(({ reason, error }) => {
    if (stopping || removed || (reason !== "unauthorized" && reason !== "error")) return;
    dispose();
    const why = error instanceof Error ? `: ${error.message}` : "";
    writeStderr(`the agent stopped itself (${reason})${why}\n`);
    setExitCode(1);
    if (exit) later(EXIT_GRACE_MS, () => exitProcess(1));
  });
  function dispose(): void {
    for (const remove of removers.splice(0)) remove();
  }
  return () => {
    removed = true;
    dispose();
    if (!stopping) clearTimeout(timer);
  };
}
