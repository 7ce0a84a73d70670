// What the canvas shows of a session, read by the workspace itself: session search (own activity
// and own memories), Langfuse traces, and a workspace's transcript through the platform's proxy.
// shared/reference/platform-api-workspace-features.md §3.
import { neutralizePeerMarkers } from "../a2a/index.js";
import { sessionHitListSchema } from "../wire/index.js";
import { MoleculeAuthError, type HttpResponse, redactDeep } from "../transport/index.js";
import { invalid } from "./args.js";
import { errorText, ok } from "./http-errors.js";
import { requireWorkspaceId } from "./ids.js";
import { enc, type PlatformSession } from "./session.js";

/** One hit of `searchSession`. */
export interface SessionHit {
  /** `"activity"` (an activity row) or `"memory"` (a memory this workspace wrote). */
  kind: string;
  id: string;
  /** The activity type, or the memory's scope. */
  label: string;
  /**
   * The summary or memory text. Activity rows can hold peers' words, so spoofed trust markers are
   * neutralised (`neutralizePeerMarkers`).
   */
  content: string;
  method: string;
  status: string;
  createdAt: string | undefined;
  requestBody?: unknown;
  responseBody?: unknown;
}

/** `GET /workspaces/:id/session-search?q=&limit=`: substring search, newest first. */
export async function searchSession(
  s: PlatformSession,
  options: { q?: string | undefined; limit?: number | undefined; signal?: AbortSignal | undefined },
): Promise<SessionHit[]> {
  if (options.q !== undefined && typeof options.q !== "string") throw invalid("q must be a string");
  const limit = options.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 200))
    throw invalid(`limit must be an integer from 1 to 200; got ${String(limit)}`);
  const res = await s.send({
    method: "GET",
    path: `/workspaces/${enc(s.workspaceId)}/session-search`,
    query: { q: options.q || undefined, limit },
    signal: options.signal,
  });
  if (!ok(res.status)) throw await s.selfFail(res, "searchSession", options.signal);
  return s.expect(sessionHitListSchema, res, "searchSession").map((h) => ({
    kind: h.kind,
    id: h.id,
    label: h.label ?? "",
    content: neutralizePeerMarkers(h.content ?? ""),
    method: h.method ?? "",
    status: h.status ?? "",
    createdAt: h.created_at ?? undefined,
    ...(h.request_body !== undefined ? { requestBody: h.request_body } : {}),
    ...(h.response_body !== undefined ? { responseBody: h.response_body } : {}),
  }));
}

/**
 * `GET /workspaces/:id/traces`: the 20 newest Langfuse traces tagged with this workspace's id.
 * The platform answers `[]` when Langfuse is not configured, else Langfuse's own object (its
 * `data` array is returned here); Langfuse's error statuses are relayed as they are.
 */
export async function listTraces(
  s: PlatformSession,
  options: { signal?: AbortSignal | undefined },
): Promise<unknown[]> {
  const res = await s.send({
    method: "GET",
    path: `/workspaces/${enc(s.workspaceId)}/traces`,
    signal: options.signal,
  });
  if (!ok(res.status)) throw await s.selfFail(res, "listTraces", options.signal);
  const b = res.body as unknown;
  if (Array.isArray(b)) return b;
  const data = (b as { data?: unknown } | null)?.data;
  return Array.isArray(data) ? data : [];
}

/** What `GET /transcript` of an agent answers (the reference runtime's shape; other keys kept). */
export interface TranscriptPage {
  supported?: boolean;
  lines?: unknown[];
  cursor?: number;
  more?: boolean;
  [key: string]: unknown;
}

/**
 * `GET /workspaces/:id/transcript?since=&limit=`: the platform relays the workspace agent's own
 * `GET /transcript`, forwarding this client's bearer to that agent as it is.
 */
export async function fetchTranscript(
  s: PlatformSession,
  workspaceId: string | undefined,
  options: {
    since?: number | undefined;
    limit?: number | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<TranscriptPage> {
  const id =
    workspaceId === undefined ? s.workspaceId : requireWorkspaceId(workspaceId, "workspace id");
  for (const [k, v] of [
    ["since", options.since],
    ["limit", options.limit],
  ] as const)
    if (v !== undefined && (!Number.isInteger(v) || v < 0))
      throw invalid(`${k} must be an integer >= 0; got ${String(v)}`);
  const res = await s.send({
    method: "GET",
    path: `/workspaces/${enc(id)}/transcript`,
    query: { since: options.since, limit: options.limit },
    signal: options.signal,
  });
  if (!ok(res.status)) {
    const other = id !== s.workspaceId && (res.status === 401 || res.status === 403);
    throw other ? notAllowed(s, res, id) : s.fail(res, `fetchTranscript(${id})`);
  }
  const b = res.body;
  if (typeof b !== "object" || b === null || Array.isArray(b))
    throw invalid(`fetchTranscript(${id}): the agent answered a non-object body`);
  return b as TranscriptPage;
}

/**
 * A 401 or 403 to another workspace's transcript. The platform accepts a workspace token only for
 * its own workspace (it answers 401 "invalid workspace auth token" to a valid token of another),
 * so the error says the token is not allowed there (`code: "forbidden"`) rather than that it is
 * wrong.
 */
function notAllowed(s: PlatformSession, res: HttpResponse, id: string): MoleculeAuthError {
  const detail = errorText(res.body, s.known);
  return new MoleculeAuthError(
    `fetchTranscript(${id}) was refused (${res.status}${detail ? ` "${detail}"` : ""}): the ` +
      `platform accepts this client's token (workspace ${s.workspaceId}) for its own workspace ` +
      "only, not for another's transcript. Read it with that workspace's token or the admin " +
      "token (what the canvas uses); if this client's own calls fail with 401 too, its token is " +
      "wrong or revoked",
    { status: res.status, body: redactDeep(res.body, s.known), code: "forbidden" },
  );
}
