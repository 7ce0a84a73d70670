// zod schemas of the workspace-feature routes (memories, approvals, session search, delegation
// records): shared/reference/platform-api-workspace-features.md. Built lazily, like schemas.ts.
import type * as Zod from "zod";
import { loadZod } from "../runtime/index.js";
import type { z } from "zod";

function build(z: typeof Zod.z) {
  const str = z.string();
  const optStr = z.string().nullish();
  /** `201` of `POST /workspaces/:id/memories`. */
  const memoryCommitSchema = z.looseObject({ id: str, scope: str, namespace: str });
  /** One row of `GET /workspaces/:id/memories`. */
  const memoryRowSchema = z.looseObject({
    id: str,
    workspace_id: str,
    content: str,
    scope: str,
    namespace: z.string().optional(),
    created_at: z.string().optional(),
  });
  const memoryListSchema = z.array(memoryRowSchema);
  /** `GET /workspaces/:id/v2/memories` (memory v2, August 2026): rows name a namespace, not a writer. */
  const memoryV2ListSchema = z.looseObject({
    memories: z.array(
      z.looseObject({
        id: str,
        namespace: str,
        content: str,
        kind: optStr,
        created_at: optStr,
      }),
    ),
  });
  /** `GET /workspaces/:id/v2/namespaces`: what this workspace may read and write. */
  const memoryNamespacesSchema = z.looseObject({
    readable: z.array(z.looseObject({ name: str, kind: str })),
    writable: z.array(z.looseObject({ name: str, kind: str })).optional(),
  });
  /** `201` of `POST /workspaces/:id/approvals`. */
  const approvalCreateSchema = z.looseObject({ approval_id: str, status: str });
  /** One row of `GET /workspaces/:id/approvals`. */
  const approvalRowSchema = z.looseObject({
    id: str,
    task_id: optStr,
    action: str,
    reason: optStr,
    status: str,
    decided_by: optStr,
    decided_at: optStr,
    created_at: optStr,
  });
  const approvalListSchema = z.array(approvalRowSchema);
  /** One row of `GET /approvals/pending`. */
  const pendingApprovalSchema = z.looseObject({
    id: str,
    workspace_id: str,
    workspace_name: optStr,
    action: str,
    reason: optStr,
    status: str,
    created_at: optStr,
  });
  const pendingApprovalListSchema = z.array(pendingApprovalSchema);
  /** `200` of `POST …/approvals/:id/decide`. */
  const approvalDecisionSchema = z.looseObject({ status: str, approval_id: str });
  /** One row of `GET /workspaces/:id/session-search`. */
  const sessionHitSchema = z.looseObject({
    kind: str,
    id: str,
    workspace_id: optStr,
    label: optStr,
    content: optStr,
    method: optStr,
    status: optStr,
    created_at: optStr,
    request_body: z.unknown().optional(),
    response_body: z.unknown().optional(),
  });
  const sessionHitListSchema = z.array(sessionHitSchema);
  /** `202` of `POST …/delegations/record`. */
  const delegationRecordSchema = z.looseObject({ delegation_id: str, status: str });
  /** One row of `GET /workspaces/:id/delegations` (a delegation, or its result). */
  const delegationRowSchema = z.looseObject({
    id: str,
    type: optStr,
    source_id: optStr,
    target_id: optStr,
    summary: optStr,
    status: optStr,
    created_at: optStr,
    delegation_id: optStr,
    error: optStr,
    response_preview: optStr,
  });
  const delegationListSchema = z.array(delegationRowSchema);
  return {
    memoryCommitSchema,
    memoryRowSchema,
    memoryListSchema,
    memoryV2ListSchema,
    memoryNamespacesSchema,
    approvalCreateSchema,
    approvalRowSchema,
    approvalListSchema,
    pendingApprovalSchema,
    pendingApprovalListSchema,
    approvalDecisionSchema,
    sessionHitSchema,
    sessionHitListSchema,
    delegationRecordSchema,
    delegationListSchema,
  };
}

type Schemas = ReturnType<typeof build>;
let built: Schemas | undefined;
const schemas = (): Schemas => (built ??= build(loadZod().z));

function lazy<K extends keyof Schemas>(key: K): Schemas[K] {
  return new Proxy({} as Schemas[K], {
    get(_target, prop) {
      const real = schemas()[key];
      const v: unknown = Reflect.get(real, prop, real);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(real) : v;
    },
  });
}

export const memoryCommitSchema = lazy("memoryCommitSchema");
export const memoryListSchema = lazy("memoryListSchema");
export const memoryV2ListSchema = lazy("memoryV2ListSchema");
export const memoryNamespacesSchema = lazy("memoryNamespacesSchema");
export const approvalCreateSchema = lazy("approvalCreateSchema");
export const approvalListSchema = lazy("approvalListSchema");
export const pendingApprovalListSchema = lazy("pendingApprovalListSchema");
export const approvalDecisionSchema = lazy("approvalDecisionSchema");
export const sessionHitListSchema = lazy("sessionHitListSchema");
export const delegationRecordSchema = lazy("delegationRecordSchema");
export const delegationListSchema = lazy("delegationListSchema");

/** Wire type of one memory row. */
export type WireMemoryRow = z.infer<Schemas["memoryRowSchema"]>;
/** Wire type of one approval row of a workspace. */
export type WireApprovalRow = z.infer<Schemas["approvalRowSchema"]>;
