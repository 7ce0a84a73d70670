// A peer's answer as a PeerCallResult: queued (a poll peer's receipt, or a busy peer's 202),
// completed/failed/..., or a typed error for a failed call (HTTP status through the proxy or
// directly, a JSON-RPC error) or an answer of no known shape.
import type { A2AProtocolVersion, AnswerFailure } from "../a2a/index.js";
import { isA2AAnswer, isAnswerFailure, peerWireError, summarizeA2AResult } from "../a2a/index.js";
import {
  MoleculeAuthError,
  type MoleculeError,
  MoleculeNotFoundError,
  MoleculePeerError,
} from "../transport/index.js";
import type { HttpResponse } from "../transport/index.js";
import { redactDeep, redactText } from "../transport/index.js";
import { jsonRpcResponseSchema, parseWire, pollQueuedSchema, queuedSchema } from "../wire/index.js";
import { clip, errorText, ok, tenantRefusal } from "./http-errors.js";
import type { PeerCallResult } from "./peer-types.js";
import type { PlatformSession } from "./session.js";

/**
 * Whether a body has an `error` field: one without it (every answer and queued receipt) can name
 * no JSON-RPC error, so it is not parsed for one.
 */
function namesError(body: unknown): boolean {
  return (
    typeof body === "object" && body !== null && (body as { error?: unknown }).error !== undefined
  );
}

/** The JSON-RPC error code of a 2xx peer answer, if it is one. */
export function rpcErrorCode(res: HttpResponse): number | undefined {
  if (!ok(res.status) || !namesError(res.body)) return undefined;
  const rpc = parseWire(jsonRpcResponseSchema, res.body);
  return rpc.ok && rpc.value.error ? rpc.value.error.code : undefined;
}

/**
 * Throws the typed error {@link peerResult} throws for a failed peer call, for a caller that does
 * not read the result (a reply): a 2xx answer that names no error is not parsed.
 */
export function assertDelivered(
  s: PlatformSession,
  peerId: string,
  messageId: string,
  res: HttpResponse,
  via: "proxy" | "direct",
): void {
  if (ok(res.status) && !namesError(res.body)) return;
  peerResult(s, peerId, messageId, res, via);
}

/** The result of a peer call, or the typed error it failed with. */
export function peerResult(
  s: PlatformSession,
  peerId: string,
  messageId: string,
  res: HttpResponse,
  via: "proxy" | "direct",
  info: { protocol: A2AProtocolVersion; fellBack: boolean } = {
    protocol: "0.3",
    fellBack: false,
  },
): PeerCallResult {
  const body = res.body;
  // An HTTP+JSON peer's error: an HTTP status with an A2A reason (google.rpc.Status).
  const rest = !ok(res.status) && via === "direct" ? peerWireError(body) : undefined;
  if (!ok(res.status) && rest?.code === undefined) throw peerFailure(s, peerId, res, via);
  const receipt = rest === undefined ? queuedReceipt(body, peerId, messageId) : undefined;
  if (receipt !== undefined) return receipt;
  const rpc = parseWire(jsonRpcResponseSchema, body);
  const e = rest ?? (rpc.ok ? rpc.value.error : undefined);
  if (e) {
    const data = "data" in e ? e.data : undefined;
    const failure = isRecord(data) ? data.code : undefined;
    if (isAnswerFailure(failure)) throw peerFailedError(peerId, failure, res.status);
    let hint = "";
    if (e.code === -32009 && via === "proxy") {
      hint =
        '; the peer requires the A2A-Version: 1.0 header, which the platform proxy does not forward: call it with via: "direct", or have the peer accept A2A 0.3 (e.g. legacyCompat in @a2a-js/sdk)';
    } else if ((e.code === -32601 || e.code === -32009) && info.fellBack) {
      hint = "; it rejected both A2A 0.3 (message/send) and 1.0 (SendMessage)";
    } else if (e.code === -32601 || e.code === -32009) {
      hint = `; it does not accept A2A ${info.protocol} (pass protocol: "${info.protocol === "1.0" ? "0.3" : "1.0"}" or leave protocol unset to fall back)`;
    } else {
      hint =
        "; the peer refused the request: check the message against its agent card, or its logs";
    }
    const said = e.message ? ` "${redactText(clip(e.message), s.known)}"` : "";
    throw new MoleculePeerError(`peer ${peerId} answered A2A error ${e.code}${said}${hint}`, {
      peerId,
      code: "peer_rpc_error",
      rpcCode: e.code,
      status: res.status,
      body: redactDeep(body, s.known),
    });
  }
  // A JSON-RPC result, or a bare A2A Message / Task (a peer answering without the envelope).
  const enveloped = rpc.ok && "result" in rpc.value;
  const summary =
    enveloped || isA2AAnswer(body)
      ? summarizeA2AResult(enveloped ? rpc.value.result : body)
      : undefined;
  if (summary === undefined) throw malformedAnswer(s, peerId, res);
  const out: PeerCallResult = {
    status: summary.status,
    text: summary.text,
    parts: summary.parts,
    artifacts: summary.artifacts,
    raw: body,
    peerId,
    messageId,
    protocol: info.protocol,
  };
  if (summary.contextId) out.contextId = summary.contextId;
  if (summary.taskId) out.taskId = summary.taskId;
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The peer took the message but will never answer it: its handler failed on every attempt, the
 * conversation went over its turn limit, or the message never finished after repeated deliveries
 * (a push peer's JSON-RPC `-32603` with `data.code`, a poll peer's answer with
 * `molecule_failure`). Not retryable: calling again would likely fail the same way.
 */
export function peerFailedError(
  peerId: string,
  reason: AnswerFailure,
  status?: number,
): MoleculePeerError {
  const why: Record<AnswerFailure, string> = {
    handler_failed: "its handler failed on every attempt",
    turn_limit: "the conversation went over its turn limit (a loop between agents?)",
    delivery_limit: "the message was delivered to it repeatedly and never finished",
  };
  return new MoleculePeerError(
    `peer ${peerId} could not handle the message (${reason}: ${why[reason]}) and will not answer it; see that agent's logs (calling again may fail the same way)`,
    { peerId, code: "peer_failed", rpcCode: -32603, retryable: false, status },
  );
}

/**
 * The platform's receipt for a call it stored or queued instead of answering, on any 2xx status:
 * a poll-mode peer's `{"status":"queued","delivery_mode":"poll","method":...}` (molecule-core
 * #2353, 200, no queue id), a busy push peer's `202 {"queued":true,"queue_id",...}`, a booting
 * peer's `200 {"status":"queued","queued":true,"queue_id","queue_depth"}` (August 2026, 50e5b3ec)
 * or a push call past the proxy's budget, `{"status":"queued","delivery_mode":"push-async"}`.
 */
function queuedReceipt(
  body: unknown,
  peerId: string,
  messageId: string,
): PeerCallResult | undefined {
  if (parseWire(pollQueuedSchema, body).ok) {
    return { status: "queued", queueId: "", deliveryMode: "poll", raw: body, peerId, messageId };
  }
  const q = parseWire(queuedSchema, body);
  if (!q.ok) {
    // The August-2026 proxy's answer when a push call outlives its edge budget: the call goes on
    // and its reply reaches the canvas, not this caller (a2a_proxy.go, `push-async`).
    const b = body as { status?: unknown; delivery_mode?: unknown } | undefined;
    if (b?.status === "queued" && b.delivery_mode === "push-async")
      return { status: "queued", queueId: "", deliveryMode: "push", raw: body, peerId, messageId };
    return undefined;
  }
  const out: PeerCallResult = {
    status: "queued",
    queueId: q.value.queue_id ?? "",
    deliveryMode: q.value.delivery_mode === "poll" ? "poll" : "push",
    raw: body,
    peerId,
    messageId,
  };
  if (q.value.queue_depth !== undefined) out.queueDepth = q.value.queue_depth;
  return out;
}

/**
 * A 2xx answer of no shape this SDK knows (no receipt, no JSON-RPC result or error, no A2A
 * Message or Task, or a task state A2A does not define): never read as an empty completed answer.
 * Not retryable: the peer or the platform may have taken the message.
 */
function malformedAnswer(s: PlatformSession, peerId: string, res: HttpResponse): MoleculeError {
  const b = res.body;
  const keys =
    typeof b === "object" && b !== null && !Array.isArray(b)
      ? `an object with keys ${
          Object.keys(b)
            .slice(0, 8)
            .map((k) => JSON.stringify(clip(k)))
            .join(", ") || "(none)"
        }`
      : b === undefined || b === null || b === ""
        ? "no JSON body"
        : `JSON ${Array.isArray(b) ? "array" : typeof b}`;
  return new MoleculePeerError(
    `the answer to the call to peer ${peerId} (HTTP ${res.status}, ${keys}) is neither an A2A result nor a receipt this SDK knows; the message may have been delivered, so it is not retried: check the peer's logs, or whether the platform is newer than this SDK`,
    {
      peerId,
      code: "peer_malformed_answer",
      status: res.status,
      retryable: false,
      body: redactDeep(b, s.known),
    },
  );
}

export function peerFailure(
  s: PlatformSession,
  peerId: string,
  res: HttpResponse,
  via: "proxy" | "direct",
): MoleculeError {
  const status = res.status;
  const detail = errorText(res.body, s.known);
  const said = detail ? ` "${detail}"` : "";
  const body = redactDeep(res.body, s.known);
  if (via === "proxy") {
    // A peer's own error reaches the caller wrapped in JSON: an empty 404 is the tenant's.
    const tenant = tenantRefusal(res, "callPeer", s.known, { orgId: s.orgId });
    if (tenant) return tenant;
    if (status === 401) {
      return new MoleculeAuthError(
        `the platform rejected this workspace's token for the peer call (401${said}); check the token, or whether this workspace was removed`,
        { status, body },
      );
    }
    if (status === 403) {
      return new MoleculeAuthError(
        `workspace ${s.workspaceId} may not talk to ${peerId} (403${said}): the platform's hierarchy rules only allow siblings, parent/children and root workspaces`,
        { status, body },
      );
    }
    if (status === 404 && detail === "workspace not found") {
      return new MoleculeNotFoundError(`peer workspace ${peerId} does not exist (404)`, { body });
    }
    if (status === 404) {
      // Relayed from the peer's own endpoint: the platform holds a URL the peer no longer serves.
      return new MoleculePeerError(
        `peer ${peerId} exists, but its own endpoint answered 404${said} at the URL the platform holds for it: that URL is stale: the peer restarted on another port or path secret and has not registered the new URL (on the April-2026 platform a re-register also keeps an existing http://127.0.0.1… URL); the peer must register a URL it serves (see docs/platform-versions.md)`,
        { peerId, code: "peer_url_stale", status, retryable: false, body },
      );
    }
    if (status === 400 || status === 402 || status === 429) return s.fail(res, "callPeer");
  }
  if (status === 502 && /not publicly routable/i.test(detail ?? "")) {
    // Outside development mode the platform refuses loopback agent URLs (handlers/ssrf.go at
    // enteros-core aeec8e47): the peer registered a URL this platform will never call.
    return new MoleculePeerError(
      `peer ${peerId} cannot be reached by this platform (502${said}): it registered a loopback or private URL, which a hosted platform refuses; the peer must register a public URL (publicUrl / MOLECULE_PUBLIC_URL) or use poll delivery`,
      { peerId, code: "peer_url_not_routable", status, retryable: false, body },
    );
  }
  if (status === 502) {
    return new MoleculePeerError(
      `peer ${peerId} is unreachable (502${said}); it may be offline — try later`,
      {
        peerId,
        code: "peer_unreachable",
        status,
        retryable: true,
        body,
      },
    );
  }
  if (status === 503) {
    return new MoleculePeerError(
      `peer ${peerId} is not available (503${said}); it may be paused, have no URL, or be busy — try later`,
      { peerId, code: "peer_unavailable", status, retryable: true, body },
    );
  }
  if (status === 504) {
    return new MoleculePeerError(
      `peer ${peerId} timed out (504${said}); it may still be working: try later (the peer de-duplicates by messageId)`,
      {
        peerId,
        code: "peer_timeout",
        status,
        retryable: true,
        body,
      },
    );
  }
  return new MoleculePeerError(
    `peer ${peerId} answered HTTP ${status}${said}; check the peer (its logs, its agent card) or try another`,
    {
      peerId,
      code: "peer_error",
      status,
      retryable: status >= 500,
      body,
    },
  );
}
