// RemoteAgent#callPeer: send through the platform client, and when the platform queues the
// message for a poll-delivered peer, wait for the correlated answer in the agent's own inbox.
import { randomUUID } from "../../runtime/index.js";
import { sanitizePeerText } from "../../a2a/index.js";
import type { InboundMessage } from "../../inbound/index.js";
import type { PeerCallResult } from "../../platform/index.js";
import { peerFailedError } from "../../platform/index.js";
import {
  callSettled,
  MoleculeError,
  MoleculePeerError,
  platformSecond,
  sentBy,
} from "../../transport/index.js";
import type { AgentCallOptions, AgentPlatformClient, PeerMessage } from "../types.js";
import { PendingCalls } from "./conversations.js";

/** The queued receipt of a peer call (what `callPeer` returns with `awaitReply: false`). */
export type QueuedReceipt = Extract<PeerCallResult, { status: "queued" }>;

/**
 * `RemoteAgent#callPeer` sent the message (the platform queued it) but no answer came within
 * `timeoutMs`. The receipt says what was queued; an answer that comes later reaches the handler as
 * an inbound answer (`msg.isReply`). Not retryable: calling again would send the message twice.
 */
export class MoleculeReplyTimeoutError extends MoleculeError {
  /** The platform's receipt for the queued message. */
  readonly receipt: QueuedReceipt;
  /** The deadline that elapsed, in ms. */
  readonly timeoutMs: number;
  /**
   * The conversation the answer was awaited in; `undefined` when the call continued a task
   * (`taskId`) whose `contextId` this agent did not know, so the message carried none.
   */
  readonly contextId: string | undefined;

  constructor(receipt: QueuedReceipt, timeoutMs: number, contextId: string | undefined) {
    super(
      `peer ${receipt.peerId} did not answer message ${receipt.messageId} within ${timeoutMs} ms ` +
        `(queued for ${receipt.deliveryMode ?? "later"} delivery${receipt.queueId ? `, queue id ${receipt.queueId}` : ""}); ` +
        "if it answers later, the answer reaches your handler as an inbound answer (msg.isReply). " +
        "Raise timeoutMs for long tasks, or pass awaitReply: false to get the receipt at once.",
      { code: "reply_timeout", retryable: false },
    );
    this.receipt = receipt;
    this.timeoutMs = timeoutMs;
    this.contextId = contextId;
  }
}

/**
 * The platform seconds an awaited call keeps for its answer under a spent rate budget, at most
 * half its time: its question must get its turn before them, or it is refused unsent. An answer
 * needs the peer's read (which waits with new calls for up to 30 s), its reply, and this agent's
 * read (up to 20 s with new calls), each a turn of the budget.
 */
const ANSWER_ROOM_S = 60;

/** Default deadline of an awaited peer call (send + answer), in ms. */
const DEFAULT_CALL_TIMEOUT_MS = 120_000;

/**
 * The result of a poll peer's answer: `completed`, or the state of the peer's task it names
 * (`input-required`: a question, answered by calling again with its `taskId`); a refused message
 * (the answer names a JSON-RPC error) throws like the same refusal of a push peer.
 */
function answerResult(
  answer: InboundMessage,
  peerId: string,
  messageId: string,
  contextId: string | undefined,
): PeerCallResult {
  if (answer.answerFailure !== undefined) throw peerFailedError(peerId, answer.answerFailure);
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
  const parts = answer.parts;
  const out: PeerCallResult = {
    status,
    text,
    parts,
    artifacts: [],
    raw: answer.raw,
    peerId,
    messageId,
  };
  if (contextId !== undefined) out.contextId = contextId;
  if (task !== undefined) out.taskId = task.id;
  return out;
}

/** At most 300 characters of a peer's text, for an error message. */
function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/**
 * A call's wait for its answer, one promise per call: {@link settled} resolves with the answer
 * ({@link resolve}), with `undefined` once the deadline passed (`ms` after the call started), or
 * rejects ({@link reject}, or the signal's abort reason once {@link abortOn} was called), until
 * {@link clear}. The deadline is armed once per call with the call's own `timeoutMs`, so
 * concurrent calls share one of Node's timer lists (a timer armed with what is left, a different
 * duration per call, costs each call a list of its own in the timers' priority queue: bench/
 * conversation-load).
 */
class AnswerWait {
  readonly settled: Promise<InboundMessage | undefined>;
  readonly resolve: (answer: InboundMessage | undefined) => void;
  readonly reject: (error: unknown) => void;
  readonly #timer: NodeJS.Timeout;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;

  constructor(ms: number) {
    let resolve!: (answer: InboundMessage | undefined) => void;
    let reject!: (error: unknown) => void;
    this.settled = new Promise<InboundMessage | undefined>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.settled.catch(() => undefined); // a rejection before it is awaited is seen when it is
    this.resolve = resolve;
    this.reject = reject;
    this.#timer = setTimeout(resolve, ms, undefined);
  }

  /**
   * Rejects when `signal` aborts (at once if it has): with its reason when that is a
   * `MoleculeError`, `timeout()`'s error for an `AbortSignal.timeout`, else `aborted`.
   */
  abortOn(signal: AbortSignal | undefined, timeout: () => MoleculeError): void {
    if (!signal) return;
    const onAbort = (): void => {
      const reason: unknown = signal.reason;
      if (reason instanceof MoleculeError) return this.reject(reason);
      if ((reason as { name?: unknown } | undefined)?.name === "TimeoutError")
        return this.reject(timeout());
      const err = new MoleculeError(
        "callPeer was aborted by its signal while awaiting the answer",
        {
          code: "aborted",
          cause: reason,
        },
      );
      err.name = "AbortError";
      this.reject(err);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    this.#signal = signal;
    this.#onAbort = onAbort;
  }

  clear(): void {
    clearTimeout(this.#timer);
    if (this.#onAbort) this.#signal?.removeEventListener("abort", this.#onAbort);
  }
}

/** Peers' tasks this agent's calls were answered in: how many are remembered. */
const KNOWN_TASKS = 1_000;

/**
 * The `contextId` of each peer task this agent's calls were answered in (the peer's answer names
 * both), so a call that continues a task by `taskId` alone sends the task's own conversation: a
 * fresh random one would be refused (-32600), and none at all is valid A2A. Keyed by peer and task
 * id; the oldest is forgotten past {@link KNOWN_TASKS}.
 */
class TaskContexts {
  readonly #contexts = new Map<string, string>();

  /** Remembers the conversation of the task `result` names, when it names both. */
  learn(peerId: string, result: PeerCallResult): void {
    if (result.status === "queued" || !result.taskId || !result.contextId) return;
    const key = `${peerId}\n${result.taskId}`;
    this.#contexts.delete(key);
    this.#contexts.set(key, result.contextId);
    if (this.#contexts.size > KNOWN_TASKS) {
      const oldest = this.#contexts.keys().next().value;
      if (oldest !== undefined) this.#contexts.delete(oldest);
    }
  }

  /** The contextId of `peerId`'s task `taskId`, when an answer named it. */
  of(peerId: string, taskId: string): string | undefined {
    return this.#contexts.get(`${peerId}\n${taskId}`);
  }
}

/** The agent's phase and delivery: an answer can be awaited only while it runs with a delivery. */
export interface ReceivingState {
  phase: string;
  delivery: string;
}

/**
 * One agent's calls to peers (`RemoteAgent#callPeer`, a handler's `ctx.callPeer`) and the calls
 * awaiting an answer in its inbox (the route stage hands answers to them: {@link PendingCalls.take}).
 */
export class PeerCalls {
  /** Calls awaiting an answer. */
  readonly pending = new PendingCalls();
  readonly #tasks = new TaskContexts();
  readonly #client: AgentPlatformClient;
  readonly #state: () => ReceivingState;

  constructor(client: AgentPlatformClient, state: () => ReceivingState) {
    this.#client = client;
    this.#state = state;
  }

  /**
   * See `RemoteAgent#callPeer`: calls `peerId` through the client and, when the platform queues
   * the message for a poll-delivered peer, waits for its answer in this agent's inbox.
   */
  async callPeer(
    peerId: string,
    message: PeerMessage,
    options: AgentCallOptions,
  ): Promise<PeerCallResult> {
    const client = this.#client;
    if (!client.callPeer) {
      throw new MoleculeError("RemoteAgent.callPeer: this client has no callPeer method.", {
        code: "invalid_argument",
      });
    }
    const { awaitReply, ...rest } = options;
    const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      throw new MoleculeError(`callPeer timeoutMs must be a positive number; got ${timeoutMs}`, {
        code: "invalid_argument",
      });
    }
    const reason = awaitReply === false ? undefined : this.#whyNotReceiving();
    const wait = awaitReply !== false && reason === undefined;
    if (awaitReply === true && reason !== undefined) {
      throw new MoleculeError(
        `callPeer cannot await ${peerId}'s answer: ${reason}. Start the agent first, or pass awaitReply: false.`,
        { code: "agent_not_receiving" },
      );
    }
    // A call continuing a task sends the task's conversation, or none (the peer then uses the
    // task's); a new conversation gets a fresh id.
    const contextId =
      options.contextId ??
      (options.taskId === undefined ? randomUUID() : this.#tasks.of(peerId, options.taskId));
    const messageId = options.messageId ?? randomUUID();
    const callStarted = performance.now();
    // The whole call (send + answer) ends `timeoutMs` after it starts.
    const waiting = wait ? new AnswerWait(timeoutMs) : undefined;
    const remove = waiting
      ? this.pending.add({
          peerId,
          messageId,
          contextId,
          dueAt: callStarted + timeoutMs,
          resolve: waiting.resolve,
          reject: waiting.reject,
        })
      : () => undefined;
    // An awaited question gets its turn of the rate budget while its answer can still come back
    // in time (and the budget can carry it beside the answers already owed), or is refused unsent.
    const room = Math.min(timeoutMs / 2, ANSWER_ROOM_S * platformSecond.ms);
    const dueAt = callStarted + timeoutMs;
    const signal = waiting
      ? sentBy(AbortSignal.any(rest.signal ? [rest.signal] : []), dueAt - room, dueAt)
      : rest.signal;
    const done = (): void => {
      remove();
      waiting?.clear();
      if (waiting && signal) callSettled(signal);
    };
    let receipt: PeerCallResult;
    try {
      receipt = await client.callPeer(peerId, message, {
        ...rest,
        ...(signal !== undefined ? { signal } : {}),
        ...(contextId !== undefined ? { contextId } : {}),
        messageId,
        timeoutMs,
      });
    } catch (err) {
      done();
      throw err;
    }
    if (receipt.status !== "queued") {
      done();
      this.#tasks.learn(peerId, receipt);
      // One text shape whatever the peer's delivery: the platform proxy wraps a push peer's answer
      // in OFFSEC-003 markers, a poll peer's answer arrives as written.
      return { ...receipt, text: sanitizePeerText(receipt.text) };
    }
    if (!waiting || receipt.deliveryMode !== "poll") {
      done();
      return receipt;
    }
    let answer: InboundMessage | undefined;
    try {
      waiting.abortOn(options.signal, () => {
        const ms = Math.round(performance.now() - callStarted);
        return new MoleculeReplyTimeoutError(receipt as QueuedReceipt, ms, contextId);
      });
      answer = await waiting.settled;
    } finally {
      done();
    }
    if (answer === undefined) throw new MoleculeReplyTimeoutError(receipt, timeoutMs, contextId);
    const result = answerResult(answer, peerId, messageId, answer.contextId ?? contextId);
    this.#tasks.learn(peerId, result);
    return result;
  }

  /** Why an answer cannot be awaited now (the agent is not running, or has no delivery), if so. */
  #whyNotReceiving(): string | undefined {
    const { phase, delivery } = this.#state();
    if (phase !== "running" && phase !== "starting") return `the agent is ${phase}`;
    if (delivery === "none") return 'its delivery is "none", so no answer can arrive';
    return undefined;
  }

  /**
   * `ctx.callPeer` of a handler: continues `msg`'s conversation unless a `contextId` is given, or a
   * `taskId` (a peer's task lives in the peer's conversation: see {@link callPeer}).
   */
  callPeerFrom(
    msg: InboundMessage,
  ): (peerId: string, message: PeerMessage, options?: AgentCallOptions) => Promise<PeerCallResult> {
    return async (peerId, message, options = {}) => {
      const own = msg.contextId !== undefined && options.taskId === undefined;
      return await this.callPeer(peerId, message, {
        ...(own ? { contextId: msg.contextId } : {}),
        ...options,
      });
    };
  }

  /** Fails every waiting call (the agent is stopping). */
  stop(): void {
    this.pending.rejectAll(
      new MoleculeError("the agent stopped before the peer answered", { code: "agent_stopped" }),
    );
  }
}
