// The A2A proxy: `POST /workspaces/:id/a2a` and delivery of one envelope (poll store, forward,
// activity rows, busy queueing, the `offsec003Wrapping` opt-in).
import { resolveA2ACaller } from "../a2a-caller.js";
import { type Ctx, HttpError, readBody, sendJson, STATUS_TEXT } from "../http-io.js";
import { wrapPeerResult } from "../peer-text.js";
import type { Platform } from "../platform.js";
import { forward } from "./forward.js";
import { inboundAuth } from "./inbound-auth.js";
import { logWithMessageId, messageIdOf } from "./message-rows.js";
import { enqueue } from "./queue.js";
import type { QueueRow, WorkspaceRow } from "../store.js";
import { isObject, newId } from "../util.js";

/** The proxy's body cap: 1 MiB on the older servers, 16 MiB on 2026-08 (`a2a_proxy.go` 81 at aeec8e47). */
const A2A_MAX_BODY = 1 << 20;
const A2A_MAX_BODY_AUGUST = 16 << 20;

/** What one delivery answers the caller. */
export interface Forward {
  status: number;
  body: unknown;
  /** The agent's own result before OFFSEC-003 wrapping (set when `body` was wrapped). */
  unwrapped?: unknown;
  raw?: Buffer;
  headers?: Record<string, string>;
}

/** The real server's `normalizeA2APayload`: a JSON-RPC envelope with a message id. */
function normalize(v: unknown): Record<string, unknown> {
  if (!isObject(v)) throw new HttpError(400, { error: "invalid JSON" });
  let env = v;
  if (!("jsonrpc" in v))
    env = {
      jsonrpc: "2.0",
      id: newId(),
      method: v["method"] ?? null,
      params: v["params"] ?? null,
    };
  const params = env["params"];
  if (isObject(params) && isObject(params["message"]) && !("messageId" in params["message"]))
    params["message"]["messageId"] = newId();
  return env;
}

/** `POST /workspaces/:id/a2a`: the A2A proxy. */
export async function a2a(platform: Platform, ctx: Ctx, id: string): Promise<void> {
  const limit = platform.august ? A2A_MAX_BODY_AUGUST : A2A_MAX_BODY;
  const buf = await readBody(ctx.req, platform.august ? limit + 1 : limit, true);
  // 2026-08 fails loud instead of truncating (core#2677; `a2a_proxy.go` 105-116, 472-486).
  if (buf.length > limit)
    throw new HttpError(413, {
      error: `request body exceeds ${limit} byte limit: A2A body exceeds size limit`,
      truncated: true,
      max_bytes: limit,
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString("utf8"));
  } catch {
    throw new HttpError(400, { error: "invalid JSON" });
  }
  const who = resolveA2ACaller(ctx.req.headers, id, {
    latest: platform.latest,
    august: platform.august,
    hasBearer: () => ctx.bearer !== undefined,
    isAdmin: () => platform.isAdmin(ctx),
    lazyCheck: (caller) => platform.lazyFailure(ctx, caller),
    bearerWorkspace: () => platform.bearerWorkspace(ctx),
    canCommunicate: (a, b) => platform.canCommunicate(a, b),
  });
  if (who.callerId === undefined) throw new HttpError(who.status, { error: who.error });
  const callerId = who.callerId;
  const env = normalize(parsed);
  const target = platform.ws(id);
  if (target === undefined) throw new HttpError(404, { error: "workspace not found" });
  if (target.budgetLimit !== null && target.monthlySpend >= target.budgetLimit)
    throw new HttpError(402, { error: "workspace budget limit exceeded" });
  const r = await deliver(platform, target, callerId, env, undefined);
  ctx.headers["Content-Type"] = "application/json";
  if (r.raw !== undefined) {
    ctx.headers["Content-Length"] = r.raw.length;
    if (r.headers !== undefined) Object.assign(ctx.headers, r.headers);
    ctx.res.writeHead(r.status, ctx.headers);
    ctx.res.end(r.raw);
    return;
  }
  sendJson(ctx, r.status, r.body, r.headers);
}

/** Resolves the target and delivers one normalised envelope (proxy, delegation, queue drain). */
export async function deliver(
  platform: Platform,
  target: WorkspaceRow,
  callerId: string | null,
  env: Record<string, unknown>,
  fromQueue: QueueRow | undefined,
): Promise<Forward> {
  const method = typeof env["method"] === "string" ? env["method"] : null;
  const caller = callerId === null ? undefined : platform.ws(callerId);
  // The poll-mode short-circuit (molecule-core #2353; `a2a_proxy.go` 398-414 and
  // `a2a_proxy_helpers.go` 452-475 at 50c3bdfd): after the access, budget and normalisation checks
  // and whatever the target's status, the call is stored as an `a2a_receive` row for the agent to
  // poll and answered `200 {"status":"queued","delivery_mode":"poll","method":...}`: no JSON-RPC
  // envelope, no queue id. A drained queue row (`fromQueue`) was a push target's and is forwarded.
  // On 2026-08 a drained row goes through the same proxy call (`DrainQueueForWorkspace` calls
  // `proxyA2ARequest`, `a2a_queue.go` 805 at aeec8e47): a poll target stores it too.
  if (
    platform.latest &&
    target.deliveryMode === "poll" &&
    (fromQueue === undefined || platform.august)
  ) {
    logStored(platform, target, callerId, env, "queued for poll");
    if (caller !== undefined) caller.lastOutboundAt = platform.now();
    return { status: 200, body: { status: "queued", delivery_mode: "poll", method: method ?? "" } };
  }
  if (target.url === "") {
    if (target.status === "hibernated")
      return {
        status: 503,
        body: {
          error: "workspace is waking from hibernation — retry in ~15 seconds",
          waking: true,
          retry_after: 15,
        },
        headers: { "Retry-After": "15" },
      };
    // 2026-08: a workspace still settling (`provisioning`, `awaiting_agent`: an external one before
    // its agent registers) has the call queued for a later heartbeat's drain, and logged as an
    // `a2a_receive` row (`a2a_proxy.go` 935-947 and 1280-1290, `a2a_proxy_helpers.go` 487-512,
    // `logA2ABusyQueued` at aeec8e47); a drained row still settling stays a 503 (requeued).
    const settling = target.status === "provisioning" || target.status === "awaiting_agent";
    if (platform.august && settling && fromQueue === undefined) {
      logStored(platform, target, callerId, env, "queued: target busy");
      return queuedAnswer(platform, target, callerId, env);
    }
    return { status: 503, body: { error: "workspace has no URL", status: target.status } };
  }
  let bearer: string | undefined;
  if (platform.august) {
    const auth = inboundAuth(platform, target);
    if (auth.refuse !== undefined) return auth.refuse;
    bearer = auth.bearer;
  }
  const out = await forward(platform, target, env, bearer);
  const base = {
    workspace_id: target.id,
    activity_type: "a2a_receive",
    source_id: callerId,
    target_id: target.id,
    method,
    duration_ms: out.durationMs,
    request_body: env as unknown,
  };
  switch (out.kind) {
    case "unsafe":
      return { status: 502, body: { error: "workspace URL is not publicly routable" } };
    case "ok": {
      const raw = out.body ?? Buffer.alloc(0);
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.toString("utf8"));
      } catch {
        parsed = undefined;
      }
      const rowBody: Record<string, unknown> = {};
      if (parsed !== undefined) {
        rowBody["response_body"] = parsed;
        const tt =
          isObject(parsed) && isObject(parsed["result"]) && isObject(parsed["result"]["metadata"])
            ? parsed["result"]["metadata"]["tool_trace"]
            : undefined;
        if (tt !== undefined) rowBody["tool_trace"] = tt;
      }
      const row = {
        ...base,
        summary: `${method ?? "a2a"} → ${target.name}`,
        status: "ok",
        error_detail: null,
        ...rowBody,
      };
      logWithMessageId(platform, row, messageIdOf(env));
      if (caller !== undefined) caller.lastOutboundAt = platform.now();
      if (callerId === null)
        platform.emit(target.id, "A2A_RESPONSE", { response_body: parsed ?? null });
      // Peer answers pass through unchanged: no server wraps them (platform-hosted.md, last
      // section). `offsec003Wrapping` opts into the seed documents' OFFSEC-003 markers.
      if (platform.s.offsec003Wrapping && parsed !== undefined) {
        const copy = JSON.parse(raw.toString("utf8")) as unknown;
        if (wrapPeerResult(copy))
          return {
            status: out.status ?? 200,
            body: copy,
            unwrapped: parsed,
            raw: Buffer.from(JSON.stringify(copy)),
          };
      }
      return { status: out.status ?? 200, body: parsed, raw };
    }
    case "agent-error": {
      let msg = STATUS_TEXT[out.status ?? 502] ?? "error";
      try {
        const p = JSON.parse((out.body ?? Buffer.alloc(0)).toString("utf8")) as unknown;
        if (isObject(p) && typeof p["error"] === "string") msg = p["error"];
      } catch {
        // keep the status text
      }
      platform.logActivity({
        ...base,
        summary: `A2A request to ${target.name} failed: HTTP ${out.status}`,
        status: "error",
        error_detail: msg,
      });
      return { status: out.status ?? 502, body: { error: msg } };
    }
    case "read-failed":
      platform.logActivity({
        ...base,
        summary: `A2A request to ${target.name} failed: ${out.error}`,
        status: "error",
        error_detail: out.error ?? null,
      });
      return {
        status: 502,
        body: { error: "failed to read agent response", delivery_confirmed: true },
      };
    case "unreachable":
      platform.logActivity({
        ...base,
        summary: `A2A request to ${target.name} failed: ${out.error}`,
        status: "error",
        error_detail: out.error ?? null,
      });
      return { status: 502, body: { error: "failed to reach workspace agent" } };
    case "busy": {
      // 2026-08: a busy target's call is queued and logged as an `ok` row `(queued: target busy)`,
      // native_session targets too (#1684 collapsed the two branches): `a2a_proxy_helpers.go`
      // 206-301 and `logA2ABusyQueued` 712-733 at aeec8e47. Earlier servers log the failure.
      if (platform.august && fromQueue === undefined) {
        logStored(platform, target, callerId, env, "queued: target busy", out.durationMs);
        return queuedAnswer(platform, target, callerId, env);
      }
      platform.logActivity({
        ...base,
        summary: `A2A request to ${target.name} failed: ${out.error}`,
        status: "error",
        error_detail: out.error ?? null,
      });
      if (fromQueue !== undefined) return { status: 503, body: { error: out.error } };
      if (target.capabilities["session"] === true)
        return {
          status: 503,
          body: {
            error: "workspace agent busy — adapter handles retry (native_session)",
            busy: true,
            retry_after: 30,
            native_session: true,
          },
          headers: { "Retry-After": "30" },
        };
      return queuedAnswer(platform, target, callerId, env);
    }
  }
}

/**
 * The `a2a_receive` row of a call stored for the target, not forwarded (`<method> → <name> (why)`);
 * `durationMs`: how long a forward that found the target busy took.
 */
function logStored(
  platform: Platform,
  target: WorkspaceRow,
  callerId: string | null,
  env: Record<string, unknown>,
  why: string,
  durationMs = 0,
): void {
  const method = typeof env["method"] === "string" ? env["method"] : null;
  const row = {
    workspace_id: target.id,
    activity_type: "a2a_receive",
    source_id: callerId,
    target_id: target.id,
    method,
    summary: `${method ?? ""} → ${target.name} (${why})`,
    duration_ms: durationMs,
    status: "ok",
    error_detail: null,
    request_body: env,
  };
  if (why === "queued for poll") logWithMessageId(platform, row, messageIdOf(env));
  else platform.logActivity(row);
}

/** Queues the call (`enqueueBusyA2A`) and answers `202` with its queue id and depth. */
function queuedAnswer(
  platform: Platform,
  target: WorkspaceRow,
  callerId: string | null,
  env: Record<string, unknown>,
): Forward {
  const q = enqueue(platform, target, callerId, env);
  return {
    status: 202,
    body: {
      queued: true,
      queue_id: q.id,
      queue_depth: platform.store.queue.filter(
        (x) => x.workspaceId === target.id && x.status === "queued",
      ).length,
      message: "workspace agent busy — request queued, will dispatch when capacity available",
    },
  };
}
