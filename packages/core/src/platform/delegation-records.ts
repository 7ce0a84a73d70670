// Delegations the agent makes by calling a peer itself (not through `/delegate`): recorded and
// updated so the canvas shows them. shared/reference/platform-api-workspace-features.md §4.
import { randomUUID } from "node:crypto";
import { delegationRecordSchema } from "../wire/index.js";
import { invalid } from "./args.js";
import { ok } from "./http-errors.js";
import { requireWorkspaceId } from "./ids.js";
import { enc, type PlatformSession } from "./session.js";

/** The most of a task or a response preview the SDK sends (the platform stores it whole). */
export const MAX_DELEGATION_TEXT_BYTES = 64 * 1024;

function clipBytes(text: string, max: number): string {
  const b = Buffer.from(text);
  return b.length <= max
    ? text
    : b
        .subarray(0, max)
        .toString("utf8")
        .replace(/\uFFFD$/, "");
}

/** `POST /workspaces/:id/delegations/record` (202; no de-duplication: record once). */
export async function recordDelegation(
  s: PlatformSession,
  input: {
    targetId: string;
    task: string;
    delegationId?: string | undefined;
    signal?: AbortSignal | undefined;
  },
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
  update: {
    status: "completed" | "failed";
    error?: string | undefined;
    responsePreview?: string | undefined;
    signal?: AbortSignal | undefined;
  },
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
