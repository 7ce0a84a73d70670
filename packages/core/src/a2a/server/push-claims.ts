// The `claims` option of `createA2AHandler`: instances of a serverless or edge workspace share
// nothing in memory, and a redelivery (the platform proxy's retry, a resend of the same A2A
// message) may land on another instance, so a blocking send is claimed in a shared store
// (claim-store.ts) by its messageId and content before its handler runs. The store's answer is the
// rule, the same as a RemoteAgent replica's: claimed (run, then settle with the answer; a failure
// releases the claim so a retry runs it again), settled (answer the stored answer, run nothing),
// busy (running elsewhere: retry later), dead (delivered too often without settling: never again).
import { MoleculeError, MoleculeOptionError, describe } from "../../transport/index.js";
import { extractA2AText } from "../outbound.js";
import type { A2AMessage } from "../types.js";
import { contentFingerprint } from "./derived-id.js";
import { A2AErrorCode, A2ARpcError, deadLetteredRpcError, messageBusyRpcError } from "./errors.js";
import type { PushClaimResult, PushClaimStore } from "./claim-store.js";
import type { A2AHandlerContext, A2AHandlerOptions, A2AHandlerResult } from "./handler-types.js";
import { isAsyncIterable } from "./task-results.js";

/** The `claims` option (checked): a store with `claimPush`, which needs the endpoint's workspace. */
export function claimsOf(options: A2AHandlerOptions): PushClaimStore | undefined {
  const claims = options.claims as Partial<PushClaimStore> | null | undefined;
  if (claims === undefined) return undefined;
  if (typeof claims?.claimPush !== "function") {
    throw new MoleculeOptionError(
      "claims",
      "createA2AHandler: claims must have a claimPush method (e.g. createPostgresClaims(...) from @molecule-ai/postgres).",
    );
  }
  if (typeof options.workspaceId !== "string" || options.workspaceId === "") {
    throw new MoleculeOptionError(
      "workspaceId",
      "createA2AHandler: claims needs workspaceId (the workspace whose messages are claimed), so that workspaces sharing one store never answer each other's messages.",
    );
  }
  return claims as PushClaimStore;
}

/** Reports a store error that was not passed on to the sender as it is. */
type Report = (err: unknown, method: string, requestId: string | number | null) => void;

/**
 * `onMessage` handling each blocking send (no task: `ctx.taskId` unset) once across the
 * instances sharing `claims`; other sends (streaming, non-blocking, a task's continuation) run as
 * they come. `alone` is always true: an instance cannot know what its siblings run, so every
 * expired claim is taken over, and counted.
 */
export function claimedOnMessage(
  onMessage: A2AHandlerOptions["onMessage"],
  claims: PushClaimStore,
  workspaceId: string,
  report: Report,
): A2AHandlerOptions["onMessage"] {
  return async (message: A2AMessage, ctx: A2AHandlerContext): Promise<A2AHandlerResult> => {
    if (ctx.taskId !== undefined) return await onMessage(message, ctx);
    const id = message.messageId;
    const fault = (err: unknown, what: string): MoleculeError =>
      err instanceof MoleculeError
        ? err
        : new MoleculeError(
            `could not ${what} message ${id} in the push claims store: ${describe(err)}. Check that the store is reachable.`,
            { code: "store_unavailable", retryable: true, cause: err },
          );
    let r: PushClaimResult;
    try {
      r = await claims.claimPush(workspaceId, id, { content: contentFingerprint(message) });
    } catch (err) {
      report(fault(err, "claim"), ctx.method, ctx.requestId);
      // Not run: neither twice (no claim) nor dropped (the sender is told to retry).
      throw new A2ARpcError(
        A2AErrorCode.InternalError,
        `the agent cannot reach the store that handles each message once, so message ${id} was not run; retry later under the same messageId`,
        { code: "store_unavailable", retryable: true },
      );
    }
    if (r.status === "settled") return r.reply;
    if (r.status === "dead") throw deadLetteredRpcError(id, r.deliveries);
    if (r.status !== "claimed") throw messageBusyRpcError(id, "instance");
    let result: A2AHandlerResult;
    let text: string | undefined;
    try {
      result = await onMessage(message, ctx);
      text = await textOf(result);
    } catch (err) {
      // Not handled: a retry (on any instance) runs it again, its delivery counted.
      await r.claim
        .release()
        .catch((e: unknown) => report(fault(e, "release"), ctx.method, ctx.requestId));
      throw err;
    }
    // Handled: the caller gets the answer even when it cannot be stored (reported; a redelivery
    // may then run it again once the claim expires).
    await r.claim
      .settle(text)
      .catch((e: unknown) => report(fault(e, "settle"), ctx.method, ctx.requestId));
    return typeof result === "object" && result !== null && !isAsyncIterable(result)
      ? result
      : text;
  };
}

/** What is stored for a handler's result: its text (a message's or task's text parts). */
async function textOf(result: A2AHandlerResult): Promise<string | undefined> {
  if (result === undefined || result === null || typeof result === "string") {
    return result ?? undefined;
  }
  if (!isAsyncIterable(result)) return extractA2AText(result);
  let text = "";
  for await (const chunk of result) text += chunk;
  return text;
}
