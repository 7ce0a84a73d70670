// Peer calls: an A2A message to a peer through the platform proxy or directly, in the protocol the
// peer speaks (v0.3 or v1.0, from its card or what worked before), falling back once when refused;
// directly, a peer whose card offers only the HTTP+JSON binding gets `POST /message:send`.
import {
  A2A_VERSION_HEADER,
  type A2AProtocolVersion,
  buildMessageSendRequest,
  peerInterfaceOf,
  toSendMessageRequestV1,
} from "../a2a/index.js";
import type { A2APart } from "../a2a/index.js";
import { traceMetadata, tracePeerSend } from "../observability/index.js";
import { MoleculeError, MoleculePeerError, MoleculeTimeoutError } from "../transport/index.js";
import { sendRetryingFresh } from "../transport/index.js";
import type { HttpResponse, RatePriority, RequestSpec } from "../transport/index.js";
import { invalid } from "./args.js";
import { recordedDirectCall } from "./on-demand.js";
import { fetchPeerCard, MAX_PEER_RESPONSE_BYTES, postToPeer, requestPeer } from "./direct.js";
import { ok } from "./http-errors.js";
import { requireWorkspaceId as requireId } from "./ids.js";
import { directPeerUrl, listPeers } from "./peers.js";
import { peerResult, rpcErrorCode } from "./peer-result.js";
import type { PeerCallOptions, PeerCallResult } from "./peer-types.js";
import { enc, type PlatformSession } from "./session.js";

/** What `callPeer` sends: text, or A2A parts. */
export type PeerCallMessage = string | { text?: string; parts?: A2APart[] | unknown[] };

/**
 * `PlatformClient.callPeer`: {@link callPeer} in a peer-send span; a direct call, which the
 * platform does not see, is recorded as a delegation so the canvas shows it (unless
 * `recordDelegation: false`).
 */
export function tracedCallPeer(
  s: PlatformSession,
  peerId: string,
  message: PeerCallMessage,
  options: PeerCallOptions,
): Promise<PeerCallResult> {
  const { messageId, contextId, via } = options;
  const peerName = s.peers.identity(peerId, performance.now())?.name ?? undefined;
  const send = { workspaceId: s.workspaceId, peerId, peerName, messageId, contextId, via };
  const run = (): Promise<PeerCallResult> => callPeer(s, peerId, message, options);
  const recorded =
    via === "direct" && options.recordDelegation !== false
      ? () => recordedDirectCall(s, peerId, message, run)
      : run;
  return tracePeerSend(send, false, recorded);
}

/** Sends an A2A message to a peer; see `PlatformClient.callPeer`. */
async function callPeer(
  s: PlatformSession,
  peerId: string,
  message: PeerCallMessage,
  options: PeerCallOptions,
): Promise<PeerCallResult> {
  const target = requireId(peerId, "peerId");
  const input = typeof message === "string" ? { text: message } : (message ?? {});
  const hasText = typeof input.text === "string" && input.text !== "";
  const hasParts = Array.isArray(input.parts) && input.parts.length > 0;
  if (!hasText && !hasParts) throw invalid("callPeer needs a non-empty message (text or parts)");
  const req = buildMessageSendRequest({
    text: input.text,
    parts: input.parts,
    role: "user",
    messageId: options.messageId,
    contextId: options.contextId,
    taskId: options.taskId,
    metadata: { ...s.senderHint, ...traceMetadata(), ...options.metadata },
  });
  if (req.params.message.parts.length === 0)
    throw invalid("callPeer: none of the given parts is a valid A2A part");
  const messageId = req.params.message.messageId;
  const timeoutMs = options.timeoutMs ?? s.peerTimeoutMs;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0))
    throw invalid(`callPeer timeoutMs must be a positive number; got ${String(timeoutMs)}`);
  const forced = options.protocol;
  if (forced !== undefined && forced !== "0.3" && forced !== "1.0")
    throw invalid(`callPeer protocol must be "0.3" or "1.0"; got ${JSON.stringify(forced)}`);
  const signal = options.signal;
  const via = options.via === "direct" ? "direct" : "proxy";
  let peerUrl = via === "direct" ? await directPeerUrl(s, target, signal) : undefined;
  const deadline = performance.now() + timeoutMs;
  const remaining = (): number => Math.max(1, Math.ceil(deadline - performance.now()));
  let protocol = forced ?? s.peers.knownProtocol(target);
  // A peer that serves only HTTP+JSON has no protocol remembered: its card is read each time.
  if (peerUrl !== undefined && protocol === undefined) {
    const card = await fetchPeerCard(s.transport.dispatcher, peerUrl, {
      peerId: target,
      signal,
      timeoutMs: Math.min(5_000, remaining()),
      userAgent: s.userAgent,
    });
    const iface = peerInterfaceOf(card, peerUrl);
    if (iface?.binding.binding === "HTTP+JSON" && forced === undefined) {
      // A peer that serves only HTTP+JSON: its v1.0 `POST /message:send`, no fallback.
      const res = await requestPeer(
        s.transport.dispatcher,
        iface.url,
        {
          method: "POST",
          path: "/message:send",
          body: JSON.stringify(toSendMessageRequestV1(req).params),
        },
        {
          peerId: target,
          signal,
          timeoutMs: remaining(),
          userAgent: s.userAgent,
          a2aVersion: "1.0",
        },
      );
      return peerResult(s, target, messageId, res, via, { protocol: "1.0", fellBack: false });
    }
    if (iface !== undefined) peerUrl = iface.url;
    protocol ??= iface?.binding.version;
    if (protocol !== undefined) s.peers.rememberProtocol(target, protocol);
  }
  const send = async (version: A2AProtocolVersion): Promise<HttpResponse> => {
    const bodyText = JSON.stringify(version === "1.0" ? toSendMessageRequestV1(req) : req);
    if (peerUrl === undefined) {
      return await postViaProxy(s, target, bodyText, remaining(), signal, {
        reportMs: timeoutMs,
        deadline,
        ...(version === "1.0" ? { a2aVersion: "1.0" as const } : {}),
      });
    }
    try {
      return await postToPeer(s.transport.dispatcher, peerUrl, bodyText, {
        peerId: target,
        signal,
        timeoutMs: remaining(),
        userAgent: s.userAgent,
        ...(version === "1.0" ? { a2aVersion: "1.0" as const } : {}),
      });
    } catch (err) {
      if (err instanceof MoleculePeerError && err.code === "peer_unreachable")
        s.peers.invalidate(target);
      throw err;
    }
  };
  let used: A2AProtocolVersion = protocol ?? "0.3";
  let res = await send(used);
  let fellBack = false;
  if (forced === undefined) {
    const code = rpcErrorCode(res);
    const other =
      used === "0.3" && (code === -32601 || code === -32009)
        ? "1.0"
        : used === "1.0" && code === -32601
          ? "0.3"
          : undefined;
    if (other !== undefined) {
      s.logger?.debug?.(
        `callPeer: peer ${target} rejected A2A ${used} (${code}); retrying once in ${other}`,
      );
      used = other;
      fellBack = true;
      res = await send(used);
    }
    if (ok(res.status) && rpcErrorCode(res) === undefined) s.peers.rememberProtocol(target, used);
  }
  try {
    return peerResult(s, target, messageId, res, via, { protocol: used, fellBack });
  } catch (error) {
    throw via === "proxy" ? await unknownPeerOr(s, target, error, signal) : error;
  }
}

/**
 * The error for a peer call the proxy refused with 403: `peer_unknown` when this workspace's peer
 * list (read afresh) does not hold the id, else `error` itself. The platform answers an id that
 * names no workspace exactly as one its hierarchy rules keep apart (both fail `CanCommunicate`,
 * `a2a_proxy.go` `proxyA2ARequest` at enteros-core 50c3bdfd), so "hierarchy rules" would send the
 * user looking at the org chart for what is most often a wrong id.
 */
async function unknownPeerOr(
  s: PlatformSession,
  target: string,
  error: unknown,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  if (!(error instanceof MoleculeError) || error.status !== 403) return error;
  const peers = await listPeers(s, { fresh: true, signal }).catch(() => undefined);
  if (peers === undefined || peers.some((p) => p.id === target)) return error;
  return new MoleculePeerError(
    `peer ${target} is unknown to workspace ${s.workspaceId}: it is not among the peers this workspace may message (listPeers()), and the platform answers 403 alike for an id that names no workspace and for one its hierarchy rules keep apart; check the id against listPeers()`,
    { peerId: target, code: "peer_unknown", status: 403, retryable: false, body: error.body },
  );
}

/** POSTs an A2A request to a peer through the platform proxy (`/workspaces/:peer/a2a`). */
export async function postViaProxy(
  s: PlatformSession,
  target: string,
  bodyText: string,
  timeoutMs: number,
  signal?: AbortSignal,
  extra: {
    reportMs?: number;
    a2aVersion?: "1.0";
    retryFresh?: boolean;
    deadline?: number;
    priority?: RatePriority;
    turnWaitMs?: number;
  } = {},
): Promise<HttpResponse> {
  const send = (spec: RequestSpec): Promise<HttpResponse> =>
    extra.retryFresh ? sendRetryingFresh(s, spec) : s.send(spec);
  try {
    return await send({
      method: "POST",
      path: `/workspaces/${enc(target)}/a2a`,
      bodyText,
      headers: extra.a2aVersion
        ? { ...s.selfPeerHeaders, [A2A_VERSION_HEADER]: extra.a2aVersion }
        : s.selfPeerHeaders,
      signal,
      timeoutMs,
      deadline: extra.deadline,
      priority: extra.priority,
      turnWaitMs: extra.turnWaitMs,
      held: true,
      maxBytes: MAX_PEER_RESPONSE_BYTES,
    });
  } catch (err) {
    if (err instanceof MoleculeError && err.code === "response_too_large") {
      throw new MoleculePeerError(
        `peer ${target} answered with more than ${MAX_PEER_RESPONSE_BYTES} bytes through the platform; the answer was discarded`,
        { peerId: target, code: "peer_response_too_large", cause: err },
      );
    }
    if (err instanceof MoleculeTimeoutError) {
      throw new MoleculePeerError(
        `peer ${target} did not answer within ${extra.reportMs ?? timeoutMs} ms; the platform may still deliver the message (de-duplicate by messageId) — raise timeoutMs for long tasks`,
        { peerId: target, code: "peer_timeout", retryable: true, cause: err },
      );
    }
    throw err;
  }
}
