// Running an example as a command: where to connect (MOLECULE_* variables), until when (a signal),
// and how it ended (the exit code).
import { createInterface } from "node:readline";
import { readMoleculeEnv } from "@molecule-ai/agent-core";
import { describeStartError, stopOnSignals } from "@molecule-ai/agent-core/adapters";
import type {
  AgentDoneResult,
  Logger,
  MoleculeEnv,
  RemoteAgentOptions,
} from "@molecule-ai/agent-core";

/** The workspace an example runs as on a real platform. */
export interface PlatformTarget {
  /** `MOLECULE_PLATFORM_URL`: the platform's base URL. */
  platformUrl: string;
  /** `MOLECULE_WORKSPACE_ID`: the workspace to run as. */
  workspaceId: string;
  /**
   * `MOLECULE_WORKSPACE_TOKEN`; when unset, the file `MOLECULE_WORKSPACE_TOKEN_FILE` names (read
   * again after a 401: a rotated token written there is used without a restart), else the token
   * saved at `~/.molecule/<id>/.auth_token`.
   */
  token: string | undefined;
  /** `MOLECULE_WORKSPACE_TOKEN_FILE`, when `token` is unset. */
  tokenFile: string | undefined;
  /** `MOLECULE_PUBLIC_URL`: where the platform reaches this agent (selects push delivery). */
  publicUrl: string | undefined;
  /** `MOLECULE_PORT`: the push endpoint's port (default: a free one). */
  port: number | undefined;
  /**
   * `MOLECULE_ORG_ID`: the organisation id a hosted (SaaS tenant) platform needs on every request
   * (sent as `X-Molecule-Org-Id`); unset for a self-hosted platform or the emulator.
   */
  orgId: string | undefined;
  /**
   * `MOLECULE_WHEN_PAUSED` (`refuse`, `wait`, `resume`) or `MOLECULE_RESUME=1` (`resume`): what
   * the agent does when its workspace is paused at start (default: refuse).
   */
  whenPaused: RemoteAgentOptions["whenPaused"];
}

/**
 * Reads the platform to connect to from `MOLECULE_PLATFORM_URL`, `MOLECULE_WORKSPACE_ID`,
 * `MOLECULE_WORKSPACE_TOKEN` (or `MOLECULE_WORKSPACE_TOKEN_FILE`), `MOLECULE_PUBLIC_URL`,
 * `MOLECULE_PORT` and `MOLECULE_ORG_ID` (`readMoleculeEnv`: the old names still work, with a
 * warning). Returns
 * `undefined` when none of the first three is set (the example runs offline); exits with code 2
 * and one line naming the variable when one of them is set and the platform URL or the workspace
 * id is missing, or the port is bad: a half-set environment is a mistake, never the offline demo.
 */
export function platformFromEnv(env: NodeJS.ProcessEnv = process.env): PlatformTarget | undefined {
  let read: MoleculeEnv;
  try {
    read = readMoleculeEnv(env);
  } catch (err) {
    console.error(String((err as Error).message));
    process.exit(2);
  }
  for (const warning of read.warnings) console.warn(`warning: ${warning}`);
  const { platformUrl, workspaceId, token, tokenFile, publicUrl, port, orgId } = read;
  if (!platformUrl && !workspaceId && !token && !tokenFile) return undefined;
  if (!platformUrl) {
    const set = workspaceId ? "MOLECULE_WORKSPACE_ID" : "MOLECULE_WORKSPACE_TOKEN";
    console.error(
      `Set MOLECULE_PLATFORM_URL to the platform's base URL (${set} is set, so this is no offline run; unset MOLECULE_WORKSPACE_ID and MOLECULE_WORKSPACE_TOKEN for the offline demo).`,
    );
    process.exit(2);
  }
  if (!workspaceId) {
    console.error(
      "Set MOLECULE_WORKSPACE_ID (and MOLECULE_WORKSPACE_TOKEN) to the workspace to run as.",
    );
    process.exit(2);
  }
  const when = env.MOLECULE_RESUME ? "resume" : env.MOLECULE_WHEN_PAUSED || undefined;
  if (when !== undefined && when !== "refuse" && when !== "wait" && when !== "resume") {
    console.error(
      `MOLECULE_WHEN_PAUSED must be refuse, wait or resume; got ${JSON.stringify(when)}`,
    );
    process.exit(2);
  }
  return { platformUrl, workspaceId, token, tokenFile, publicUrl, port, orgId, whenPaused: when };
}

/**
 * Runs `connect` (an example's start on a real platform); when the agent cannot start, prints one
 * line saying what to do (the words `molecule-agent connect` prints; `describeStartError`) and
 * exits 1, instead of a stack trace.
 */
export async function connectOrExit(
  target: PlatformTarget,
  connect: () => Promise<unknown>,
): Promise<void> {
  try {
    await connect();
  } catch (err) {
    const { platformUrl, workspaceId, token, tokenFile } = target;
    const named = { platformUrl, workspaceId, tokenFile: token ? undefined : tokenFile };
    console.error(describeStartError(err, named) ?? String(err));
    process.exit(1);
  }
}

/** A logger printing the SDK's info, warnings and errors to the console. */
export const consoleLogger: Logger = {
  info: console.info,
  warn: console.warn,
  error: console.error,
};

/** Resolves on Ctrl+C (SIGINT), SIGTERM, or when `other` settles; removes its signal listeners. */
export async function untilSignal(other?: Promise<unknown>): Promise<void> {
  let stop!: () => void;
  const signalled = new Promise<void>((resolve) => (stop = resolve));
  process.once("SIGINT", stop).once("SIGTERM", stop);
  await Promise.race(other ? [signalled, other] : [signalled]);
  process.off("SIGINT", stop).off("SIGTERM", stop);
}

/** A started example agent: its runtime (whose `done` says why it ended) and how to stop it. */
export interface RunningAgent {
  agent: { readonly done: Promise<AgentDoneResult> };
  /** Stops it, within `options.timeoutMs` when given (what `stopOnSignals` passes). */
  stop(options?: { timeoutMs?: number | undefined }): Promise<void>;
}

/**
 * Runs an agent until Ctrl+C, SIGTERM, or until it ends by itself (the platform paused or removed
 * the workspace, or rejected its token), then stops it, prints `Stopped (<reason>)` and sets
 * `process.exitCode`: 1 after an error or a rejected token, else 0. The signals go through core's
 * `stopOnSignals` (a second signal, or a stop longer than 25 s, exits at once). `banner` is printed
 * once the signal handlers are in place, so a Ctrl+C right after it always stops the agent cleanly.
 */
export async function runUntilSignal(
  running: RunningAgent,
  banner?: string,
): Promise<AgentDoneResult> {
  const removeHandlers = stopOnSignals(running, { exit: false });
  if (banner) console.log(banner);
  const end = await running.agent.done; // a signal stops it, or it ends by itself
  await running.stop(); // and whatever else the example runs
  removeHandlers();
  console.log(`Stopped (${end.reason})${end.error ? `: ${String(end.error)}` : ""}`);
  process.exitCode = end.reason === "error" || end.reason === "unauthorized" ? 1 : 0;
  return end;
}

/** Resolves or rejects as `promise` does, or rejects with `Error(message)` after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The `--keep` mode: prints `prompt`, then passes each non-empty line typed on stdin to `send`, one
 * at a time (a failure is printed, the next line still goes), until Ctrl+C, SIGTERM or the end of
 * input; resolves once the last line is handled.
 */
export async function sendTypedLines(
  prompt: string,
  send: (text: string) => Promise<void>,
): Promise<void> {
  console.log(prompt);
  const lines = createInterface({ input: process.stdin });
  let chain = Promise.resolve();
  lines.on("line", (line) => {
    const text = line.trim();
    if (text)
      chain = chain.then(() => send(text)).catch((err: unknown) => console.error(String(err)));
  });
  await untilSignal(new Promise((resolve) => lines.once("close", resolve)));
  lines.close();
  await chain;
}
