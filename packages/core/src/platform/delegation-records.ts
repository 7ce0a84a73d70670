// Delegations the agent makes by calling a peer itself (not through `/delegate`): recorded and
// updated so the canvas shows them, and the workspace's delegation rows listed.
// shared/reference/platform-api-workspace-features.md §4, platform-api.md §3.13.
import { randomUUID, utf8Bytes, utf8Text } from "../runtime/index.js";
import { describe } from "../transport/index.js";
import { delegationListSchema, delegationRecordSchema } from "../wire/index.js";
import { invalid } from "./args.js";
import { ok } from "./http-errors.js";
import { requireWorkspaceId } from "./ids.js";
import { enc, type PlatformSession } from "./session.js";
import type { DelegationStatus } from "./types.js";

/** The most of a task or a response preview the SDK sends (the platform stores it whole). */
const MAX_DELEGATION_TEXT_BYTES = 64 * 1024;

function clipBytes(text: string, max: number): string {
  const b = utf8Bytes(text);
  return b.length <= max ? text : utf8Text([b.subarray(0, max)]).replace(/\uFFFD$/, "");
}

/** What `PlatformClient.recordDelegation` records. */
export interface DelegationRecordInput {
  targetId: string;
  task: string;
  delegationId?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** What `PlatformClient.updateDelegation` sends. */
export interface DelegationUpdate {
  status: "completed" | "failed";
  error?: string | undefined;
  responsePreview?: string | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * One row of `PlatformClient.listDelegations`: a delegation (made with `delegate` or recorded with
 * `recordDelegation`) or a row with its result. `summary` and `responsePreview` can quote the
 * peer's answer: peer output, untrusted (`sanitizePeerText` before a model reads it).
 */
export interface DelegationRecord {
  /** The activity row's id. */
  id: string;
  /** The delegation's id, when the row names one (a result row of `/delegate` may not). */
  delegationId: string | null;
  /** The platform's row type (`"delegation"` on the 2026-04 server). */
  type: string | null;
  /** The workspace delegated to; `null` when the platform recorded none (a result row). */
  targetId: string | null;
  /** E.g. `pending`, `dispatched`, `queued`, `completed`, `failed` (see {@link DelegationStatus}). */
  status: DelegationStatus | null;
  summary: string | null;
  /** Why it failed, when it did. */
  error: string | null;
  /** The start of the answer (the platform keeps up to 300 characters). */
  responsePreview: string | null;
  createdAt: string | null;
}

/** `POST /workspaces/:id/delegations/record` (202; no de-duplication: record once). */
export async function recordDelegation(
  s: PlatformSession,
  input: DelegationRecordInput,
): Promise<{ delegationId: string }> {
  const targetId = requireWorkspaceId(input?.targetId, "targetId");
  if (typeof input.task !== "string" || input.task === "")
    throw invalid("recordDelegation needs { task } with non-empty text");
  const delegationId = input.delegationId ?? randomUUID();
  if (typeof delegationId !== "string" || delegationId === "" || delegationId.length > 256)
    throw invalid("delegationId must be a non-empty string of at most 256 characters");
  const res = await s.send({
    method: "POST",
    path: `/workspaces/${enc(s.workspaceId)}/delegations/record`,
    json: {
      target_id: targetId,
      task: clipBytes(input.task, MAX_DELEGATION_TEXT_BYTES),
      delegation_id: delegationId,
    },
    signal: input.signal,
  });
  if (!ok(res.status)) throw await s.selfFail(res, "recordDelegation", input.signal);
  s.expect(delegationRecordSchema, res, "recordDelegation");
  return { delegationId };
}

/** `POST /workspaces/:id/delegations/:delegationId/update`: `completed` or `failed` only. */
export async function updateDelegation(
  s: PlatformSession,
  delegationId: string,
  update: DelegationUpdate,
): Promise<void> {
  if (typeof delegationId !== "string" || delegationId === "" || delegationId.length > 256)
    throw invalid("updateDelegation needs the delegation id recordDelegation returned");
  if (update?.status !== "completed" && update?.status !== "failed")
    throw invalid(
      `status must be "completed" or "failed" (the platform refuses any other); got ${JSON.stringify(update?.status)}`,
    );
  const json: Record<string, unknown> = { status: update.status };
  if (update.error) json["error"] = clipBytes(update.error, 4096);
  if (update.responsePreview)
    json["response_preview"] = clipBytes(update.responsePreview, MAX_DELEGATION_TEXT_BYTES);
  const res = await s.send({
    method: "POST",
    path: `/workspaces/${enc(s.workspaceId)}/delegations/${enc(delegationId)}/update`,
    json,
    signal: update.signal,
  });
  if (!ok(res.status)) throw await s.selfFail(res, "updateDelegation", update.signal);
}

/** `GET /workspaces/:id/delegations`: the 50 newest delegation rows of this workspace, newest first. */
export async function listDelegations(
  s: PlatformSession,
  options: { signal?: AbortSignal | undefined },
): Promise<DelegationRecord[]> {
  const res = await s.send({
    method: "GET",
    path: `/workspaces/${enc(s.workspaceId)}/delegations`,
    signal: options.signal,
  });
  if (!ok(res.status)) throw await s.selfFail(res, "listDelegations", options.signal);
  return s.expect(delegationListSchema, res, "listDelegations").map((r) => ({
    id: r.id,
    delegationId: r.delegation_id || null,
    type: r.type || null,
    targetId: r.target_id || null,
    status: r.status || null,
    summary: r.summary ?? null,
    error: r.error || null,
    responsePreview: r.response_preview ?? null,
    createdAt: r.created_at ?? null,
  }));
}

/** The text a delegation record shows for a peer message. */
function taskText(message: string | { text?: string; parts?: unknown[] }): string {
  if (typeof message === "string") return message;
  if (typeof message?.text === "string") return message.text;
  return "(A2A message parts)";
}

/**
 * Runs a direct peer call (`via: "direct"`, which the platform does not see) and records it as a
 * delegation, so the canvas shows it: recorded before the call, then `completed` (with the
 * answer's first 200 characters) or `failed`. A record or update the platform refuses is logged as
 * a warning and never fails the call itself.
 */
export async function recordedDirectCall<R extends { status: string; text?: string }>(
  s: PlatformSession,
  peerId: string,
  message: string | { text?: string; parts?: unknown[] },
  call: () => Promise<R>,
): Promise<R> {
  let delegationId: string | undefined;
  const warn = (what: string, err: unknown): void =>
    s.logger?.warn?.(`${what} (the direct peer call is not affected)`, {
      peerId,
      error: describe(err),
    });
  try {
    delegationId = (await recordDelegation(s, { targetId: peerId, task: taskText(message) }))
      .delegationId;
  } catch (err) {
    warn("could not record the direct peer call as a delegation", err);
  }
  const finish = async (update: Parameters<typeof updateDelegation>[2]): Promise<void> => {
    if (delegationId === undefined) return;
    try {
      await updateDelegation(s, delegationId, update);
    } catch (err) {
      warn("could not update the delegation record of a direct peer call", err);
    }
  };
  let result: R;
  try {
    result = await call();
  } catch (err) {
    await finish({ status: "failed", error: describe(err) });
    throw err;
  }
  if (result.status === "completed")
    await finish({ status: "completed", responsePreview: (result.text ?? "").slice(0, 200) });
  else if (result.status === "failed")
    await finish({ status: "failed", error: (result.text ?? "failed").slice(0, 500) });
  return result;
}
