// The decision on one tool call that survives a restart (issue #81 item 3): asked once through the
// approval waits, taken once through the agent's pending tool calls (pending-tool-calls.ts).
import type { ApprovalRequestInput } from "../platform/index.js";
import type { Logger } from "../transport/index.js";
import { toolCallDigest } from "./approval-request.js";
import { toolCallVerdict } from "./approval-decision.js";
import type { ApprovalResult } from "./approvals.js";
import { ALREADY_RUN, type PendingToolCalls } from "./pending-tool-calls.js";

/** What the model reads for a call a person refused before (a redelivered message's turn). */
const REFUSED_BEFORE =
  "Error: this call was refused before (an earlier delivery of the same call, or before a restart); the call was not run";

/** What the model reads for a call whose input is not the one the person was asked about. */
const OTHER_INPUT =
  "Error: this call's input is not the one the person was asked about; the call was not run";

/**
 * The decision on one tool call, kept across restarts: a call already handed to its tool is not
 * run again (the model reads why); else it is recorded (`record`: the message and the resumable
 * run), asked through `ask` ({@link toolCallVerdict}: the complete input shown, the decision bound
 * to its digest, the request keyed by `key` so a restarted agent resumes it), and an approval is
 * taken once ({@link PendingToolCalls.claim}). Resolves with `undefined` when the caller runs the
 * tool now (then `finish([key])` once it returned), else the line the model reads.
 */
export async function durableToolCallVerdict(
  calls: PendingToolCalls,
  call: { key: string; tool: string; input: unknown; messageKey?: string; run?: string },
  ask: (request: ApprovalRequestInput) => Promise<ApprovalResult>,
  options: { reason?: string; taskId?: string; logger?: Logger; label: string },
): Promise<string | undefined> {
  // One decision at a time per call: a second delivery made while the first waits gets its
  // outcome from the record the first leaves (taken or refused), not a request of its own.
  let waiting = asking.get(calls);
  if (waiting === undefined) asking.set(calls, (waiting = new Map()));
  const before = waiting.get(call.key);
  const mine = (async () => {
    await before?.catch(() => undefined);
    return await decideOnce(calls, call, ask, options);
  })();
  waiting.set(call.key, mine);
  try {
    return await mine;
  } finally {
    if (waiting.get(call.key) === mine) waiting.delete(call.key);
  }
}

/** The decisions being made, per store and call key (see {@link durableToolCallVerdict}). */
const asking = new WeakMap<PendingToolCalls, Map<string, Promise<unknown>>>();

async function decideOnce(
  calls: PendingToolCalls,
  call: { key: string; tool: string; input: unknown; messageKey?: string; run?: string },
  ask: (request: ApprovalRequestInput) => Promise<ApprovalResult>,
  options: { reason?: string; taskId?: string; logger?: Logger; label: string },
): Promise<string | undefined> {
  const { key, tool, input } = call;
  const kept = await calls.record({
    key,
    tool,
    input,
    ...(call.messageKey === undefined ? {} : { messageKey: call.messageKey }),
    ...(call.run === undefined ? {} : { run: call.run }),
  });
  if (kept.status === "refused") return REFUSED_BEFORE;
  if (kept.status !== "pending") return ALREADY_RUN;
  const digest = toolCallDigest(tool, input);
  if (kept.digest !== digest) return OTHER_INPUT;
  const verdict = await toolCallVerdict(ask, tool, input, options);
  if (verdict !== undefined) {
    await calls.finish([key], "refused");
    return verdict;
  }
  return (await calls.claim(key, digest)) ? undefined : ALREADY_RUN;
}
