// Test helpers: a scripted MockLanguageModelV4 and a fake platform client (no network).
import type {
  DelegationResult,
  Peer,
  PeerCallOptions,
  PeerCallResult,
} from "@molecule-ai/agent-core";
import type { MockLanguageModelV4 } from "ai/test";
import {
  PEER_DEFAULTS,
  PEER_RESULT_END,
  PEER_RESULT_START,
  wrapPeerText,
} from "@internal/test-utils";

type GenerateResult = Awaited<ReturnType<MockLanguageModelV4["doGenerate"]>>;

export const usage = {
  inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 10, text: 10, reasoning: undefined },
};

/** A model step that calls one tool. */
export function toolCallStep(
  toolName: string,
  input: unknown,
  toolCallId = "call-1",
): GenerateResult {
  return {
    content: [{ type: "tool-call", toolCallId, toolName, input: JSON.stringify(input) }],
    finishReason: { unified: "tool-calls", raw: undefined },
    usage,
    warnings: [],
  };
}

/** A model step that answers with text. */
export function textStep(text: string): GenerateResult {
  return {
    content: [{ type: "text", text }],
    finishReason: { unified: "stop", raw: "stop" },
    usage,
    warnings: [],
  };
}

/** The tool-result parts of a recorded model call's prompt. */
export function toolResultsInPrompt(model: MockLanguageModelV4, call: number): unknown[] {
  const prompt = model.doGenerateCalls[call]?.prompt ?? [];
  return prompt.flatMap((m) =>
    m.role === "tool"
      ? m.content
          .filter((p) => p.type === "tool-result")
          .map((p) => (p as { output: unknown }).output)
      : [],
  );
}

export function peer(id: string, name: string, extra: Partial<Peer> = {}): Peer {
  return { id, name, ...PEER_DEFAULTS, ...extra };
}

export interface RecordedCall {
  peerId: string;
  message: unknown;
  options: PeerCallOptions | undefined;
}

/** A fake PlatformClient for the tool methods, scripted per test. */
export class FakeClient {
  readonly workspaceId = "ws-self";
  calls: RecordedCall[] = [];
  delegations: { targetId: string; task: string }[] = [];
  listCalls: unknown[] = [];
  constructor(
    public peers: Peer[] = [],
    public answer: (
      peerId: string,
      message: unknown,
      options?: PeerCallOptions,
    ) => Promise<PeerCallResult> = async (peerId) => completed(peerId, "ok"),
  ) {}

  async listPeers(options?: {
    q?: string;
    signal?: AbortSignal;
    fresh?: boolean;
  }): Promise<Peer[]> {
    this.listCalls.push(options);
    return this.peers;
  }

  async callPeer(
    peerId: string,
    message: unknown,
    options?: PeerCallOptions,
  ): Promise<PeerCallResult> {
    this.calls.push({ peerId, message, options });
    return this.answer(peerId, message, options);
  }

  async delegate(targetId: string, task: string): Promise<DelegationResult> {
    this.delegations.push({ targetId, task });
    return {
      delegationId: `d-${this.delegations.length}`,
      status: "pending",
      targetId,
      idempotentHit: false,
    };
  }
}

export function completed(
  peerId: string,
  text: string,
  extra: Partial<PeerCallResult> = {},
): PeerCallResult {
  return {
    status: "completed",
    text,
    raw: { text },
    peerId,
    messageId: "m-1",
    ...extra,
  } as PeerCallResult;
}

export const START = PEER_RESULT_START;
export const END = PEER_RESULT_END;
export const wrap = wrapPeerText;
