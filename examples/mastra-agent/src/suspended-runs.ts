// Mastra runs suspended for a person's approval, kept across a restart (issue #81): Mastra resumes
// a run only from the workflow snapshots in its storage, and the example's `InMemoryStore` loses
// them with the process. So the snapshots of a suspended run are kept in the agent's store, in the
// record of the call the person is asked about (core's `PendingToolCalls`, its `run`), and put back
// into Mastra's storage when the message comes again after a restart; `approveToolCall` /
// `declineToolCall` then resume the very run that suspended.
import { MoleculeError } from "@molecule-ai/agent-core";
import type { Mastra } from "@mastra/core";
import { waitForSuspendedSnapshot } from "@mastra/core/workflows";
import type { WorkflowRunState } from "@mastra/core/workflows";

/** A run suspended on one tool call, as kept in the record's `run` (JSON). */
export interface SuspendedRun {
  runId: string;
  toolCallId: string;
  /** Mastra's workflow snapshots of the run (its outer and its agentic-loop workflow). */
  rows: { workflowName: string; resourceId?: string; snapshot: WorkflowRunState | string }[];
}

/** The prefix of the keys this example keeps its calls under (`mastra:<runId>:<toolCallId>`). */
export const CALL_KEY_PREFIX = "mastra:";

/** The key a suspended call is asked about and kept under. */
export function callKey(runId: string, toolCallId: string): string {
  return `${CALL_KEY_PREFIX}${runId}:${toolCallId}`;
}

async function workflowsOf(mastra: Mastra) {
  const store = await mastra.getStorage()?.getStore("workflows");
  if (!store) {
    throw new MoleculeError(
      "startMastraAgent: the Mastra instance has no workflow storage, so a suspended run cannot be kept or resumed; register the agent with a Mastra instance that has storage",
      { code: "invalid_state", retryable: false },
    );
  }
  return store;
}

/** The suspended run's snapshots read from Mastra's storage, as the string the record keeps. */
export async function saveRun(mastra: Mastra, runId: string, toolCallId: string): Promise<string> {
  const store = await workflowsOf(mastra);
  const { runs } = await store.listWorkflowRuns({});
  const rows: SuspendedRun["rows"] = [];
  for (const r of runs.filter((r) => r.runId === runId)) {
    // Settled as Mastra settles it before a resume (a snapshot still `running` is read again,
    // within Mastra's 2 s), so the snapshot kept is the suspended one.
    const snapshot = (await waitForSuspendedSnapshot(store, r.workflowName, runId)) ?? r.snapshot;
    rows.push({
      workflowName: r.workflowName,
      ...(r.resourceId === undefined ? {} : { resourceId: r.resourceId }),
      snapshot,
    });
  }
  return JSON.stringify({ runId, toolCallId, rows } satisfies SuspendedRun);
}

/** Puts a kept run's snapshots back into Mastra's storage; resolves with the run and its call. */
export async function restoreRun(mastra: Mastra, saved: string): Promise<SuspendedRun> {
  const run = JSON.parse(saved) as SuspendedRun;
  const store = await workflowsOf(mastra);
  for (const row of run.rows) {
    await store.persistWorkflowSnapshot({
      workflowName: row.workflowName,
      runId: run.runId,
      ...(row.resourceId === undefined ? {} : { resourceId: row.resourceId }),
      snapshot:
        typeof row.snapshot === "string"
          ? (JSON.parse(row.snapshot) as WorkflowRunState)
          : row.snapshot,
    });
  }
  return run;
}
