// A person's approval inside a LangGraph graph: the node opens the request and interrupts; the
// thread is resumed with the decision made on the canvas. The decision binds to the digest of what
// was asked: a resume with a decision on anything else is not an approval.
import {
  Command,
  getConfig,
  INTERRUPT,
  interrupt,
  isInterrupted,
  task,
} from "@langchain/langgraph";
import { isMoleculeError, type Logger } from "@molecule-ai/agent-core";
import {
  ALREADY_RUN,
  decisionOn,
  openScopedApproval,
  toolCallVerdict,
  type PendingToolCalls,
  type ApprovalRecord,
  type ApprovalRequestInput,
  type ApprovalResult,
  type ApprovalWaitOptions,
} from "@molecule-ai/agent-core/org";
import { threadInterrupts } from "./question.js";

/** What the node's `interrupt()` carries: the request a person decides on the canvas. */
export interface ApprovalInterrupt {
  type: "molecule_approval";
  approvalId: string;
  action: string;
  reason: string;
  /** The SHA-256 the decision binds to (shown to the person in the reason's last line). */
  digest: string;
}

/** What {@link approvalInterrupt} needs of a platform client (`PlatformClient` has it). */
export interface ApprovalOpener {
  createApproval(input: ApprovalRequestInput): Promise<{ approvalId: string }>;
  /** Finds the thread's pending request when the thread is invoked again. */
  listApprovals(): Promise<ApprovalRecord[]>;
}

/** What {@link resumeOnDecision} needs: a waiter (`ApprovalWaiter`) for an existing request. */
export interface ApprovalDecisionSource {
  wait(approvalId: string, options?: ApprovalWaitOptions): Promise<ApprovalResult>;
}

// A failure is returned, not thrown: LangGraph raises a task's error at the graph, past the
// node's own try/catch, and a tool must be able to tell the model in one line.
const openApproval = task(
  "molecule_open_approval",
  (input: { request: ApprovalRequestInput; scope: string[]; client: ApprovalOpener }) =>
    openScopedApproval(input.client, input.request, input.scope).catch((err: unknown) => {
      if (isMoleculeError(err)) return { error: err };
      throw err;
    }),
);

/**
 * Inside a graph node: opens an approval request and interrupts with an {@link ApprovalInterrupt}.
 * Opened once: it runs as a LangGraph `task`, so the resumed node does not open another, and a
 * thread invoked again with its original input while the request is pending reuses it. Returns
 * the decision the thread is resumed with (see {@link resumeOnDecision}); a resume value that is
 * not the decision on this very request (its id and digest) is returned as not approved. Needs
 * a checkpointer.
 */
export async function approvalInterrupt(
  client: ApprovalOpener,
  input: ApprovalRequestInput,
): Promise<ApprovalResult> {
  const thread = getConfig()?.configurable?.["thread_id"];
  const scope = ["langgraph", typeof thread === "string" ? thread : String(thread ?? "")];
  const opened = await openApproval({ request: input, scope, client });
  if ("error" in opened) throw opened.error;
  const { approvalId, digest } = opened;
  const value: unknown = interrupt<ApprovalInterrupt, unknown>({
    type: "molecule_approval",
    approvalId,
    action: input.action,
    reason: input.reason ?? "",
    digest,
  });
  return decisionOn(opened, value);
}

/**
 * Inside a LangChain tool run by a graph (`createAgent`, `ToolNode`) with a checkpointer: asks a
 * person about this tool call, showing its complete input ({@link toolCallApproval} in core), and
 * returns `undefined` once approved, else the one line the tool should return to the model
 * (`Error: ...`): an input too long to show whole is refused without asking (and logged), a
 * denial or expiry says so.
 *
 * With `pendingToolCalls` (a `RemoteAgent`'s `agent.pendingToolCalls`, kept in its store), an
 * approval is given once per request: the thread resumed again with the same decision (a crash
 * after the tool ran but before the checkpoint was written, a resume from an earlier checkpoint,
 * a decision delivered twice) gets `ALREADY_RUN` instead of running the tool again, and a call
 * refused before stays refused.
 */
export async function toolCallInterrupt(
  client: ApprovalOpener,
  toolName: string,
  input: unknown,
  options: {
    reason?: string;
    taskId?: string;
    logger?: Logger;
    pendingToolCalls?: PendingToolCalls | undefined;
  } = {},
): Promise<string | undefined> {
  const { pendingToolCalls: calls, ...rest } = options;
  let key: string | undefined;
  const ask = async (request: ApprovalRequestInput) => {
    const d = await approvalInterrupt(client, request);
    key = `langchain:${d.approvalId}`;
    return d;
  };
  const verdict = await toolCallVerdict(ask, toolName, input, {
    ...rest,
    label: "toolCallInterrupt",
  });
  if (!calls || key === undefined) return verdict;
  // Kept once the decision is in: the checkpointer holds the pending request until then.
  const kept = await calls.record({ key, tool: toolName, input });
  if (kept.status === "refused") return "Error: this call was refused before; the call was not run";
  if (kept.status !== "pending") return ALREADY_RUN;
  if (verdict !== undefined) {
    await calls.finish([key], "refused");
    return verdict;
  }
  return (await calls.claim(key, kept.digest)) ? undefined : ALREADY_RUN;
}

/** The first approval interrupt among `interrupts` (their values), if any. */
function approvalOf(interrupts: readonly { value?: unknown }[]): ApprovalInterrupt | undefined {
  return interrupts.map((i) => i.value).find(isApproval);
}

/** Whether an interrupt's value is an {@link ApprovalInterrupt}. */
function isApproval(value: unknown): value is ApprovalInterrupt {
  const v = value as Partial<ApprovalInterrupt> | undefined;
  return v?.type === "molecule_approval" && typeof v.approvalId === "string";
}

/** The pending approval of an interrupted run's result, if it is waiting for one. */
export function pendingApproval(result: unknown): ApprovalInterrupt | undefined {
  return isInterrupted(result) ? approvalOf(result[INTERRUPT]) : undefined;
}

/**
 * Runs `graph` until it ends, resuming each approval interrupt with the canvas decision (waited
 * for with `waiter`, e.g. `new ApprovalWaiter({ client })`). Returns the final result. A thread
 * already waiting for an approval is resumed, not invoked with `input` again (no second request).
 */
export async function resumeOnDecision<R>(
  graph: {
    invoke(input: unknown, config: Record<string, unknown>): Promise<R>;
    getState?(config: Record<string, unknown>): Promise<unknown>;
  },
  input: unknown,
  config: Record<string, unknown>,
  waiter: ApprovalDecisionSource,
  options: ApprovalWaitOptions = {},
): Promise<R> {
  const resume = async (approvalId: string) =>
    await graph.invoke(new Command({ resume: await waiter.wait(approvalId, options) }), config);
  // A thread already waiting for an approval (read from its checkpointed state) is resumed.
  const asGiven =
    input === null || input instanceof Command || typeof graph.getState !== "function";
  const state = asGiven ? undefined : { getState: graph.getState!.bind(graph) };
  const waiting = state && approvalOf(await threadInterrupts(state, config));
  let result = waiting ? await resume(waiting.approvalId) : await graph.invoke(input, config);
  for (let p = pendingApproval(result); p !== undefined; p = pendingApproval(result))
    result = await resume(p.approvalId);
  return result;
}
