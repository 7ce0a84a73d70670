// The follow-up tools of the work this agent started, as LangChain tools: `check_delegation`,
// `wait_for_delegation`, `cancel_delegation`, `list_delegations` (core's steps, this package's
// tool wrapper). Only this agent's own delegations and held tasks are reachable (core decides).
import type { ToolMessage } from "@langchain/core/messages";
import type { DynamicStructuredTool } from "@langchain/core/tools";
import {
  CANCEL_WORK_DESCRIPTION,
  CANCEL_WORK_TOOL_NAME,
  cancelWorkStep,
  CHECK_WORK_DESCRIPTION,
  CHECK_WORK_TOOL_NAME,
  checkWorkStep,
  LIST_WORK_DESCRIPTION,
  LIST_WORK_TOOL_NAME,
  listWorkStep,
  toolClientOf,
  WAIT_WORK_DESCRIPTION,
  WAIT_WORK_TOOL_NAME,
  waitWorkStep,
  WorkLedger,
  type AgentSource,
  type PeerToolErrorArtifact,
  type WorkArtifact,
  type WorkClient,
  type WorkToolsOptions,
} from "@molecule-ai/agent-core/peer-tools";
import {
  listWorkInputSchema,
  waitWorkInputSchema,
  workIdInputSchema,
} from "@molecule-ai/agent-core/peer-tools/schemas";
import { moleculeTool } from "./tool-result.js";

/** A follow-up tool (`content_and_artifact`). */
export type WorkTool = DynamicStructuredTool<
  typeof workIdInputSchema | typeof waitWorkInputSchema | typeof listWorkInputSchema,
  Record<string, unknown>,
  Record<string, unknown>,
  [string | ToolMessage, WorkArtifact | PeerToolErrorArtifact]
>;

/**
 * The four follow-up tools over one ledger of held tasks (`options.ledger`, else a new one: give
 * the same ledger to your peer tools, `createPeerTool(agent, peer, { ledger })`, so the tasks they
 * are answered with can be followed). A `PeerToolkit` with `delegations: true` builds them for you.
 */
export function createWorkTools(
  source: WorkClient | AgentSource,
  options: WorkToolsOptions = {},
): [WorkTool, WorkTool, WorkTool, WorkTool] {
  const client = toolClientOf<WorkClient>(
    source,
    ["listDelegations", "peerTasks"],
    "createWorkTools",
  );
  const ledger = options.ledger ?? new WorkLedger();
  const { onError = "return", names = {}, maxWaitMs, pollMs } = options;
  const mark = { kind: "work" };
  const check = names.check ?? CHECK_WORK_TOOL_NAME;
  const wait = names.wait ?? WAIT_WORK_TOOL_NAME;
  const cancel = names.cancel ?? CANCEL_WORK_TOOL_NAME;
  const list = names.list ?? LIST_WORK_TOOL_NAME;
  return [
    moleculeTool(
      {
        name: check,
        description: CHECK_WORK_DESCRIPTION,
        schema: workIdInputSchema,
        onError,
        mark,
      },
      (input, config) =>
        checkWorkStep(client, ledger, input, {
          toolName: check,
          toolCallId: config?.toolCall?.id,
          signal: config?.signal,
        }),
    ) as unknown as WorkTool,
    moleculeTool(
      {
        name: wait,
        description: WAIT_WORK_DESCRIPTION,
        schema: waitWorkInputSchema,
        onError,
        mark,
      },
      (input, config) =>
        waitWorkStep(client, ledger, input, {
          toolName: wait,
          toolCallId: config?.toolCall?.id,
          signal: config?.signal,
          maxWaitMs,
          pollMs,
        }),
    ) as unknown as WorkTool,
    moleculeTool(
      {
        name: cancel,
        description: CANCEL_WORK_DESCRIPTION,
        schema: workIdInputSchema,
        onError,
        mark,
      },
      (input, config) =>
        cancelWorkStep(client, ledger, input, {
          toolName: cancel,
          toolCallId: config?.toolCall?.id,
          signal: config?.signal,
        }),
    ) as unknown as WorkTool,
    moleculeTool(
      {
        name: list,
        description: LIST_WORK_DESCRIPTION,
        schema: listWorkInputSchema,
        onError,
        mark,
      },
      (_input, config) =>
        listWorkStep(client, ledger, {
          toolName: list,
          toolCallId: config?.toolCall?.id,
          signal: config?.signal,
        }),
    ) as unknown as WorkTool,
  ];
}
