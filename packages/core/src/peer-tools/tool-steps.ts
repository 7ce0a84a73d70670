// The three tools of a peer tool set, each run as a {@link ToolStep}: call one peer, list the
// peers, delegate a task. An adapter wraps them in its tool type and answers failures with
// `failedStepAnswer`.
import { traceTool } from "../observability/index.js";
import type { DelegationResult, Peer, PlatformClient } from "../platform/index.js";
import { runDelegate, runListPeers } from "./builtins.js";
import { runPeerTool } from "./outcome.js";
import type { PeerToolCallSettings } from "./outcome.js";
import type { PeerToolInput } from "./tool-inputs.js";
import type { DelegateToolOptions } from "./peer-tool-options.js";
import type { PeerToolArtifact } from "./peer-tool-types.js";
import type { PeerSelection } from "./select.js";
import type { ToolStep } from "./tool-step.js";
import { peerToolName } from "./naming.js";
import { holdAnsweredTask } from "./work.js";
import type { WorkLedger } from "./work.js";

/** How a step's span names its tool (GenAI `execute_tool`): default, the tool's usual name. */
export interface ToolSpanName {
  /** The tool's name as the model sees it. */
  toolName?: string | undefined;
  /** The id of the model's call of the tool. */
  toolCallId?: string | undefined;
}

/**
 * Calls a peer for a tool (`runPeerTool`): the answer with its artifact, or a peer-side failure
 * with the text for the model. This workspace's own problems reject. An unfinished task the peer
 * answered with is held in `ledger` (when given), for the follow-up tools.
 */
export async function peerToolStep(
  client: Pick<PlatformClient, "callPeer">,
  peer: { id: string; name: string },
  input: PeerToolInput,
  settings: PeerToolCallSettings &
    ToolSpanName & { signal?: AbortSignal | undefined; ledger?: WorkLedger | undefined } = {},
): Promise<ToolStep<PeerToolArtifact>> {
  const name = settings.toolName ?? peerToolName(peer);
  return await traceTool({ name, callId: settings.toolCallId }, async () => {
    const outcome = await runPeerTool(client, peer, input, settings);
    if (outcome.ok) holdAnsweredTask(settings.ledger, peer, outcome.result);
    if (outcome.ok)
      return { ok: true, text: outcome.text, artifact: { peer, result: outcome.result } };
    return { ...outcome, peer };
  });
}

/**
 * Lists the peers afresh for a `list_peers` tool (`runListPeers`); the artifact holds the `Peer`
 * objects. Any failure is the platform's: a failed step without text, so `failedStepAnswer`
 * returns it to the model only when `isPeerSideError` says so.
 */
export async function listPeersStep(
  client: Pick<PlatformClient, "listPeers">,
  input: { query?: string | undefined },
  options: ToolSpanName & {
    selection?: PeerSelection<Peer> | undefined;
    signal?: AbortSignal | undefined;
  } = {},
): Promise<ToolStep<Peer[]>> {
  const name = options.toolName ?? "list_peers";
  return await traceTool({ name, callId: options.toolCallId }, async () => {
    try {
      const listing = await runListPeers(client, { ...input, ...options });
      return { ok: true, text: listing.text, artifact: listing.peers };
    } catch (error) {
      return { ok: false, error, peer: { id: "", name: "platform" } };
    }
  });
}

/**
 * Delegates a task for a delegation tool (`runDelegate`): the accepted delegation, or a failure
 * with the text for the model (a peer id outside `allowed` included). The idempotency key is
 * `idempotencyKey({ peerId, task, toolCallId })` when given, else `runDelegate`'s default.
 */
export async function delegateStep(
  client: Pick<PlatformClient, "delegate">,
  input: { peerId: string; task: string },
  options: ToolSpanName & {
    allowed?: ReadonlySet<string> | undefined;
    idempotencyKey?: DelegateToolOptions["idempotencyKey"] | undefined;
    signal?: AbortSignal | undefined;
  } = {},
): Promise<ToolStep<DelegationResult>> {
  const { allowed, toolCallId, signal } = options;
  const idempotencyKey = options.idempotencyKey?.({
    ...input,
    ...(toolCallId ? { toolCallId } : {}),
  });
  const name = options.toolName ?? "delegate_task";
  return await traceTool({ name, callId: toolCallId }, async () => {
    const outcome = await runDelegate(client, input, { allowed, signal, idempotencyKey });
    if (outcome.ok) return { ok: true, text: outcome.text, artifact: outcome.result };
    return { ...outcome, peer: { id: input.peerId, name: input.peerId } };
  });
}
