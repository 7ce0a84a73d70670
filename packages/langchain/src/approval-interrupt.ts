// A person's approval inside a LangGraph graph: the node opens the request and interrupts; the
// thread is resumed with the decision made on the canvas.
import { Command, INTERRUPT, interrupt, isInterrupted, task } from "@langchain/langgraph";
import type {
  ApprovalRequestInput,
  ApprovalResult,
  ApprovalWaitOptions,
} from "@molecule-ai/agent-core/org";

/** What the node's `interrupt()` carries: the request a person decides on the canvas. */
export interface ApprovalInterrupt {
  type: "molecule_approval";
  approvalId: string;
  action: string;
  reason: string;
}

/** What {@link approvalInterrupt} needs of a platform client. */
export interface ApprovalOpener {
  createApproval(input: ApprovalRequestInput): Promise<{ approvalId: string }>;
}

/** What {@link resumeOnDecision} needs: a waiter (`ApprovalWaiter`) for an existing request. */
export interface ApprovalDecisionSource {
  wait(approvalId: string, options?: ApprovalWaitOptions): Promise<ApprovalResult>;
}

const openApproval = task(
  "molecule_open_approval",
  async (input: ApprovalRequestInput & { client: ApprovalOpener }) => {
    const { client, ...request } = input;
    return (await client.createApproval(request)).approvalId;
  },
);

/**
 * Inside a graph node: opens an approval request (once: it runs as a LangGraph `task`, so the
 * resumed node does not open another) and interrupts with an {@link ApprovalInterrupt}. Returns
 * the decision the thread is resumed with (see {@link resumeOnDecision}). Needs a checkpointer.
 */
export async function approvalInterrupt(
  client: ApprovalOpener,
  input: ApprovalRequestInput,
): Promise<ApprovalResult> {
  const approvalId = await openApproval({ ...input, client });
  return interrupt<ApprovalInterrupt, ApprovalResult>({
    type: "molecule_approval",
    approvalId,
    action: input.action,
    reason: input.reason ?? "",
  });
}

/** The pending approval of an interrupted run's result, if it is waiting for one. */
export function pendingApproval(result: unknown): ApprovalInterrupt | undefined {
  if (!isInterrupted(result)) return undefined;
  for (const i of result[INTERRUPT]) {
    const v = i.value as Partial<ApprovalInterrupt> | undefined;
    if (v?.type === "molecule_approval" && typeof v.approvalId === "string")
      return v as ApprovalInterrupt;
  }
  return undefined;
}

/**
 * Runs `graph` until it ends, resuming each approval interrupt with the canvas decision (waited
 * for with `waiter`, e.g. `new ApprovalWaiter({ client })`). Returns the final result.
 */
export async function resumeOnDecision<R>(
  graph: { invoke(input: unknown, config: Record<string, unknown>): Promise<R> },
  input: unknown,
  config: Record<string, unknown>,
  waiter: ApprovalDecisionSource,
  options: ApprovalWaitOptions = {},
): Promise<R> {
  let result = await graph.invoke(input, config);
  for (let p = pendingApproval(result); p !== undefined; p = pendingApproval(result)) {
    const decision = await waiter.wait(p.approvalId, options);
    result = await graph.invoke(new Command({ resume: decision }), config);
  }
  return result;
}
