// zod schemas for every platform payload the client reads, tolerant of both the baseline (2026-04)
// and newer shapes. Internal: the public API exports only the inferred types (wire/index.ts).
import { z } from "zod";

const str = z.string();
const optStr = z.string().nullish();
/** A number the Go server may send as a number (or, in drifted deployments, a numeric string). */
const looseNum = z.union([z.number(), z.string(), z.null()]).optional();

/** `POST /registry/register` 200. */
export const registerResponseSchema = z.looseObject({
  status: str,
  auth_token: z.string().optional(),
  delivery_mode: z.string().optional(),
  platform_inbound_secret: z.string().optional(),
});

/** `GET /workspaces/:id/state` 200 (and the 404 `deleted` bodies). */
export const stateResponseSchema = z.looseObject({
  workspace_id: optStr,
  status: optStr,
  paused: z.boolean().nullish(),
  deleted: z.boolean().nullish(),
});

/** `GET /workspaces/:id/secrets/values` 200. */
export const secretsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** One element of `GET /registry/:id/peers`. */
export const peerSchema = z.looseObject({
  id: str,
  name: optStr,
  role: optStr,
  tier: looseNum,
  status: optStr,
  url: optStr,
  parent_id: optStr,
  active_tasks: looseNum,
  agent_card: z.unknown().optional(),
});

/** `GET /registry/:id/peers` 200. */
export const peersSchema = z.array(peerSchema);

/** `GET /registry/discover/:id` 200. */
export const discoverSchema = z.looseObject({ id: str, url: str, name: optStr });

/** `POST /workspaces/:id/delegate` 200/202. */
export const delegateSchema = z.looseObject({
  delegation_id: str,
  status: str,
  target_id: optStr,
  idempotent_hit: z.boolean().optional(),
  warning: z.string().optional(),
});

/** One activity row (flat baseline shape, optionally enriched with `data`). */
export const activityRowSchema = z.looseObject({
  id: str,
  workspace_id: optStr,
  activity_type: optStr,
  source_id: optStr,
  target_id: optStr,
  method: optStr,
  summary: optStr,
  status: optStr,
  created_at: optStr,
  request_body: z.unknown().optional(),
  response_body: z.unknown().optional(),
  data: z.unknown().optional(),
});

/** `GET /workspaces/:id/activity` 200: a list, or `{items: [...]}`. */
export const activityListSchema = z.union([
  z.array(z.unknown()),
  z.looseObject({ items: z.array(z.unknown()) }),
]);

/** `GET /workspaces/:id/tokens` 200. */
export const tokenListSchema = z.looseObject({
  tokens: z.array(
    z.looseObject({
      id: str,
      prefix: optStr,
      created_at: optStr,
      last_used_at: optStr,
    }),
  ),
  count: z.number().optional(),
});

/** `POST /workspaces/:id/tokens` 201. */
export const createTokenSchema = z.looseObject({
  auth_token: z.string().min(1),
  workspace_id: optStr,
});

/** `GET /workspaces/:id` 200. */
export const workspaceSchema = z.looseObject({
  id: str,
  name: optStr,
  role: optStr,
  tier: looseNum,
  status: optStr,
  url: optStr,
  parent_id: optStr,
  runtime: optStr,
  active_tasks: looseNum,
  agent_card: z.unknown().optional(),
});

/** `POST /workspaces` 201. */
export const createWorkspaceSchema = z.looseObject({
  id: str,
  status: optStr,
  external: z.boolean().optional(),
  connection: z
    .looseObject({ auth_token: z.string().optional(), workspace_id: optStr, platform_url: optStr })
    .optional(),
});

/** The A2A proxy's `202 {queued: true}` body. */
export const queuedSchema = z.looseObject({
  queued: z.literal(true),
  queue_id: z.string().optional(),
  queue_depth: z.number().optional(),
  delivery_mode: z.string().optional(),
  message: z.string().optional(),
});

/** A JSON-RPC 2.0 response. */
export const jsonRpcResponseSchema = z.looseObject({
  jsonrpc: z.string().optional(),
  id: z.unknown().optional(),
  result: z.unknown().optional(),
  error: z
    .looseObject({ code: z.number(), message: z.string().optional(), data: z.unknown().optional() })
    .optional(),
});

/** Wire type of the register response. */
export type WireRegisterResponse = z.infer<typeof registerResponseSchema>;
/** Wire type of the state response. */
export type WireStateResponse = z.infer<typeof stateResponseSchema>;
/** Wire type of one peer row. */
export type WirePeer = z.infer<typeof peerSchema>;
/** Wire type of the discover response. */
export type WireDiscoverResponse = z.infer<typeof discoverSchema>;
/** Wire type of the delegate response. */
export type WireDelegateResponse = z.infer<typeof delegateSchema>;
/** Wire type of one activity row. */
export type WireActivityRow = z.infer<typeof activityRowSchema>;
/** Wire type of the token list response. */
export type WireTokenList = z.infer<typeof tokenListSchema>;
/** Wire type of `GET /workspaces/:id`. */
export type WireWorkspace = z.infer<typeof workspaceSchema>;
/** Wire type of `POST /workspaces`. */
export type WireCreateWorkspaceResponse = z.infer<typeof createWorkspaceSchema>;
/** Wire type of a JSON-RPC response. */
export type WireJsonRpcResponse = z.infer<typeof jsonRpcResponseSchema>;

/** Parses with `schema`; returns the value or the dotted path + message of the first issue. */
export function parseWire<T>(
  schema: z.ZodType<T>,
  value: unknown,
): { ok: true; value: T } | { ok: false; path: string; message: string } {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  return {
    ok: false,
    path: issue ? issue.path.map(String).join(".") : "",
    message: issue?.message ?? "invalid",
  };
}
