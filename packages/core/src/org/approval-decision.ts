// A decision handed back by a framework (LangGraph's resume value, a replayed message) is a claim:
// it approves only when it is the decision on this very request, its id and its digest.
import type { ApprovalRequestInput } from "../platform/index.js";
import { isMoleculeError, type Logger } from "../transport/index.js";
import { ApprovalTooLongError, toolCallApproval } from "./approval-request.js";
import type { ApprovalResult } from "./approvals.js";

/**
 * `value` as the decision on the request `opened` (its `approvalId` and `digest`); anything else
 * (another request's decision, a decision on other input, a value that is no decision at all) is
 * returned as not approved, `decidedBy` saying why.
 */
export function decisionOn(
  opened: { approvalId: string; digest: string },
  value: unknown,
): ApprovalResult {
  const d = value as Partial<ApprovalResult> | null;
  const onThis = typeof d === "object" && d !== null && d.approvalId === opened.approvalId;
  if (onThis && d.digest === opened.digest) return d as ApprovalResult;
  return {
    approvalId: opened.approvalId,
    approved: false,
    decision: "denied",
    decidedBy: "not the decision on this request",
    expired: false,
    digest: opened.digest,
  };
}

/**
 * Asks a person about one tool call through `ask` (which opens the request and resolves with the
 * decision), showing its complete input ({@link toolCallApproval}). Resolves with `undefined` once
 * approved, else the one line the tool returns to the model (`Error: ...`): an input too long to
 * show whole is refused without asking, and the platform's refusal (a typed SDK error) is one
 * line; both are logged as `${label}: ...`. Anything else `ask` throws (a framework's own
 * interrupt signal included) goes on.
 */
export async function toolCallVerdict(
  ask: (request: ApprovalRequestInput) => Promise<ApprovalResult>,
  toolName: string,
  input: unknown,
  options: { reason?: string; taskId?: string; logger?: Logger; label: string },
): Promise<string | undefined> {
  const log = (line: string) => (options.logger ?? console).warn?.(`${options.label}: ${line}`);
  let request: ApprovalRequestInput;
  try {
    request = toolCallApproval(toolName, input, options);
  } catch (err) {
    if (!(err instanceof ApprovalTooLongError)) throw err;
    log(`not asked: ${err.message}`);
    return `Error: ${err.message}`;
  }
  let d: ApprovalResult;
  try {
    d = await ask(request);
  } catch (err) {
    if (!isMoleculeError(err)) throw err;
    log(err.message);
    return `Error: ${err.message.replace(/\s*\n\s*/g, " ")}`;
  }
  if (d.approved) return undefined;
  return d.expired
    ? "Error: the approval request expired without a decision; the call was not run"
    : `Error: denied by ${d.decidedBy ?? "a person"}; the call was not run`;
}
