// One turn per inbound message, one at a time per conversation, answered whole or streamed: the
// shape every adapter's message handler has, whatever runs the turn.
import { objectPassThrough } from "../runtime/index.js";
import type { RemoteAgentOptions } from "../agent/index.js";
import type { InboundMessage } from "../inbound/index.js";
import { KeyedQueue } from "./keyed-queue.js";

/** What a {@link Turn} gets besides the message. */
export interface TurnContext {
  /** The message's conversation key (what the turn was queued under). */
  key: string | undefined;
  /** Aborts when the delivery is cancelled or a stream's reader goes away. */
  signal?: AbortSignal | undefined;
  /** Present when the caller streams: send each piece of the answer as it is generated. */
  emit?: ((text: string) => void) | undefined;
}

/** Runs one turn; resolves to the whole reply (`undefined`: no reply). */
export type Turn = (message: InboundMessage, context: TurnContext) => Promise<string | undefined>;

/** A `RemoteAgent` handler, plus `.stream()` for callers that want the answer as it is generated. */
export interface TurnHandler {
  (message: InboundMessage, context?: { signal?: AbortSignal }): Promise<string | undefined>;
  /**
   * The answer's text as it is generated: what the turn emits, or the whole reply in one piece
   * when it emitted nothing. Breaking out of the loop cancels the turn.
   */
  stream(message: InboundMessage, context?: { signal?: AbortSignal }): AsyncIterable<string>;
  /**
   * Set by an adapter's `onApprovalEscalated` option: a `RemoteAgent` given this handler calls it
   * on each `approvalEscalated` event (and so reads its event stream for escalations).
   */
  onApprovalEscalated?: RemoteAgentOptions["onApprovalEscalated"];
}

/**
 * Wraps `turn` into a {@link TurnHandler}: turns of one conversation (`key`) run one at a time in
 * arrival order, other conversations concurrently; an already aborted `signal` never starts one.
 * An answer no `callPeer` awaits (`msg.isReply`: a late or duplicate answer) runs no turn: the
 * handler resolves `undefined` (the runtime never answers an answer).
 */
export function createTurnHandler(
  turn: Turn,
  key: (message: InboundMessage) => string | undefined,
): TurnHandler {
  const queue = new KeyedQueue();
  const run = async (
    message: InboundMessage,
    context: Omit<TurnContext, "key">,
  ): Promise<string | undefined> => {
    // An answer nobody awaits (late, or a duplicate of one a call took) is not a turn: the model
    // never sees it, and nothing would be sent back for it anyway.
    if (message?.isReply === true) return undefined;
    const turnKey = key(message);
    return queue.run(turnKey, async () => {
      context.signal?.throwIfAborted();
      return turn(message, { ...context, key: turnKey });
    });
  };

  const handler = (message: InboundMessage, context: { signal?: AbortSignal } = {}) =>
    run(message, { signal: context.signal });

  const stream = (message: InboundMessage, context: { signal?: AbortSignal } = {}) => {
    const out = objectPassThrough();
    const reader = new AbortController();
    const signal = context.signal
      ? AbortSignal.any([context.signal, reader.signal])
      : reader.signal;
    let finished = false;
    let emitted = false;
    out.on("close", () => {
      if (!finished) reader.abort(new Error("the stream's reader went away"));
    });
    const emit = (text: string): void => {
      if (!text) return;
      emitted = true;
      if (!out.destroyed) out.write(text);
    };
    run(message, { signal, emit }).then(
      (text) => {
        finished = true;
        if (!emitted && text) emit(text);
        out.end();
      },
      (error: unknown) => {
        finished = true;
        out.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
    return out as AsyncIterable<string>;
  };

  return Object.assign(handler, { stream });
}
