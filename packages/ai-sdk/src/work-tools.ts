// The follow-up tools of the work this agent started, as AI SDK tools: `check_delegation`,
// `wait_for_delegation`, `cancel_delegation`, `list_delegations` (core's steps, this package's
// tool wrapper). Only this agent's own delegations and held tasks are reachable (core decides).
import {
  CANCEL_WORK_DESCRIPTION,
  CANCEL_WORK_TOOL_NAME,
  cancelWorkStep,
  CHECK_WORK_DESCRIPTION,
  CHECK_WORK_TOOL_NAME,
  checkWorkStep,
  failedStepAnswer,
  LIST_WORK_DESCRIPTION,
  LIST_WORK_TOOL_NAME,
  listWorkStep,
  toolClientOf,
  WAIT_WORK_DESCRIPTION,
  WAIT_WORK_TOOL_NAME,
  waitWorkStep,
  WorkLedger,
  type ToolStep,
  type WorkArtifact,
  type WorkClient,
  type WorkToolsOptions,
} from "@molecule-ai/agent-core/peer-tools";
import {
  listWorkInputSchema,
  waitWorkInputSchema,
  workIdInputSchema,
} from "@molecule-ai/agent-core/peer-tools/schemas";
import { tool } from "ai";
import type { Tool } from "ai";
import type { AgentSource } from "./client.js";
import { toolOutputOf } from "./peer-tool.js";

/** A follow-up tool's result: the text the model sees, and what it was read from. */
export interface WorkToolOutput {
  /** False for a refusal or a failure the model sees as an error. */
  ok: boolean;
  /** What the model sees (peer text spotlit). */
  text: string;
  /** The task or delegation rows read (absent on a failure). */
  artifact?: WorkArtifact;
}

/** A follow-up tool. */
export type WorkTool = Tool<Record<string, unknown>, WorkToolOutput>;

/** The four follow-up tools, by name. */
export type WorkToolSet = Record<string, WorkTool>;

/** A step as the tool's output (a failure the model may see as `ok: false`; others throw). */
function outputOf(step: ToolStep<WorkArtifact>, options: WorkToolsOptions): WorkToolOutput {
  if (step.ok) return { ok: true, text: step.text, artifact: step.artifact };
  return { ok: false, text: failedStepAnswer(step, options.onError ?? "return").content };
}

/** What the model sees of a follow-up tool's output: its text, as an error for a failure. */
function toModelOutput(call: unknown) {
  const output = toolOutputOf<WorkToolOutput>(call as WorkToolOutput);
  return { type: output.ok ? "text" : "error-text", value: output.text } as const;
}

/**
 * The four follow-up tools over one ledger of held tasks (`options.ledger`, else a new one: give
 * the same ledger to your peer tools, `peerTool(agent, peer, { ledger })`, so the tasks they are
 * answered with can be followed). `peerTools(agent, { delegations: true })` adds them for you.
 */
export function workTools(
  source: WorkClient | AgentSource,
  options: WorkToolsOptions = {},
): WorkToolSet {
  const client = toolClientOf<WorkClient>(source, ["listDelegations", "peerTasks"], "workTools");
  const ledger = options.ledger ?? new WorkLedger();
  const { names = {}, maxWaitMs, pollMs } = options;
  const metadata = { molecule: { builtin: "work" } };
  const check = names.check ?? CHECK_WORK_TOOL_NAME;
  const wait = names.wait ?? WAIT_WORK_TOOL_NAME;
  const cancel = names.cancel ?? CANCEL_WORK_TOOL_NAME;
  const list = names.list ?? LIST_WORK_TOOL_NAME;
  return {
    [check]: tool({
      description: CHECK_WORK_DESCRIPTION,
      inputSchema: workIdInputSchema,
      metadata,
      execute: async (input, { abortSignal, toolCallId }) =>
        outputOf(
          await checkWorkStep(client, ledger, input, {
            toolName: check,
            toolCallId,
            signal: abortSignal,
          }),
          options,
        ),
      toModelOutput,
    }) as WorkTool,
    [wait]: tool({
      description: WAIT_WORK_DESCRIPTION,
      inputSchema: waitWorkInputSchema,
      metadata,
      execute: async (input, { abortSignal, toolCallId }) =>
        outputOf(
          await waitWorkStep(client, ledger, input, {
            toolName: wait,
            toolCallId,
            signal: abortSignal,
            maxWaitMs,
            pollMs,
          }),
          options,
        ),
      toModelOutput,
    }) as WorkTool,
    [cancel]: tool({
      description: CANCEL_WORK_DESCRIPTION,
      inputSchema: workIdInputSchema,
      metadata,
      execute: async (input, { abortSignal, toolCallId }) =>
        outputOf(
          await cancelWorkStep(client, ledger, input, {
            toolName: cancel,
            toolCallId,
            signal: abortSignal,
          }),
          options,
        ),
      toModelOutput,
    }) as WorkTool,
    [list]: tool({
      description: LIST_WORK_DESCRIPTION,
      inputSchema: listWorkInputSchema,
      metadata,
      execute: async (_input, { abortSignal, toolCallId }) =>
        outputOf(
          await listWorkStep(client, ledger, { toolName: list, toolCallId, signal: abortSignal }),
          options,
        ),
      toModelOutput,
    }) as WorkTool,
  };
}
