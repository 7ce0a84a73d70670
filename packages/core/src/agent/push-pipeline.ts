// The push side of the RemoteAgent's pipeline: de-duplicate pushed messages by messageId, let
// answers reach a waiting callPeer, dispatch the rest, and return the handler's answer as the A2A
// result (never for a message that is itself an answer).
import type { A2AMessage } from "../a2a/index.js";
import { BoundedSet } from "../inbound/index.js";
import { inboundFromA2AMessage } from "../inbound/index.js";
import type { InboundMessage } from "../inbound/index.js";
import { describe } from "../transport/index.js";
import { MoleculeError } from "../transport/index.js";
import type { Dispatcher } from "./dispatcher.js";
import type { PushClaim, PushClaimResult } from "./store.js";

/** The agent does not take pushed messages now: the sender should retry later. */
function notAccepting(code: "agent_not_running" | "agent_stopping", state: string): MoleculeError {
  return new MoleculeError(
    `the agent ${state}: the message was not handled; the sender should retry later.`,
    { code, retryable: true },
  );
}

/** What the push pipeline needs from the agent. */
export interface PushPipelineOptions {
  dispatcher: Dispatcher;
  dedupWindow: number;
  /** Whether the agent accepts messages now. */
  running(): boolean;
  /** True when the message goes no further (an awaited answer, or cut by the turn limit). */
  intercept(msg: InboundMessage): boolean;
  /** A shared store's claim by `messageId` (replicas): see `SharedStore.claimPush`. */
  claim?: ((messageId: string) => Promise<PushClaimResult>) | undefined;
}

/** Handles pushed A2A messages for one agent. */
export class PushPipeline {
  readonly #o: PushPipelineOptions;
  readonly #seen: BoundedSet;
  readonly #replies = new Map<string, string | undefined>();
  readonly #inFlight = new Map<string, Promise<string | undefined>>();

  /** @param options see {@link PushPipelineOptions} */
  constructor(options: PushPipelineOptions) {
    this.#o = options;
    this.#seen = new BoundedSet(options.dedupWindow);
  }

  /** Handles one pushed message; resolves with the answer text (or nothing). */
  async onMessage(message: A2AMessage): Promise<string | void> {
    if (!this.#o.running()) throw notAccepting("agent_not_running", "is not running");
    const msg: InboundMessage = inboundFromA2AMessage(message, { method: "message/send" });
    const mid = msg.messageId;
    if (mid !== undefined) {
      if (this.#seen.has(mid)) return this.#replies.get(mid);
      const running = this.#inFlight.get(mid);
      if (running) return await running;
    }
    if (this.#o.intercept(msg)) {
      this.#remember(mid, undefined);
      return undefined;
    }
    let claim: PushClaim | undefined;
    if (mid !== undefined && this.#o.claim) {
      const r = await this.#o.claim(mid);
      if (r.status === "settled") {
        this.#remember(mid, r.reply);
        return r.reply;
      }
      if (r.status === "busy") {
        throw new MoleculeError(
          `message ${mid} is being handled by another replica of this agent; retry later`,
          { code: "message_busy", retryable: true },
        );
      }
      claim = r.claim;
    }
    const p = this.#o.dispatcher
      .submit(msg, { redelivered: claim?.redelivered ?? false, reply: false })
      .then(async (outcome) => {
        // Never answer an answer: the handler saw it, its return value goes nowhere.
        if (outcome.status === "handled") {
          const reply = msg.isReply ? undefined : outcome.reply;
          await claim?.settle(reply);
          return reply;
        }
        await claim?.release();
        if (outcome.status === "aborted") throw notAccepting("agent_stopping", "is stopping");
        if (outcome.error instanceof Error) throw outcome.error; // the handler's own error
        throw new MoleculeError(`the handler failed: ${describe(outcome.error)}`, {
          code: "handler_failed",
          cause: outcome.error,
        });
      });
    if (mid !== undefined) this.#inFlight.set(mid, p);
    try {
      const reply = await p;
      this.#remember(mid, reply);
      return reply;
    } finally {
      if (mid !== undefined) this.#inFlight.delete(mid);
    }
  }

  #remember(mid: string | undefined, reply: string | undefined): void {
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
