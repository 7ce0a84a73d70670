// Starting on a paused workspace. Registering sets a workspace online, so an agent started while
// its workspace is paused (on the canvas) would silently resume it. Before registering, `start()`
// reads the workspace's state and, as `whenPaused` says, refuses (the default), waits until the
// workspace is resumed, or resumes it (registers anyway). The platform's own
// `POST /workspaces/:id/resume` refuses external workspaces on the April 2026 server (503
// "provisioner not available"), so registering is the resume that works on both contracts.
import { type Logger, MoleculeError, sleep } from "../../transport/index.js";
import type { AgentPlatformClient } from "../types.js";
import type { StartStep } from "./lifecycle.js";
import type { StartTurn } from "./start-gate.js";

/** What `start()` does when the workspace is paused: see `RemoteAgentOptions.whenPaused`. */
type WhenPaused = "refuse" | "wait" | "resume";

/** `start()` refused to resume a paused workspace (`whenPaused: "refuse"`, the default). */
function pausedError(workspaceId: string): MoleculeError {
  return new MoleculeError(
    `workspace ${workspaceId} is paused, and starting would resume it: to resume it, start ` +
      'with whenPaused: "resume" (molecule-agent connect --resume, or MOLECULE_RESUME=1); to ' +
      'wait until it is resumed elsewhere, whenPaused: "wait"',
    { code: "workspace_paused", retryable: false },
  );
}

/** How often `whenPaused: "wait"` reads the state (ms). */
const WAIT_MS = 5_000;

/**
 * Resolves when the agent may register: at once with `"resume"` or when the workspace is not
 * paused; with `"wait"`, once it is no longer paused (its start-gate turn is given back while it
 * waits); with `"refuse"`, throws a `MoleculeError` `workspace_paused` if it is paused.
 */
export async function unlessPaused(o: {
  client: AgentPlatformClient;
  whenPaused: WhenPaused | undefined;
  step: StartStep;
  signal: AbortSignal;
  turn: StartTurn;
  logger: Logger;
  intervalMs?: number | undefined;
}): Promise<void> {
  const when = o.whenPaused ?? "refuse";
  if (when === "resume") return;
  for (let waited = false; ; waited = true) {
    const state = await o.step("state check", (signal) => o.client.getState({ signal }));
    if (!state.paused) return;
    if (when === "refuse") throw pausedError(o.client.workspaceId);
    if (!waited) {
      o.logger.info?.(
        `workspace ${o.client.workspaceId} is paused: waiting until it is resumed before registering`,
      );
    }
    o.turn.give();
    await sleep(o.intervalMs ?? WAIT_MS, o.signal);
    await o.turn.take(o.signal);
  }
}
