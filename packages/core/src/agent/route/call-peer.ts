// RemoteAgent#callPeer: send through the platform client, and when the platform queues the
// message for a poll-delivered peer, wait for the correlated answer in the agent's own inbox.
import { randomUUID } from "node:crypto";
import { type A2APart, sanitizePeerText } from "../../a2a/index.js";
import type { InboundMessage } from "../../inbound/index.js";
import type { PeerCallOptions, PeerCallResult } from "../../platform/index.js";
import { MoleculeError, MoleculePeerError } from "../../transport/index.js";
import type { PendingCalls } from "./conversations.js";
import { MoleculeReplyTimeoutError } from "../errors.js";

/** Default deadline of an awaited peer call (send + answer), in ms. */
const DEFAULT_CALL_TIMEOUT_MS = 120_000;

/** Options of `RemoteAgent#callPeer`: those of `PlatformClient#callPeer`, plus awaiting. */
export interface AgentCallOptions extends PeerCallOptions {
  /**
   * Wait for the answer of a peer the platform queued the message for (poll delivery): it arrives
   * in this agent's inbox and resolves the call instead of reaching the handler. Default: true
   * while the agent runs with a delivery (before `start()`, or with delivery `"none"`, no answer
   * can arrive: the receipt is returned); `false` returns the `{ status: "queued" }` receipt at
   * once; `true` when the agent cannot receive throws before sending.
   */
  awaitReply?: boolean | undefined;
  /**
   * Deadline of the whole call, answer included (default 120 000 ms). When it passes while
   * waiting, a `MoleculeReplyTimeoutError` carrying the receipt is thrown.
   */
  timeoutMs?: number | undefined;
}

/** A peer message: text, or parts. */
export type PeerMessage = string | { text?: string; parts?: A2APart[] | unknown[] };

/** The client call `callPeer` needs. */
export type CallPeerFn = (
  peerId: string,
  message: PeerMessage,
  options: PeerCallOptions,
) => Promise<PeerCallResult>;

/**
 * Calls `peerId` and, when the platform queues the message for a poll-delivered peer, waits for
 * its answer. `whyNotReceiving` returns a reason when the agent cannot receive an answer now.
 */
export async function callPeerAwaiting(
  deps: { call: CallPeerFn; calls: PendingCalls; whyNotReceiving(): string | undefined },
  peerId: string,
  message: PeerMessage,
  options: AgentCallOptions = {},
): Promise<PeerCallResult> {
  const { awaitReply, ...rest } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new MoleculeError(`callPeer timeoutMs must be a positive number; got ${timeoutMs}`, {
      code: "invalid_argument",
    });
  }
  const reason = awaitReply === false ? undefined : deps.whyNotReceiving();
  const wait = awaitReply === false ? false : reason === undefined;
  if (awaitReply === true && reason !== undefined) {
    throw new MoleculeError(
      `callPeer cannot await ${peerId}'s answer: ${reason}. Start the agent first, or pass awaitReply: false.`,
      { code: "agent_not_receiving" },
    );
  }
  const contextId = options.contextId ?? randomUUID();
  const messageId = options.messageId ?? randomUUID();
  let onAnswer!: (answer: InboundMessage) => void;
  let onFail!: (error: unknown) => void;
  const answered = new Promise<InboundMessage>((resolve, reject) => {
    onAnswer = resolve;
    onFail = reject;
  });
  answered.catch(() => undefined); // observed by waitFor when it is awaited
  const remove = wait
    ? deps.calls.add({ peerId, messageId, contextId, resolve: onAnswer, reject: onFail })
    : () => undefined;
  const started = performance.now();
  let receipt: PeerCallResult;
  try {
    receipt = await deps.call(peerId, message, { ...rest, contextId, messageId, timeoutMs });
  } catch (err) {
    remove();
    throw err;
  }
  if (receipt.status !== "queued") {
    remove();
    // One text shape whatever the peer's delivery: the platform proxy wraps a push peer's answer
    // in OFFSEC-003 markers, a poll peer's answer arrives as written.
    return { ...receipt, text: sanitizePeerText(receipt.text) };
  }
  if (!wait || receipt.deliveryMode !== "poll") {
    remove();
    return receipt;
  }
  const left = Math.max(1, timeoutMs - (performance.now() - started));
  const answer = await waitFor(answered, left, options.signal).finally(remove);
  if (answer === undefined) throw new MoleculeReplyTimeoutError(receipt, timeoutMs, contextId);
  return answerResult(answer, peerId, messageId, answer.contextId ?? contextId);
}

/**
 * The result of a poll peer's answer: `completed`, or the state of the peer's task it names
 * (`input-required`: a question, answered by calling again with its `taskId`); a refused message
 * (the answer names a JSON-RPC error) throws like the same refusal of a push peer.
 */
function answerResult(
  answer: InboundMessage,
  peerId: string,
  messageId: string,
  contextId: string,
): PeerCallResult {
  const text = sanitizePeerText(answer.text);
  const task = answer.answerTask;
  if (task?.error !== undefined) {
    throw new MoleculePeerError(
      `peer ${peerId} refused the message (JSON-RPC error ${task.error}): ${clip(text)}`,
      // -32603: the peer's task store was unavailable; anything else is final.
      { peerId, code: "peer_rpc_error", rpcCode: task.error, retryable: task.error === -32603 },
    );
  }
  const state = task?.state;
  const status =
    state === "input-required" || state === "failed" || state === "working" ? state : "completed";
  const out: PeerCallResult = { status, text, raw: answer.raw, peerId, messageId, contextId };
  if (task !== undefined) out.taskId = task.id;
  return out;
}

/** At most 300 characters of a peer's text, for an error message. */
function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** The answer, `undefined` after `ms`, or the signal's abort reason thrown. */
function waitFor(
  answered: Promise<InboundMessage>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<InboundMessage | undefined> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(undefined);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
    const settle = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    answered.then(
      (a) => {
        settle();
        resolve(a);
      },
      (err: unknown) => {
        settle();
        reject(err);
      },
    );
  });
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("callPeer was aborted", "AbortError");
}
