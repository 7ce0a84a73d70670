// Starting on a paused workspace. Before registering, `start()` reads the workspace's state and, as
// `whenPaused` says, refuses (the default), waits until the workspace is resumed, or resumes it.
// How a workspace is resumed depends on the platform: the April and May 2026 servers' register sets
// a paused workspace online (so an agent started while its workspace is paused on the canvas would
// silently resume it), and April's `POST /workspaces/:id/resume` refuses external workspaces (503
// "provisioner not available"); the August 2026 server's register leaves a paused workspace
// paused (registry.go's upsert, b7bf53f0), and its resume, which the workspace's own token may
// call, sets it `provisioning` until the agent registers. So resuming calls the resume, then
// registers; a 503 on a platform whose register does not resume is an error saying so.
import { type Logger, MoleculeError, sleep } from "../../transport/index.js";
import { hooksOf } from "../client-hooks.js";
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
 * waits); with `"refuse"`, throws a `MoleculeError` `workspace_paused` if it is paused. True when
 * it read the workspace's state (the agent's state checks go on from then).
 */
export async function unlessPaused(o: {
  client: AgentPlatformClient;
  whenPaused: WhenPaused | undefined;
  step: StartStep;
  signal: AbortSignal;
  turn: StartTurn;
  logger: Logger;
  intervalMs?: number | undefined;
}): Promise<boolean> {
  const when = o.whenPaused ?? "refuse";
  if (when === "resume") return await resumeIfPaused(o);
  for (let waited = false; ; waited = true) {
    const state = await o.step("state check", (signal) => o.client.getState({ signal }));
    if (!state.paused) return true;
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

/**
 * `whenPaused: "resume"`: when the workspace is paused, resumes it with its own token; where the
 * platform cannot (503), registering resumes it on the April 2026 contract, and on a newer one the
 * start fails with `resume_unavailable`. A client without the agent's hooks (not a `PlatformClient`)
 * registers, as on the earlier contracts.
 */
async function resumeIfPaused(o: {
  client: AgentPlatformClient;
  step: StartStep;
}): Promise<boolean> {
  const hooks = hooksOf(o.client);
  if (hooks === undefined) return false;
  const state = await o.step("state check", (signal) => o.client.getState({ signal }));
  if (!state.paused) return true;
  if (await o.step("resume", (signal) => hooks.resume(signal))) return true;
  const contract = await o.step("capability probe", (signal) =>
    o.client.capabilities({ signal, events: false }),
  );
  if (contract.cursors !== true) return true; // the April 2026 contract (no cursors): its register resumes
  throw new MoleculeError(
    `workspace ${o.client.workspaceId} is paused, and the platform could not resume it (503 ` +
      '"provisioner not available": it resumes a workspace by provisioning it); on this platform ' +
      "registering does not resume a paused workspace. Resume it on a platform with a " +
      "provisioner (a hosted tenant's canvas or API), then start the agent again",
    { code: "resume_unavailable", retryable: false },
  );
}
