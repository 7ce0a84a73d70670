// Test doubles shaped like the parts of PlatformClient the adapter uses.
import type { AgentCard, InboundMessage } from "@molecule-ai/agent-core";
import { PEER_DEFAULTS, wrapPeerText } from "@internal/test-utils";
import type { PeerToolkitClient } from "../src/index.js";
import type {
  DelegationResult,
  Peer,
  PeerCallOptions,
  PeerCallResult,
} from "@molecule-ai/agent-core";

export const WRAP = wrapPeerText;

export function makePeer(overrides: Partial<Peer> & { id: string; name: string }): Peer {
  return { ...PEER_DEFAULTS, ...overrides };
}

export function card(
  description: string,
  skills: { id: string; name: string; description?: string; tags?: string[] }[] = [],
): AgentCard {
  return {
    name: "card",
    description,
    skills: skills.map((s) => ({ description: "", tags: [], ...s })),
  };
}

export interface Call {
  peerId: string;
  message: unknown;
  options: PeerCallOptions | undefined;
}

/** A fake client whose callPeer answers with `answer(peerId, message)`. */
export function fakeClient(
  options: {
    peers?: Peer[];
    answer?: (
      peerId: string,
      message: string,
      opts?: PeerCallOptions,
    ) => Promise<PeerCallResult> | PeerCallResult;
    delegate?: (
      targetId: string,
      task: string,
      opts?: { idempotencyKey?: string },
    ) => Promise<DelegationResult> | DelegationResult;
  } = {},
): PeerToolkitClient & { calls: Call[]; listCalls: unknown[]; delegations: unknown[] } {
  const calls: Call[] = [];
  const listCalls: unknown[] = [];
  const delegations: unknown[] = [];
  return {
    calls,
    listCalls,
    delegations,
    async callPeer(peerId, message, opts) {
      calls.push({ peerId, message, options: opts });
      const text = typeof message === "string" ? message : (message.text ?? "");
      if (!options.answer) return completed(peerId, WRAP(`echo: ${text}`));
      return options.answer(peerId, text, opts);
    },
    async listPeers(opts) {
      listCalls.push(opts);
      return options.peers ?? [];
    },
    async delegate(targetId, task, opts) {
      delegations.push({ targetId, task, opts });
      if (options.delegate) return options.delegate(targetId, task, opts);
      return { delegationId: "d-1", status: "delegated", targetId, idempotentHit: false };
    },
  };
}

export function completed(
  peerId: string,
  text: string,
  raw: unknown = { text },
): Extract<PeerCallResult, { text: string }> {
  return { status: "completed", text, raw, peerId, messageId: "m-1", contextId: "ctx-1" };
}

let seq = 0;

export function inbound(overrides: Partial<InboundMessage> = {}): InboundMessage {
  seq += 1;
  return {
    activityId: `a-${seq}`,
    messageId: `msg-${seq}`,
    method: "message/send",
    params: {},
    source: "peer_agent",
    sourceId: "peer-1",
    text: "hello",
    parts: [{ kind: "text", text: "hello" }],
    receivedAt: new Date(0),
    isReply: false,
    raw: {},
    ...overrides,
  };
}
