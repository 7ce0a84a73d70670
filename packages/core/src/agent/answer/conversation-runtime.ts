// The conversation side of a RemoteAgent: awaited peer calls, the loop guard and turn limit, the
// reply outbox, and the dead-letter reporting they share with the handler pipeline.
import { BoundedSet } from "../../inbound/index.js";
import type { Logger } from "../../transport/index.js";
import type { InboundMessage } from "../../inbound/index.js";
import { describe } from "../../transport/index.js";
import type { PeerCallResult } from "../../platform/index.js";
import { MoleculeError } from "../../transport/index.js";
import { MoleculeOptionError } from "../../transport/index.js";
import { type AgentCallOptions, type PeerMessage, callPeerAwaiting } from "../route/call-peer.js";
import { PendingCalls, TurnLimiter, senderOf } from "../route/conversations.js";
import { MoleculeReplyError, MoleculeTurnLimitError } from "../errors.js";
import type { AgentObserver } from "../observe/observer.js";
import { ReplyOutbox } from "./outbox.js";
import type { AgentStateStore } from "../store/state-store.js";
import type { AgentPlatformClient, RemoteAgentOptions } from "../types.js";

/** What the conversation runtime needs from its agent. */
export interface ConversationRuntimeOptions {
  client: AgentPlatformClient;
  options: Pick<
    RemoteAgentOptions,
    "conversationTurnLimit" | "replyConcurrency" | "maxAttempts" | "retryBaseMs" | "onDeadLetter"
  >;
  logger: Logger;
  /** Events and log lines of dead letters and failed answers. */
  observer: AgentObserver;
  /** The agent's phase and delivery (answers can be awaited only while it runs with a delivery). */
  state(): { phase: string; delivery: string };
}

/**
 * Awaited calls, loop guard, turn limit and reply outbox of one agent. The outbox and the loop
 * guard's window are created by their first use: an agent that never answers holds neither.
 */
export class ConversationRuntime {
  readonly #o: ConversationRuntimeOptions;
  readonly #calls = new PendingCalls();
  /** Answers taken by pending calls (created by the first one). */
  #taken: BoundedSet | undefined;
  readonly #turns: TurnLimiter;
  readonly #replyConcurrency: number;
  #outbox: ReplyOutbox | undefined;
  /** Set by `stop()`: an outbox created after it is stopped at once (it persists, never sends). */
  #stopped = false;
  #state: AgentStateStore | undefined;

  /** @param options see {@link ConversationRuntimeOptions} */
  constructor(options: ConversationRuntimeOptions) {
    this.#o = options;
    const o = options.options;
    this.#turns = new TurnLimiter(o.conversationTurnLimit ?? {});
    const concurrency = o.replyConcurrency ?? 8;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new MoleculeOptionError(
        "replyConcurrency",
        `RemoteAgent: replyConcurrency must be a positive integer (got ${concurrency}).`,
      );
    }
    this.#replyConcurrency = concurrency;
  }

  /** The reply outbox, created by the first answer (or answers a previous run left). */
  #box(): ReplyOutbox {
    if (this.#outbox) return this.#outbox;
    const { options: o, observer, client } = this.#o;
    const outbox = new ReplyOutbox({
      concurrency: this.#replyConcurrency,
      maxAttempts: Math.max(1, o.maxAttempts ?? 3),
      retryBaseMs: o.retryBaseMs ?? 500,
      retryMaxMs: 30_000,
      logger: this.#o.logger,
      send: async (to, text, messageId, signal) =>
        await observer.inContextOf(to, () => client.reply(to, text, { signal, messageId })),
      persist: async (records) => await this.#state?.saveOutbox(records),
      onDeadLetter: async (msg, error) => await this.deadLetter(msg, error),
      onFailed: (msg, attempt, error, retryInMs) =>
        observer.replyFailed(msg, attempt, error, retryInMs),
    });
    if (this.#stopped) outbox.stop();
    this.#outbox = outbox;
    return outbox;
  }

  /** Calls awaiting an answer. */
  get waiting(): number {
    return this.#calls.size;
  }

  /** Answers not delivered yet. */
  get pendingReplies(): number {
    return this.#outbox?.size ?? 0;
  }

  /** Persists the outbox in `store` from now on, and resends what a previous run left there. */
  async attach(store: AgentStateStore): Promise<void> {
    this.#state = store;
    const left = await store.loadOutbox();
    if (left.length > 0 || this.#outbox) this.#box().restore(left);
  }

  /**
   * A `deadLettered` event, then the user's `onDeadLetter`; without both a listener and the
   * callback, a process warning (`MOLECULE_DEAD_LETTER`).
   */
  async deadLetter(msg: InboundMessage, error: unknown): Promise<void> {
    const user = this.#o.options.onDeadLetter;
    const unheard = this.#o.observer.deadLettered(msg, error, user !== undefined);
    if (user) return await user(msg, error);
    if (!unheard) return;
    const what =
      error instanceof MoleculeReplyError
        ? "its reply could not be delivered"
        : error instanceof MoleculeTurnLimitError
          ? "its conversation went over the turn limit"
          : (error as { code?: unknown } | null)?.code === "delivery_limit"
            ? "it was delivered maxDeliveries times and never settled"
            : "its handler failed after every retry";
    process.emitWarning(
      `Molecule inbound message ${msg.messageId ?? msg.activityId ?? "?"} was dead-lettered: ${what} (pass onDeadLetter to handle it): ${describe(error)}`,
      {
        code:
          error instanceof MoleculeTurnLimitError ? "MOLECULE_TURN_LIMIT" : "MOLECULE_DEAD_LETTER",
      },
    );
  }

  /** See `RemoteAgent#callPeer`. */
  async callPeer(
    peerId: string,
    message: PeerMessage,
    options: AgentCallOptions,
  ): Promise<PeerCallResult> {
    const client = this.#o.client;
    if (!client.callPeer) {
      throw new MoleculeError("RemoteAgent.callPeer: this client has no callPeer method.", {
        code: "invalid_argument",
      });
    }
    return await callPeerAwaiting(
      {
        call: client.callPeer.bind(client),
        calls: this.#calls,
        whyNotReceiving: () => {
          const { phase, delivery } = this.#o.state();
          if (phase !== "running" && phase !== "starting") return `the agent is ${phase}`;
          if (delivery === "none") return 'its delivery is "none", so no answer can arrive';
          return undefined;
        },
      },
      peerId,
      message,
      options,
    );
  }

  /** `ctx.callPeer` of a handler: continues `msg`'s conversation unless a `contextId` is given. */
  callPeerFrom(
    msg: InboundMessage,
  ): (peerId: string, message: PeerMessage, options?: AgentCallOptions) => Promise<PeerCallResult> {
    return async (peerId, message, options = {}) =>
      await this.callPeer(peerId, message, {
        ...(msg.contextId !== undefined ? { contextId: msg.contextId } : {}),
        ...options,
      });
  }

  /** True when `msg` goes no further: an answer a call awaits, or a conversation over its limit. */
  intercept(msg: InboundMessage): boolean {
    return msg.isReply ? this.#calls.take(msg) : this.overLimit(msg);
  }

  /**
   * A fetched page without the answers pending calls take (they need no handler slot, so they
   * reach a handler awaiting them even when every slot is busy). Taken ids are remembered, so a
   * re-read page does not hand them to the handler later.
   */
  takeAnswers(messages: InboundMessage[]): InboundMessage[] {
    return messages.filter((m) => {
      const key = m.activityId ?? m.messageId;
      if (key !== undefined && this.#taken?.has(key)) return false;
      if (!m.isReply || !this.#calls.take(m)) return true;
      (this.#taken ??= new BoundedSet(1_000)).add(key);
      return false;
    });
  }

  /** True (and reported) when a non-answer goes over its conversation's turn limit. */
  overLimit(msg: InboundMessage): boolean {
    if (msg.isReply) return false;
    const peer = senderOf(msg);
    if (this.#turns.admit(msg.contextId, peer)) return false;
    const error = new MoleculeTurnLimitError(
      peer ?? "?",
      msg.contextId ?? "?",
      this.#turns.maxTurns,
      this.#turns.windowMs,
    );
    this.#o.logger.warn?.(error.message, { peerId: peer, contextId: msg.contextId });
    this.deadLetter(msg, error).catch((err: unknown) =>
      this.#o.logger.error?.("onDeadLetter threw for a cut conversation", { error: describe(err) }),
    );
    return true;
  }

  /**
   * Whether a redelivered message (in flight when a previous run died) already has its answer in
   * the outbox: its handler finished then, so it is settled without running again.
   */
  answered(msg: InboundMessage): boolean {
    return this.#outbox?.has(msg) ?? false;
  }

  /** Queues an answer; resolves once it is persisted (the message may then be settled). */
  async enqueueReply(msg: InboundMessage, text: string): Promise<void> {
    await this.#box().enqueue(msg, text);
  }

  /** Resolves true once every queued answer is delivered or dead-lettered, false after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<boolean> {
    const idle = (await this.#outbox?.idle(timeoutMs)) ?? true;
    await this.#state?.flush();
    return idle;
  }

  /**
   * Stops: fails waiting calls, gives queued answers `drainMs`, then stops the outbox. Unsent
   * answers stay persisted when `persistent`; otherwise each one is dead-lettered, never dropped.
   */
  async stop(drainMs: number, persistent: boolean): Promise<void> {
    this.#calls.rejectAll(
      new MoleculeError("the agent stopped before the peer answered", { code: "agent_stopped" }),
    );
    const outbox = this.#outbox;
    if (outbox && !(await outbox.idle(drainMs))) {
      this.#o.logger.warn?.("drain timeout: answers are still in the reply outbox", {
        count: outbox.size,
      });
    }
    this.#stopped = true;
    const unsent = this.#outbox?.stop() ?? [];
    await this.#state?.flush();
    if (persistent) return;
    for (const msg of unsent) {
      await this.deadLetter(
        msg,
        new MoleculeReplyError(
          `the agent stopped before the reply to message ${msg.messageId ?? msg.activityId ?? "?"} was delivered; pass a persistent cursorStore to resend it on the next start`,
          undefined,
        ),
      ).catch(() => undefined);
    }
  }
}
