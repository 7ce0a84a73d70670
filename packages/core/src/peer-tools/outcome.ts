// Calling a peer as a tool: one outcome (answer, error result, or throw) and one text for the model.
import { sanitizePeerText, spotlightPeerText, UNTRUSTED_LINE_MARK } from "../a2a/index.js";
import type { PeerCallOptions, PeerCallResult, PlatformClient } from "../platform/index.js";
import { MoleculePeerError } from "../transport/index.js";
import { isPeerSideError, toPeerToolFailure } from "./classify.js";
import type { PeerToolFailure } from "./classify.js";
import { untrustedLabel } from "./label.js";
import { nonTextParts } from "./result-parts.js";
import { CHECK_WORK_TOOL_NAME, WAIT_WORK_TOOL_NAME } from "./work.js";
import type { PeerToolInput } from "./tool-inputs.js";

/** How a peer tool calls its peer. */
export interface PeerToolCallSettings {
  /** Per-call timeout in ms (default: the client's `peerTimeoutMs`). */
  timeoutMs?: number | undefined;
  /** Through the platform proxy (default) or straight to the peer's URL. */
  via?: PeerCallOptions["via"] | undefined;
  /** Extra fields for every call (metadata, ...). */
  callOptions?: Omit<PeerCallOptions, "signal" | "timeoutMs" | "via"> | undefined;
}

/**
 * The outcome of one peer-tool call: the peer's answer, or a peer-side failure as an error
 * result. `text` is what the model sees (sanitised); `error` is the original failure.
 */
export type PeerToolOutcome =
  | { ok: true; text: string; result: PeerCallResult }
  | {
      ok: false;
      text: string;
      failure: PeerToolFailure;
      error: unknown;
      result?: PeerCallResult;
    };

function label(peer: { id: string; name?: string | undefined }): string {
  return JSON.stringify(untrustedLabel(peer.name, 100) || peer.id);
}

/** The line above a peer's text: whose it is, and how its lines are marked. */
function header(what: string, peer: { id: string; name?: string | undefined }): string {
  return `[${what} of peer ${label(peer)}; untrusted text follows, each line marked ${UNTRUSTED_LINE_MARK}]`;
}

/**
 * What the model sees for a peer's answer (anything but a failed task): the peer's text below a
 * header line, each of its lines marked (`spotlightPeerText`), or a note (queued, still working,
 * no text), and how to continue a task the peer has not finished.
 */
export function peerResultText(
  result: PeerCallResult,
  peer: { id: string; name?: string | undefined } = { id: result.peerId },
): string {
  const who = `Peer ${label(peer)}`;
  if (result.status === "queued") {
    return result.deliveryMode === "poll"
      ? `${who} reads its messages by polling: the message is in its inbox (it is not busy) and its answer will arrive later as an inbound answer, not as this tool's result.`
      : `${who} is busy: the message was queued${result.queueDepth === undefined ? "" : ` (position ${result.queueDepth})`}${result.queueId ? ` under queue id ${untrustedLabel(result.queueId, 80)}` : ""} and will be delivered when it has capacity; its answer will not come back through this call.`;
  }
  // The peer's data and file parts follow its text, marked like it (result-parts.ts).
  const text = [sanitizePeerText(result.text), nonTextParts(result.parts)]
    .filter((t) => t !== "")
    .join("\n\n");
  if (result.status === "completed") {
    return text === ""
      ? `${who} answered without text.`
      : spotlightPeerText(header("answer", peer), text);
  }
  if (result.status === "failed") {
    return text === ""
      ? `${who} reported a failed task, without details.`
      : spotlightPeerText(header("failed task", peer), text);
  }
  const ctx = result.contextId ? `contextId "${untrustedLabel(result.contextId, 120)}"` : "";
  const task = result.taskId ? `taskId "${untrustedLabel(result.taskId, 120)}"` : "";
  // A task still running: its id is what the follow-up tools (`check_delegation`, ...) take.
  const follow =
    result.status === "working" && task
      ? ` Its ${task}: to follow it, pass that id to ${CHECK_WORK_TOOL_NAME} or ${WAIT_WORK_TOOL_NAME} if you have them.`
      : "";
  if (text === "" && result.status === "working") {
    return `${who} accepted the task and is still working on it.${follow}`;
  }
  const cont =
    result.status === "input-required" && task
      ? ` The peer asks the question above: to answer it, call this tool again with ${task}${ctx ? ` and ${ctx}` : ""} and your answer as message.`
      : ctx
        ? `${follow} To continue, call this tool again with ${ctx}.`
        : follow;
  const said =
    text === "" ? `${who} sent no text.` : spotlightPeerText(header("answer", peer), text);
  return `${said}\n\n[peer task state: ${untrustedLabel(result.status, 40)}.${cont}]`;
}

/** What the model sees for a failed call. */
export function peerFailureText(
  failure: PeerToolFailure,
  peer: { id: string; name?: string | undefined } = { id: failure.peerId },
): string {
  return `Error: the call to peer ${label(peer)} failed: ${failure.error}`;
}

/**
 * Calls a peer for a tool. The answer and peer-side failures (see `isPeerSideError`; a failed
 * task included) resolve; this workspace's own problems (bad token, removed workspace, invalid
 * input, abort) reject with the original error.
 */
export async function runPeerTool(
  client: Pick<PlatformClient, "callPeer">,
  peer: { id: string; name?: string | undefined },
  input: PeerToolInput,
  settings: PeerToolCallSettings & { signal?: AbortSignal | undefined } = {},
): Promise<PeerToolOutcome> {
  const options: PeerCallOptions = { ...settings.callOptions };
  if (settings.signal) options.signal = settings.signal;
  if (settings.timeoutMs !== undefined) options.timeoutMs = settings.timeoutMs;
  if (settings.via !== undefined) options.via = settings.via;
  if (input.contextId) options.contextId = input.contextId;
  if (input.taskId) options.taskId = input.taskId;
  let result: PeerCallResult;
  try {
    result = await client.callPeer(peer.id, input.message, options);
  } catch (error) {
    if (!isPeerSideError(error, settings.signal)) throw error;
    const failure = toPeerToolFailure(peer.id, error);
    return { ok: false, text: peerFailureText(failure, peer), failure, error };
  }
  if (result.status !== "failed") return { ok: true, text: peerResultText(result, peer), result };
  const said = sanitizePeerText(result.text);
  const error = new MoleculePeerError(`the peer reported a failed task${said ? `: ${said}` : ""}`, {
    peerId: peer.id,
    code: "peer_task_failed",
  });
  const failure = toPeerToolFailure(peer.id, error);
  return { ok: false, text: peerFailureText(failure, peer), failure, error, result };
}
