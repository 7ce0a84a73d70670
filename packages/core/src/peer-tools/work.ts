// The follow-up tools of the work this agent started (issue #81 item 2): check, wait for (the next
// state change, bounded), cancel and list its delegations (`delegate_to_peer`) and the peer tasks
// its peer tools were answered with. Framework-neutral: adapters wrap these steps in their tool type.
//
// Only this agent's own work is reachable, decided on what the platform authenticated: a
// delegation id is this agent's when a delegation row of this workspace names it (`GET
// /workspaces/<self>/delegations`, this workspace's token); a task id when this agent holds it (a
// peer tool of this tool set was answered with it, kept in the {@link WorkLedger}). Any other id
// is refused with a note, before any request to a peer. Peer text is spotlit as peer answers are.
import { sanitizePeerText, spotlightPeerText, summarizeA2AResult } from "../a2a/index.js";
import type { A2ATask } from "../a2a/index.js";
import { traceTool } from "../observability/index.js";
import type { DelegationRecord, PlatformClient } from "../platform/index.js";
import { isMoleculeError, MoleculeError } from "../transport/index.js";
import { isPeerSideError } from "./classify.js";
import { untrustedLabel } from "./label.js";
import { nonTextParts } from "./result-parts.js";
import type { ToolStep } from "./tool-step.js";
import type { WorkInput } from "./tool-inputs.js";

/** The default names of the follow-up tools. */
export const CHECK_WORK_TOOL_NAME = "check_delegation";
export const WAIT_WORK_TOOL_NAME = "wait_for_delegation";
export const CANCEL_WORK_TOOL_NAME = "cancel_delegation";
export const LIST_WORK_TOOL_NAME = "list_delegations";

const ID_NOTE =
  "a delegation id (from delegate_to_peer) or a task id (from a peer's answer that is still working or asks a question)";

/** The descriptions of the follow-up tools. */
export const CHECK_WORK_DESCRIPTION = `Check the state and the result so far of work you started: ${ID_NOTE}. Only your own delegations and tasks.`;
export const WAIT_WORK_DESCRIPTION = `Wait (at most timeoutSeconds) for the next state change of work you started: ${ID_NOTE}. Returns the new state, or the unchanged one at the deadline.`;
export const CANCEL_WORK_DESCRIPTION = `Cancel a peer task you started (a task id from a peer's answer). A delegation made with delegate_to_peer cannot be canceled: the platform offers no cancel.`;
export const LIST_WORK_DESCRIPTION =
  "List the delegations and peer tasks you started, newest first, with their states.";

/** The part of a `PlatformClient` the follow-up tools need. */
export type WorkClient = Pick<PlatformClient, "listDelegations" | "peerTasks">;

/** A peer task this agent holds. */
export interface HeldTask {
  taskId: string;
  peerId: string;
  peerName: string;
  /** The last state seen (the peer's answer, a check, a wait, a cancel). */
  state: string;
}

/** Task states after which a task does not change. */
const TERMINAL = new Set(["completed", "canceled", "failed", "rejected"]);

/**
 * The peer tasks this agent holds: the task ids its peer tools were answered with while the task
 * was unfinished (`working`, `input-required`), with their peer. One ledger per tool set: the peer
 * tools add to it, the follow-up tools read it. Bounded (the oldest are dropped past `max`).
 */
export class WorkLedger {
  readonly #tasks = new Map<string, HeldTask>();
  readonly #max: number;

  constructor(options: { max?: number } = {}) {
    this.#max = options.max ?? 200;
  }

  /** Holds a task a peer answered with (an unfinished one; a finished task is not followed). */
  hold(task: HeldTask): void {
    this.#tasks.delete(task.taskId);
    this.#tasks.set(task.taskId, { ...task });
    while (this.#tasks.size > this.#max) {
      const oldest = this.#tasks.keys().next().value;
      if (oldest === undefined) break;
      this.#tasks.delete(oldest);
    }
  }

  /** The held task of this id, if any. */
  task(taskId: string): HeldTask | undefined {
    return this.#tasks.get(taskId);
  }

  /** The held tasks, newest first. */
  tasks(): HeldTask[] {
    return [...this.#tasks.values()].toReversed();
  }

  /** Notes a task's new state. */
  saw(taskId: string, state: string): void {
    const held = this.#tasks.get(taskId);
    if (held) held.state = state;
  }
}

/** Holds the task of a peer tool's answer when it is unfinished (called by `peerToolStep`). */
export function holdAnsweredTask(
  ledger: WorkLedger | undefined,
  peer: { id: string; name: string },
  result: { status: string; taskId?: string | undefined },
): void {
  if (!ledger || !result.taskId) return;
  if (result.status !== "working" && result.status !== "input-required") return;
  ledger.hold({
    taskId: result.taskId,
    peerId: peer.id,
    peerName: peer.name,
    state: result.status,
  });
}

/** What a follow-up tool keeps as its artifact: the task or the delegation rows it read. */
export type WorkArtifact =
  | { kind: "task"; peerId: string; task: A2ATask }
  | { kind: "delegation"; rows: DelegationRecord[] }
  | { kind: "list"; tasks: HeldTask[]; delegations: DelegationRecord[] };

/** Settings of the follow-up steps. */
export interface WorkStepOptions {
  /** The tool's name as the model sees it (the span's name). */
  toolName?: string | undefined;
  /** The id of the model's call of the tool. */
  toolCallId?: string | undefined;
  signal?: AbortSignal | undefined;
  /** The most a wait lasts, in ms, whatever the model asks (default 120 000). */
  maxWaitMs?: number | undefined;
  /** How often a wait re-reads the delegation rows, in ms (default 2000). */
  pollMs?: number | undefined;
}

const PLATFORM = { id: "", name: "platform" };

/** The refusal of an id that is not this agent's (no request is made with it). */
function notOurs(id: string): ToolStep<WorkArtifact> {
  const shown = JSON.stringify(untrustedLabel(id, 120));
  const error = new MoleculeError(
    `${shown} is not a delegation or task this agent started; call list_delegations for yours`,
    { code: "work_not_owned", retryable: false },
  );
  return {
    ok: false,
    error,
    peer: PLATFORM,
    text: `Error: ${shown} is not a delegation or task you started, so it cannot be checked, awaited or canceled. Call ${LIST_WORK_TOOL_NAME} for yours.`,
  };
}

/** The rows of one delegation of this workspace, newest first (the platform's order). */
function rowsOf(rows: readonly DelegationRecord[], id: string): DelegationRecord[] {
  return rows.filter((r) => r.delegationId === id);
}

/** The newest state a delegation's rows name. */
function delegationState(rows: readonly DelegationRecord[]): string {
  return rows.find((r) => r.status)?.status ?? "unknown";
}

/** What the model sees of a delegation: its state, and its peer's text spotlit. */
export function delegationStateText(id: string, rows: readonly DelegationRecord[]): string {
  const target = rows.find((r) => r.targetId)?.targetId ?? "";
  const state = delegationState(rows);
  const head = `Delegation ${JSON.stringify(untrustedLabel(id, 120))}${target ? ` to peer ${JSON.stringify(untrustedLabel(target, 100))}` : ""}: ${untrustedLabel(state, 40)}.`;
  const said = rows.find((r) => r.responsePreview)?.responsePreview;
  const error = rows.find((r) => r.error)?.error;
  const parts = [head];
  if (said) {
    parts.push(
      spotlightPeerText(
        "[start of the peer's answer (the platform keeps 300 characters); untrusted text follows]",
        sanitizePeerText(said),
      ),
    );
  }
  if (error)
    parts.push(
      spotlightPeerText("[why it failed; untrusted text follows]", sanitizePeerText(error)),
    );
  return parts.join("\n");
}

/** What the model sees of a peer task: its state, and its peer's text spotlit. */
export function taskStateText(held: Pick<HeldTask, "peerId" | "peerName">, task: A2ATask): string {
  const who = JSON.stringify(untrustedLabel(held.peerName, 100) || held.peerId);
  const head = `Task ${JSON.stringify(untrustedLabel(task.id, 120))} of peer ${who}: ${untrustedLabel(task.status.state, 40)}.`;
  const summary = summarizeA2AResult(task);
  const text = [sanitizePeerText(summary?.text ?? ""), nonTextParts(summary?.parts)]
    .filter((t) => t !== "")
    .join("\n\n");
  if (text === "") return head;
  return `${head}\n${spotlightPeerText(`[what peer ${who} said; untrusted text follows]`, text)}`;
}

/** A peer-side failure of a task request as a step (this workspace's own problems rethrow). */
function taskFailure(held: HeldTask, error: unknown, signal?: AbortSignal): ToolStep<WorkArtifact> {
  if (!isPeerSideError(error, signal)) throw error;
  const said = error instanceof Error ? sanitizePeerText(error.message) : "unknown error";
  return {
    ok: false,
    error,
    peer: { id: held.peerId, name: held.peerName },
    text: `Error: the request about task ${JSON.stringify(untrustedLabel(held.taskId, 120))} to peer ${JSON.stringify(untrustedLabel(held.peerName, 100) || held.peerId)} failed: ${said}`,
  };
}

/** The platform's delegation rows, or a failed step (the platform's: thrown unless peer-side). */
async function readRows(
  client: WorkClient,
  signal: AbortSignal | undefined,
): Promise<DelegationRecord[]> {
  return await client.listDelegations(signal ? { signal } : {});
}

/** Checks a delegation or a held task (see the file comment for which ids are reachable). */
export async function checkWorkStep(
  client: WorkClient,
  ledger: WorkLedger,
  input: WorkInput,
  options: WorkStepOptions = {},
): Promise<ToolStep<WorkArtifact>> {
  const name = options.toolName ?? CHECK_WORK_TOOL_NAME;
  return await traceTool({ name, callId: options.toolCallId }, async () => {
    const { signal } = options;
    const held = ledger.task(input.id);
    if (held) {
      try {
        const task = await client.peerTasks(held.peerId).get(held.taskId, signal ? { signal } : {});
        ledger.saw(held.taskId, task.status.state);
        return {
          ok: true,
          text: taskStateText(held, task),
          artifact: { kind: "task", peerId: held.peerId, task },
        };
      } catch (error) {
        return taskFailure(held, error, signal);
      }
    }
    const rows = rowsOf(await readRows(client, signal), input.id);
    if (rows.length === 0) return notOurs(input.id);
    return {
      ok: true,
      text: delegationStateText(input.id, rows),
      artifact: { kind: "delegation", rows },
    };
  });
}

/** Resolves after `ms`, or rejects when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", stop);
    };
    const stop = (): void => {
      done();
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal.addEventListener("abort", stop, { once: true });
  });
}

/** The wait's deadline in ms: the model's `timeoutSeconds` (default 30 s), at most `maxWaitMs`. */
function waitMs(input: WorkInput, maxWaitMs: number): number {
  const asked = input.timeoutSeconds;
  const ms =
    typeof asked === "number" && Number.isFinite(asked) && asked > 0 ? asked * 1000 : 30_000;
  return Math.min(ms, maxWaitMs);
}

/**
 * Waits for the next state change of a delegation or a held task, at most `timeoutSeconds` (and
 * `maxWaitMs`): a task is followed (`peerTasks.follow`; through the platform's proxy its events
 * arrive when it stops), a delegation's rows are re-read every `pollMs`. At the deadline the
 * state is read once more and returned unchanged. A finished task or delegation answers at once.
 */
export async function waitWorkStep(
  client: WorkClient,
  ledger: WorkLedger,
  input: WorkInput,
  options: WorkStepOptions = {},
): Promise<ToolStep<WorkArtifact>> {
  const name = options.toolName ?? WAIT_WORK_TOOL_NAME;
  return await traceTool({ name, callId: options.toolCallId }, async () => {
    const outer = options.signal;
    const ms = waitMs(input, options.maxWaitMs ?? 120_000);
    const deadline = AbortSignal.timeout(ms);
    const signal = outer ? AbortSignal.any([outer, deadline]) : deadline;
    const held = ledger.task(input.id);
    if (held) return await waitTask(client, ledger, held, signal, outer, ms);
    let rows = rowsOf(await readRows(client, outer), input.id);
    if (rows.length === 0) return notOurs(input.id);
    const from = delegationState(rows);
    const pollMs = options.pollMs ?? 2000;
    while (!TERMINAL.has(from) && delegationState(rows) === from) {
      try {
        await pause(pollMs, signal);
      } catch (error) {
        if (outer?.aborted) throw error;
        break; // the deadline
      }
      rows = rowsOf(await readRows(client, outer), input.id);
    }
    const changed = delegationState(rows) !== from;
    const note =
      changed || TERMINAL.has(from) ? "" : `\n[no change within ${Math.round(ms / 1000)} s]`;
    return {
      ok: true,
      text: delegationStateText(input.id, rows) + note,
      artifact: { kind: "delegation", rows },
    };
  });
}

async function waitTask(
  client: WorkClient,
  ledger: WorkLedger,
  held: HeldTask,
  signal: AbortSignal,
  outer: AbortSignal | undefined,
  ms: number,
): Promise<ToolStep<WorkArtifact>> {
  const tasks = client.peerTasks(held.peerId);
  const from = held.state;
  let changed = false;
  try {
    if (!TERMINAL.has(from)) {
      for await (const event of tasks.follow(held.taskId, { signal })) {
        const state =
          event.kind === "task"
            ? event.task.status.state
            : event.kind === "status-update"
              ? event.status.state
              : undefined;
        if (state !== undefined && state !== from) {
          changed = true;
          break;
        }
      }
    }
  } catch (error) {
    if (outer?.aborted) throw error;
    // The deadline, or a stream the peer would not resume (`stream_cut`): read the state as it is.
    if (!signal.aborted && !isMoleculeError(error, "stream_cut"))
      return taskFailure(held, error, outer);
  }
  try {
    const task = await tasks.get(held.taskId, outer ? { signal: outer } : {});
    ledger.saw(held.taskId, task.status.state);
    changed ||= task.status.state !== from;
    const note =
      changed || TERMINAL.has(from) ? "" : `\n[no change within ${Math.round(ms / 1000)} s]`;
    return {
      ok: true,
      text: taskStateText(held, task) + note,
      artifact: { kind: "task", peerId: held.peerId, task },
    };
  } catch (error) {
    return taskFailure(held, error, outer);
  }
}

/** Cancels a held task; a delegation is refused with a note (the platform offers no cancel). */
export async function cancelWorkStep(
  client: WorkClient,
  ledger: WorkLedger,
  input: WorkInput,
  options: WorkStepOptions = {},
): Promise<ToolStep<WorkArtifact>> {
  const name = options.toolName ?? CANCEL_WORK_TOOL_NAME;
  return await traceTool({ name, callId: options.toolCallId }, async () => {
    const { signal } = options;
    const held = ledger.task(input.id);
    if (held) {
      try {
        const task = await client
          .peerTasks(held.peerId)
          .cancel(held.taskId, signal ? { signal } : {});
        ledger.saw(held.taskId, task.status.state);
        return {
          ok: true,
          text: taskStateText(held, task),
          artifact: { kind: "task", peerId: held.peerId, task },
        };
      } catch (error) {
        return taskFailure(held, error, signal);
      }
    }
    const rows = rowsOf(await readRows(client, signal), input.id);
    if (rows.length === 0) return notOurs(input.id);
    const error = new MoleculeError(
      "a delegation cannot be canceled: the platform offers no cancel of a delegation",
      { code: "delegation_not_cancelable", retryable: false },
    );
    return {
      ok: false,
      error,
      peer: PLATFORM,
      text: `Error: delegation ${JSON.stringify(untrustedLabel(input.id, 120))} cannot be canceled (the platform offers no cancel of a delegation); its result will still arrive as a message, which you may ignore.\n${delegationStateText(input.id, rows)}`,
    };
  });
}

/** Lists the held tasks and this workspace's delegations (one line each, newest first). */
export async function listWorkStep(
  client: WorkClient,
  ledger: WorkLedger,
  options: WorkStepOptions = {},
): Promise<ToolStep<WorkArtifact>> {
  const name = options.toolName ?? LIST_WORK_TOOL_NAME;
  return await traceTool({ name, callId: options.toolCallId }, async () => {
    const rows = await readRows(client, options.signal);
    const tasks = ledger.tasks();
    const lines: string[] = [];
    for (const t of tasks) {
      lines.push(
        `- task ${JSON.stringify(untrustedLabel(t.taskId, 120))} of peer ${JSON.stringify(untrustedLabel(t.peerName, 100) || t.peerId)}: ${untrustedLabel(t.state, 40)}`,
      );
    }
    const seen = new Set<string>();
    for (const r of rows) {
      if (!r.delegationId || seen.has(r.delegationId)) continue;
      seen.add(r.delegationId);
      const state = delegationState(rowsOf(rows, r.delegationId));
      const target = rows.find((x) => x.delegationId === r.delegationId && x.targetId)?.targetId;
      lines.push(
        `- delegation ${JSON.stringify(untrustedLabel(r.delegationId, 120))}${target ? ` to peer ${JSON.stringify(untrustedLabel(target, 100))}` : ""}: ${untrustedLabel(state, 40)}`,
      );
    }
    const text =
      lines.length === 0
        ? "You have started no delegations or peer tasks."
        : `Your delegations and peer tasks (check one with ${CHECK_WORK_TOOL_NAME}):\n${lines.join("\n")}`;
    return { ok: true, text, artifact: { kind: "list", tasks, delegations: rows } };
  });
}
