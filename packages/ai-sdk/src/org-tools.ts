// Molecule org memory and human approvals in the AI SDK: `remember` / `recall` tools, and the
// decisions on the calls `toolApproval` sends for a person's approval, made on the canvas.
import { isMoleculeError, type Logger } from "@molecule-ai/agent-core";
import {
  ApprovalTimeoutError,
  skillsFromTools,
  toolCallApproval,
  type ApprovalRequestInput,
  type ApprovalResult,
  type ApprovalWaitOptions,
  type MemoryToolsOptions,
  type MemoryToolClient,
  memoryToolSpecs,
  ALREADY_RUN,
  type PendingToolCalls,
} from "@molecule-ai/agent-core/org";
import { tool } from "ai";
import type { Tool, ToolApprovalRequestOutput, ToolModelMessage, ToolSet } from "ai";

export type { MemoryToolClient, MemoryToolsOptions } from "@molecule-ai/agent-core/org";

/**
 * The tools {@link memoryTools} returns (a `ToolSet`). Their arguments are checked by core, not by
 * the schema (which only shows the model what to send), so a bad one is an `Error: ` line.
 */
export type MemoryTools = {
  remember: Tool<{ content: unknown; scope?: unknown }, string>;
  recall: Tool<{ query?: unknown; scope?: unknown }, string>;
};

/**
 * `remember` (commit a memory) and `recall` (search one scope), as AI SDK tools for a `ToolSet`.
 * `recall` answers a header line, then one JSON object per memory with `own`, `scope` and
 * `writer` from the platform's record (never from the text) and the text as a JSON string, so no
 * memory can pose as another or as this agent's own (core's one rendering). Every failure, a bad
 * argument included, is one `Error: ...` line.
 */
export function memoryTools(
  client: MemoryToolClient,
  options: MemoryToolsOptions = {},
): MemoryTools {
  const { remember, recall } = memoryToolSpecs(client, options);
  return {
    remember: tool({
      description: remember.description,
      inputSchema: remember.schema,
      execute: remember.run,
    }),
    recall: tool({
      description: recall.description,
      inputSchema: recall.schema,
      execute: recall.run,
    }),
  };
}

/** Who asks a person: a `RemoteAgent` (`requestApproval`) or an `ApprovalWaiter` (`request`). */
export type ApprovalAsker =
  | {
      requestApproval(
        input: ApprovalRequestInput,
        options?: ApprovalWaitOptions,
      ): Promise<ApprovalResult>;
    }
  | {
      request(input: ApprovalRequestInput, options?: ApprovalWaitOptions): Promise<ApprovalResult>;
    };

/** Options of {@link canvasApprovals}. */
export interface CanvasApprovalsOptions extends Omit<ApprovalWaitOptions, "key"> {
  /**
   * The reason shown to the person when the `toolApproval` rule gave none
   * (default: "the agent wants to run a tool").
   */
  reason?: string | undefined;
  /** The task the tool calls belong to. */
  taskId?: string | undefined;
  /** Where a refused request is logged (default: `console`). */
  logger?: Logger | undefined;
  /**
   * Where the calls asked about are kept across restarts: default the asker's when it is a
   * `RemoteAgent` (`agent.pendingToolCalls`, in the agent's store). An approval is then given
   * once per call: replayed after it was approved (the same messages after a restart, or twice at
   * once), the call gets a denied result saying it was handed to the tool before, and nobody is
   * asked again; a call refused before stays refused. `false`: not kept.
   */
  pendingToolCalls?: PendingToolCalls | false | undefined;
}

/**
 * Asks a person on the canvas about every `tool-approval-request` in `content` (the result of a
 * `generateText` / `streamText` / `ToolLoopAgent` call whose `toolApproval` answered
 * `"user-approval"`; requests a rule approved or denied itself are skipped), waits for the
 * decisions, and returns the `tool` message to append to the messages of the next call (made with
 * the same `toolApproval`): an approved tool then runs, a denied (or expired) one gets the AI SDK's
 * denied result (`execution-denied`). Each request is keyed by the AI SDK's approval id, so a
 * restarted agent replaying the same messages resumes it.
 *
 * The person sees the tool's complete input (`toolCallApproval`: canonical JSON, never cut) and
 * the SHA-256 digest the decision binds to; a replayed call whose input differs is asked again,
 * never approved by the earlier decision. An input too long to show whole is not asked, and a
 * request the platform refuses is not approved: the model gets the denied result with one
 * `Error: ...` line, and the refusal is logged. `ApprovalTimeoutError` and aborts are thrown.
 */
export async function canvasApprovals(
  asker: ApprovalAsker,
  content: readonly { type: string }[],
  options: CanvasApprovalsOptions = {},
): Promise<ToolModelMessage> {
  // A request a `toolApproval` rule approved or denied itself (`isAutomatic`) is not asked.
  const requests = content.filter(
    (p): p is ToolApprovalRequestOutput<ToolSet> =>
      p.type === "tool-approval-request" && !(p as { isAutomatic?: boolean }).isAutomatic,
  );
  const ask = (input: ApprovalRequestInput, o: ApprovalWaitOptions): Promise<ApprovalResult> =>
    "requestApproval" in asker ? asker.requestApproval(input, o) : asker.request(input, o);
  const { logger, pendingToolCalls: _calls, ...waitOptions } = options;
  const calls = keptCalls(asker, options.pendingToolCalls);
  const decisions = await Promise.all(
    requests.map(async (r) => {
      const key = `ai-sdk:${r.approvalId}`;
      // The answer to the AI SDK: approved without a reason, denied with the reason the model reads.
      const answer = (denied?: string) => ({
        type: "tool-approval-response" as const,
        approvalId: r.approvalId,
        approved: denied === undefined,
        ...(denied === undefined ? {} : { reason: denied }),
      });
      let request: ReturnType<typeof toolCallApproval>;
      let result: ApprovalResult;
      try {
        request = toolCallApproval(r.toolCall.toolName, r.toolCall.input, {
          reason: r.reason ?? options.reason ?? "the agent wants to run a tool",
          taskId: options.taskId,
        });
        // Kept before anyone is asked; a call taken or refused before is not asked again.
        const kept =
          calls &&
          (await calls.record({ key, tool: r.toolCall.toolName, input: r.toolCall.input }));
        if (kept && kept.status === "refused")
          return answer("Error: this call was refused before; the call was not run");
        if (kept && kept.status !== "pending") return answer(ALREADY_RUN);
        result = await ask(
          { ...request, context: { tool: r.toolCall.toolName, toolCallId: r.toolCall.toolCallId } },
          { ...waitOptions, key },
        );
      } catch (err) {
        // Too long to review, or the platform refused: one line the model reads (and the log).
        // A timeout or an abort is the caller's to handle (asking again waits on the same request).
        if (!isMoleculeError(err) || err instanceof ApprovalTimeoutError) throw err;
        (logger ?? console).warn?.(`canvasApprovals: not approved: ${err.message}`);
        return answer(`Error: ${err.message.replace(/\s*\n\s*/g, " ")}`);
      }
      // Only a decision on exactly this input approves it, and only once (kept calls).
      const onThis = result.approved && result.digest === request.digest;
      if (calls && !onThis) await calls.finish([key], "refused");
      if (calls && onThis && !(await calls.claim(key, request.digest))) return answer(ALREADY_RUN);
      if (onThis) return answer();
      return answer(
        result.approved
          ? "Error: the approval was for another input; the call was not run"
          : result.expired
            ? "the request expired without a decision"
            : `denied by ${result.decidedBy ?? "a person"}`,
      );
    }),
  );
  return { role: "tool", content: decisions };
}

/** The calls kept across restarts (see {@link CanvasApprovalsOptions.pendingToolCalls}). */
function keptCalls(
  asker: ApprovalAsker,
  given: PendingToolCalls | false | undefined,
): PendingToolCalls | undefined {
  if (given === false) return undefined;
  if (given) return given;
  const own = (asker as { pendingToolCalls?: PendingToolCalls }).pendingToolCalls;
  return typeof own?.claim === "function" ? own : undefined;
}

/**
 * The agent card skills for a `ToolSet` (one per tool: its key and description), for
 * `AgentCardSync.setSkills()` from `@molecule-ai/agent-core/org`, which sends the card again when
 * the tools change.
 */
export function skillsFromToolSet(tools: ToolSet): ReturnType<typeof skillsFromTools> {
  return skillsFromTools(
    Object.entries(tools).map(([name, t]) => ({
      name,
      description: (t as { description?: string }).description,
    })),
  );
}
