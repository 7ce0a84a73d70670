// The push side of the RemoteAgent's pipeline: de-duplicate pushed messages by messageId, let
// answers reach a waiting callPeer, dispatch the rest, and return the handler's answer as the A2A
// result (never for a message that is itself an answer). A message sent as an A2A task is
// canceled with it: `tasks/cancel` (on any replica sharing the task store) aborts its handler.
import { randomUUID } from "node:crypto";
import type { A2AHandlerContext, A2AMessage, A2ATask } from "../a2a/index.js";
import { inputRequired } from "../a2a/index.js";
import { BoundedSet } from "../inbound/index.js";
import { inboundFromA2AMessage } from "../inbound/index.js";
import type { InboundMessage } from "../inbound/index.js";
import { describe } from "../transport/index.js";
import { MoleculeError } from "../transport/index.js";
import type { Dispatcher } from "./dispatcher.js";
import { isAskingForInput } from "./input-request.js";
import type { PushClaim, PushClaimResult } from "./store.js";
import { MoleculeDeliveryLimitError, deliveryLimitRpcError } from "./store-errors.js";

/** The agent does not take pushed messages now: the sender should retry later. */
function notAccepting(code: "agent_not_running" | "agent_stopping", state: string): MoleculeError {
  return new MoleculeError(
    `the agent ${state}: the message was not handled; the sender should retry later.`,
    { code, retryable: true },
  );
}

/** Remembered for a canceled message: a resend of it is answered as canceled, never re-run. */
const CANCELED = Symbol("canceled");
type Answer = string | undefined | typeof CANCELED;

/** The A2A answer of a canceled message: its task, `canceled`. */
function canceledTask(msg: InboundMessage): A2ATask {
  return {
    kind: "task",
    id: randomUUID(),
    contextId: msg.contextId ?? randomUUID(),
    status: { state: "canceled", timestamp: new Date().toISOString() },
  };
}

/** What the push pipeline needs from the agent. */
export interface PushPipelineOptions {
  dispatcher: Dispatcher;
  dedupWindow: number;
  /** Whether the agent accepts messages now. */
  running(): boolean;
  /** True when the message goes no further (an awaited answer, or cut by the turn limit). */
  intercept(msg: InboundMessage): boolean;
  /** The store's claim by `messageId` (counts deliveries; shared by replicas: `SharedStore.claimPush`). */
  claim?: ((messageId: string) => Promise<PushClaimResult>) | undefined;
  /** Reports a message the store dead-lettered (the `deadLettered` event and `onDeadLetter`). */
  deadLetter?: ((msg: InboundMessage, error: unknown) => Promise<void>) | undefined;
}

/** Handles pushed A2A messages for one agent. */
export class PushPipeline {
  readonly #o: PushPipelineOptions;
  readonly #seen: BoundedSet;
  readonly #replies = new Map<string, Answer>();
  readonly #inFlight = new Map<string, Promise<Answer>>();

  /** @param options see {@link PushPipelineOptions} */
  constructor(options: PushPipelineOptions) {
    this.#o = options;
    this.#seen = new BoundedSet(options.dedupWindow);
  }

  /**
   * Handles one pushed message; resolves with the answer text (or nothing, or a `canceled` task
   * once the message was canceled). When `ctx` carries a task (a non-blocking or streaming
   * send), the task's signal cancels the message: `tasks/cancel` aborts its handler.
   */
  async onMessage(message: A2AMessage, ctx?: A2AHandlerContext): Promise<string | A2ATask | void> {
    if (!this.#o.running()) throw notAccepting("agent_not_running", "is not running");
    const msg: InboundMessage = inboundFromA2AMessage(message, { method: "message/send" });
    // The conversation the server answers in: the caller's contextId, a continued task's, or the
    // fresh one the answer carries (so a caller that sends it back continues the conversation).
    if (ctx !== undefined) msg.contextId ??= ctx.contextId;
    const answer = (a: Answer): string | A2ATask | undefined =>
      a === CANCELED
        ? canceledTask(msg)
        : typeof a === "string" && ctx !== undefined && isAskingForInput(msg)
          ? inputRequired(ctx, a) // the handler asked a question: the task waits for its answer
          : a;
    const mid = msg.messageId;
    if (mid !== undefined) {
      if (this.#seen.has(mid)) return answer(this.#replies.get(mid));
      const running = this.#inFlight.get(mid);
      if (running) return answer(await running);
    }
    // Only a task can be canceled; a blocking send's signal is left alone (reading it would also
    // abort the handler when the caller disconnects, and a resend gets the remembered answer).
    const cancel = ctx?.taskId !== undefined ? ctx.signal : undefined;
    if (this.#o.intercept(msg)) {
      this.#remember(mid, undefined);
      return undefined;
    }
    // In flight from here, claim included: a duplicate arriving while the store claims the
    // messageId joins this run instead of being told the message is busy.
    const p = this.#run(msg, mid, cancel);
    if (mid !== undefined) this.#inFlight.set(mid, p);
    try {
      const reply = await p;
      this.#remember(mid, reply);
      return answer(reply);
    } finally {
      if (mid !== undefined) this.#inFlight.delete(mid);
    }
  }

  /** Claims `msg` in the store (when it has claims), runs it and settles or releases the claim. */
  async #run(
    msg: InboundMessage,
    mid: string | undefined,
    cancel: AbortSignal | undefined,
  ): Promise<Answer> {
    let claim: PushClaim | undefined;
    if (mid !== undefined && this.#o.claim) {
      const r = await this.#o.claim(mid);
      if (r.status === "settled") return r.reply;
      if (r.status === "dead") {
        const error = new MoleculeDeliveryLimitError({
          delivery: "push",
          messageId: mid,
          deliveries: r.deliveries,
          kept: "it is listed by the store's deadLetters()",
        });
        if (r.first) await this.#o.deadLetter?.(msg, error); // reported once
        throw deliveryLimitRpcError(error);
      }
      if (r.status === "busy") {
        throw new MoleculeError(
          `message ${mid} is being handled by another replica of this agent; retry later`,
          { code: "message_busy", retryable: true },
        );
      }
      claim = r.claim;
    }
    return await this.#o.dispatcher
      .submit(msg, { redelivered: claim?.redelivered ?? false, reply: false, cancel })
      .then(async (outcome): Promise<Answer> => {
        // Never answer an answer: the handler saw it, its return value goes nowhere.
        if (outcome.status === "handled") {
          const reply = msg.isReply ? undefined : outcome.reply;
          await claim?.settle(reply);
          return reply;
        }
        if (outcome.status === "canceled") {
          await claim?.settle(undefined); // a cancel is final: no replica runs it again
          return CANCELED;
        }
        await claim?.release();
        if (outcome.status === "aborted") throw notAccepting("agent_stopping", "is stopping");
        if (outcome.error instanceof Error) throw outcome.error; // the handler's own error
        throw new MoleculeError(`the handler failed: ${describe(outcome.error)}`, {
          code: "handler_failed",
          cause: outcome.error,
        });
      });
  }

  #remember(mid: string | undefined, reply: Answer): void {
    if (mid === undefined) return;
    this.#seen.add(mid);
    this.#replies.set(mid, reply);
    // Keep the reply cache bounded with the seen window.
    if (this.#replies.size > this.#seen.size) {
      for (const k of this.#replies.keys()) {
        if (!this.#seen.has(k)) this.#replies.delete(k);
        if (this.#replies.size <= this.#seen.size) break;
      }
    }
  }
}
