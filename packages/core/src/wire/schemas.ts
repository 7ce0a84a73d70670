// zod schemas for every platform payload the client reads, tolerant of both the baseline (2026-04)
// and newer shapes. Internal: the public API exports only the inferred types (wire/index.ts).
//
// zod is loaded (and the schemas built) on the first parse, not when the SDK is imported: building
// them eagerly would cost every cold `import "@molecule-ai/agent-core"` most of its time. What an
// idle poll agent parses over and over (register, state, the activity feed) and a peer call's
// answer do not load zod at all: plain.ts parses them as these schemas would (they stay here as the
// types' source).
import type * as Zod from "zod";
import { loadZod } from "../runtime/index.js";
import type { z } from "zod";
import { ListOrItems, LooseObject } from "./plain.js";

/** Builds every schema with `z` (called once, on the first parse). */
function build(z: typeof Zod.z) {
  const str = z.string();
  const optStr = z.string().nullish();
  /** A number the Go server may send as a number (or, in drifted deployments, a numeric string). */
  const looseNum = z.union([z.number(), z.string(), z.null()]).optional();

  /** `POST /registry/register` 200. */
  const registerResponseSchema = z.looseObject({
    status: str,
    auth_token: z.string().optional(),
    delivery_mode: z.string().optional(),
    platform_inbound_secret: z.string().optional(),
  });

  /** `GET /workspaces/:id/state` 200 (and the 404 `deleted` bodies). */
  const stateResponseSchema = z.looseObject({
    workspace_id: optStr,
    status: optStr,
    paused: z.boolean().nullish(),
    deleted: z.boolean().nullish(),
  });

  /** `GET /workspaces/:id/secrets/values` 200. */
  const secretsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

  /** One element of `GET /registry/:id/peers`. */
  const peerSchema = z.looseObject({
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
  const peersSchema = z.array(peerSchema);

  /** `GET /registry/discover/:id` 200. */
  const discoverSchema = z.looseObject({ id: str, url: str, name: optStr });

  /** `POST /workspaces/:id/delegate` 200/202. */
  const delegateSchema = z.looseObject({
    delegation_id: str,
    status: str,
    target_id: optStr,
    idempotent_hit: z.boolean().optional(),
    warning: z.string().optional(),
  });

  /** One activity row (flat baseline shape, optionally enriched with `data`). */
  const activityRowSchema = z.looseObject({
    id: str,
    workspace_id: optStr,
    activity_type: optStr,
    source_id: optStr,
    target_id: optStr,
    method: optStr,
    summary: optStr,
    status: optStr,
    created_at: optStr,
    /** The row's place in the feed (August 2026 servers): the tie-breaker of `created_at`, and what `POST .../activity/ack` takes. */
    seq: z.unknown().optional(),
    request_body: z.unknown().optional(),
    response_body: z.unknown().optional(),
    data: z.unknown().optional(),
  });

  /** `GET /workspaces/:id/activity` 200: a list, or `{items: [...]}`. */
  const activityListSchema = z.union([
    z.array(z.unknown()),
    z.looseObject({ items: z.array(z.unknown()) }),
  ]);

  /** `GET /workspaces/:id/tokens` 200. */
  const tokenListSchema = z.looseObject({
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
  const createTokenSchema = z.looseObject({
    auth_token: z.string().min(1),
    workspace_id: optStr,
  });

  /** `GET /workspaces/:id` 200. */
  const workspaceSchema = z.looseObject({
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
  const createWorkspaceSchema = z.looseObject({
    id: str,
    status: optStr,
    external: z.boolean().optional(),
    connection: z
      .looseObject({
        auth_token: z.string().optional(),
        workspace_id: optStr,
        platform_url: optStr,
      })
      .optional(),
  });

  /**
   * `POST /workspaces/:id/external/rotate` and `GET …/external/connection` 200 (molecule-core
   * #2852): the connection block wrapped in `{"connection": …}` (12 fields at 2026-05; the snippets
   * are read loosely, they are templates).
   */
  const externalConnectionSchema = z.looseObject({
    connection: z.looseObject({
      workspace_id: str,
      platform_url: optStr,
      auth_token: z.string().optional(),
      registry_endpoint: optStr,
      heartbeat_endpoint: optStr,
    }),
  });

  /** `POST /workspaces/:id/restart` 200: `{"status":"noop","runtime":"external","message"}` (#2412). */
  const restartSchema = z.looseObject({ status: str, runtime: optStr, message: optStr });

  /**
   * `GET /workspaces/:id/a2a/queue/:queue_id` 200 (molecule-core #2333): timestamps are Postgres
   * text (`2026-05-01 12:00:00.123+00`), `response_body` a base64 string (a Go `[]byte`).
   */
  const queueStatusSchema = z.looseObject({
    queue_id: str,
    workspace_id: optStr,
    status: str,
    priority: looseNum,
    attempts: looseNum,
    last_error: optStr,
    enqueued_at: optStr,
    dispatched_at: optStr,
    completed_at: optStr,
    expires_at: optStr,
    response_body: optStr,
  });

  /** The A2A proxy's `202 {queued: true}` body: a busy push peer's call, held in the platform's queue. */
  const queuedSchema = z.looseObject({
    queued: z.literal(true),
    queue_id: z.string().optional(),
    queue_depth: z.number().optional(),
    delivery_mode: z.string().optional(),
    message: z.string().optional(),
  });

  /**
   * The A2A proxy's answer for a poll-mode peer: `200 {"status":"queued","delivery_mode":"poll",
   * "method":...}`, no JSON-RPC envelope and no queue id (molecule-core #2353; `a2a_proxy.go`
   * 398-414 at 50c3bdfd). Both keys must match, as in the platform's own parser (#2979).
   */
  const pollQueuedSchema = z.looseObject({
    status: z.literal("queued"),
    delivery_mode: z.literal("poll"),
    method: z.string().optional(),
  });

  /**
   * `POST /workspaces/:id/chat/uploads` 200 (and a push workspace's ingest answer, relayed as is):
   * `{files: [{uri, name, mimeType, size}]}` (enteros-core@50c3bdfd `chat_files.go` 534-539, 753;
   * `workspace/internal_chat_uploads.py` 117+).
   */
  const chatUploadsSchema = z.looseObject({
    files: z.array(
      z.looseObject({ uri: str, name: str, mimeType: z.string().nullish(), size: looseNum }),
    ),
  });

  /** A JSON-RPC 2.0 response. */
  const jsonRpcResponseSchema = z.looseObject({
    jsonrpc: z.string().optional(),
    id: z.unknown().optional(),
    result: z.unknown().optional(),
    error: z
      .looseObject({
        code: z.number(),
        message: z.string().optional(),
        data: z.unknown().optional(),
      })
      .optional(),
  });

  return {
    registerResponseSchema,
    stateResponseSchema,
    secretsSchema,
    peerSchema,
    peersSchema,
    discoverSchema,
    delegateSchema,
    activityRowSchema,
    activityListSchema,
    tokenListSchema,
    createTokenSchema,
    workspaceSchema,
    createWorkspaceSchema,
    queuedSchema,
    pollQueuedSchema,
    chatUploadsSchema,
    jsonRpcResponseSchema,
    externalConnectionSchema,
    restartSchema,
    queueStatusSchema,
  };
}

type Schemas = ReturnType<typeof build>;
let built: Schemas | undefined;
const schemas = (): Schemas => (built ??= build(loadZod().z));

/** The schema `key`, built on its first use (a stand-in forwarding to the real zod schema). */
function lazy<K extends keyof Schemas>(key: K): Schemas[K] {
  return new Proxy({} as Schemas[K], {
    get(_target, prop) {
      const real = schemas()[key];
      const v: unknown = Reflect.get(real, prop, real);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(real) : v;
    },
  });
}

/** A parser of plain.ts standing in for the zod schema `key` (parseWire calls only `safeParse`). */
const plain = <K extends keyof Schemas>(_key: K, parser: LooseObject | ListOrItems): Schemas[K] =>
  parser as unknown as Schemas[K];

// What an idle poll agent parses at every start, state check and poll: without zod (plain.ts).
export const registerResponseSchema = plain(
  "registerResponseSchema",
  new LooseObject({
    status: "string",
    auth_token: "string?",
    delivery_mode: "string?",
    platform_inbound_secret: "string?",
  }),
);
export const stateResponseSchema = plain(
  "stateResponseSchema",
  new LooseObject({
    workspace_id: "string??",
    status: "string??",
    paused: "boolean??",
    deleted: "boolean??",
  }),
);
export const secretsSchema = lazy("secretsSchema");
export const peersSchema = lazy("peersSchema");
export const discoverSchema = lazy("discoverSchema");
export const delegateSchema = lazy("delegateSchema");
export const activityRowSchema = plain(
  "activityRowSchema",
  new LooseObject({
    id: "string",
    workspace_id: "string??",
    activity_type: "string??",
    source_id: "string??",
    target_id: "string??",
    method: "string??",
    summary: "string??",
    status: "string??",
    created_at: "string??",
    seq: "unknown?",
    request_body: "unknown?",
    response_body: "unknown?",
    data: "unknown?",
  }),
);
export const activityListSchema = plain("activityListSchema", new ListOrItems());
// What every peer call's answer is parsed with: without zod, so a first call does not load it.
export const queuedSchema = plain(
  "queuedSchema",
  new LooseObject({
    queued: { is: true },
    queue_id: "string?",
    queue_depth: "number?",
    delivery_mode: "string?",
    message: "string?",
  }),
);
export const pollQueuedSchema = plain(
  "pollQueuedSchema",
  new LooseObject({ status: { is: "queued" }, delivery_mode: { is: "poll" }, method: "string?" }),
);
export const jsonRpcResponseSchema = plain(
  "jsonRpcResponseSchema",
  new LooseObject({
    jsonrpc: "string?",
    id: "unknown?",
    result: "unknown?",
    error: new LooseObject({ code: "number", message: "string?", data: "unknown?" }),
  }),
);
export const tokenListSchema = lazy("tokenListSchema");
export const createTokenSchema = lazy("createTokenSchema");
export const workspaceSchema = lazy("workspaceSchema");
export const createWorkspaceSchema = lazy("createWorkspaceSchema");
export const externalConnectionSchema = lazy("externalConnectionSchema");
export const restartSchema = lazy("restartSchema");
export const queueStatusSchema = lazy("queueStatusSchema");
export const chatUploadsSchema = lazy("chatUploadsSchema");

/** Wire type of the register response. */
export type WireRegisterResponse = z.infer<Schemas["registerResponseSchema"]>;
/** Wire type of the state response. */
export type WireStateResponse = z.infer<Schemas["stateResponseSchema"]>;
/** Wire type of one peer row. */
export type WirePeer = z.infer<Schemas["peerSchema"]>;
/** Wire type of the discover response. */
export type WireDiscoverResponse = z.infer<Schemas["discoverSchema"]>;
/** Wire type of the delegate response. */
export type WireDelegateResponse = z.infer<Schemas["delegateSchema"]>;
/** Wire type of one activity row. */
export type WireActivityRow = z.infer<Schemas["activityRowSchema"]>;
/** Wire type of the token list response. */
export type WireTokenList = z.infer<Schemas["tokenListSchema"]>;
/** Wire type of `GET /workspaces/:id`. */
export type WireWorkspace = z.infer<Schemas["workspaceSchema"]>;
/** Wire type of `POST /workspaces`. */
export type WireCreateWorkspaceResponse = z.infer<Schemas["createWorkspaceSchema"]>;
/** Wire type of a JSON-RPC response. */
export type WireJsonRpcResponse = z.infer<Schemas["jsonRpcResponseSchema"]>;
/** `POST /workspaces/:id/external/rotate` and `GET …/external/connection` 200. */
export type WireExternalConnection = z.infer<Schemas["externalConnectionSchema"]>;

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
