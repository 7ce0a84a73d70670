// Conversation bookkeeping of a RemoteAgent: calls awaiting an answer (and how an inbound answer
// is matched to one), and the per-conversation turn limit.
import type { InboundMessage } from "../../inbound/index.js";
import { MoleculeOptionError } from "../../transport/index.js";

/** A `callPeer` waiting for its answer in the agent's inbox. */
export interface PendingCall {
  peerId: string;
  messageId: string;
  contextId: string;
  resolve(answer: InboundMessage): void;
  reject(error: unknown): void;
}

/** The peer an inbound message comes from: the platform's id (poll), else the sender's claim (push). */
export function senderOf(msg: InboundMessage): string | undefined {
  return msg.sourceId ?? msg.claimedSourceId ?? undefined;
}

/** Calls awaiting answers, matched by `inReplyTo`, else `contextId`, else the oldest call to the sender. */
export class PendingCalls {
  /** Created by the first call (most agents of a fleet never await one). */
  #calls: Map<string, PendingCall> | undefined;

  /** How many calls are waiting. */
  get size(): number {
    return this.#calls?.size ?? 0;
  }

  /** Registers a call (before its message is sent, so an early answer is not missed). */
  add(call: PendingCall): () => void {
    const calls = (this.#calls ??= new Map());
    calls.set(call.messageId, call);
    return () => {
      if (calls.get(call.messageId) === call) calls.delete(call.messageId);
    };
  }

  /** Fails every waiting call (the agent is stopping). */
  rejectAll(error: unknown): void {
    if (!this.#calls) return;
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    for (const c of calls) c.reject(error);
  }

  /**
   * Hands `answer` to the call it answers and returns true; false when no call waits for it (it
   * then goes to the handler). An answer that names another sender's call is not taken.
   */
  take(answer: InboundMessage): boolean {
    const calls = this.#calls;
    const call = calls ? this.#match(calls, answer) : undefined;
    if (!calls || !call) return false;
    calls.delete(call.messageId);
    call.resolve(answer);
    return true;
  }

  #match(calls: Map<string, PendingCall>, answer: InboundMessage): PendingCall | undefined {
    const from = senderOf(answer);
    const fits = (c: PendingCall): boolean => from === undefined || c.peerId === from;
    if (answer.inReplyTo !== undefined) {
      const c = calls.get(answer.inReplyTo);
      return c && fits(c) ? c : undefined;
    }
    if (answer.contextId !== undefined) {
      for (const c of calls.values()) if (c.contextId === answer.contextId && fits(c)) return c;
      return undefined;
    }
    // The Python reference's answer: no context, no reference; the oldest call to that peer.
    if (from !== undefined) {
      for (const c of calls.values()) if (c.peerId === from) return c;
      return undefined;
    }
    return calls.size === 1 ? calls.values().next().value : undefined;
  }
}

/** Settings of the per-conversation turn limit. */
export interface TurnLimitOptions {
  /** Messages from one peer in one `contextId` handled within `windowMs` (default 10; 0 = off). */
  maxTurns?: number;
  /** The sliding window in ms (default 600 000: 10 minutes). */
  windowMs?: number;
}

/** Counts handled messages per (contextId, peer) in a sliding window; bounded memory. */
export class TurnLimiter {
  readonly maxTurns: number;
  readonly windowMs: number;
  /** Created by the first limited turn. */
  #turns: Map<string, number[]> | undefined;
  readonly #maxKeys: number;

  /** @param options see {@link TurnLimitOptions} */
  constructor(options: TurnLimitOptions = {}, maxKeys = 10_000) {
    const max = options.maxTurns ?? 10;
    const win = options.windowMs ?? 600_000;
    if (!Number.isInteger(max) || max < 0) {
      throw new MoleculeOptionError(
        "conversationTurnLimit.maxTurns",
        `conversationTurnLimit.maxTurns must be an integer >= 0 (0 turns the limit off; got ${max}).`,
      );
    }
    if (!(Number.isFinite(win) && win > 0)) {
      throw new MoleculeOptionError(
        "conversationTurnLimit.windowMs",
        `conversationTurnLimit.windowMs must be a positive number of milliseconds (got ${win}).`,
      );
    }
    this.maxTurns = max;
    this.windowMs = win;
    this.#maxKeys = maxKeys;
  }

  /**
   * Records one turn of `peerId` in `contextId` and returns false when it goes over the limit.
   * Messages without a conversation or a known peer are not limited.
   */
  admit(contextId: string | undefined, peerId: string | undefined, now = Date.now()): boolean {
    if (this.maxTurns === 0 || contextId === undefined || peerId === undefined) return true;
    const key = `${contextId}\u0000${peerId}`;
    const since = now - this.windowMs;
    const all = (this.#turns ??= new Map<string, number[]>());
    const turns = (all.get(key) ?? []).filter((t) => t > since);
    if (turns.length >= this.maxTurns) {
      all.set(key, turns);
      return false;
    }
    turns.push(now);
    all.delete(key); // re-insert: the map stays ordered by last use
    all.set(key, turns);
    if (all.size > this.#maxKeys) {
      const oldest = all.keys().next().value;
      if (oldest !== undefined) all.delete(oldest);
    }
    return true;
  }
}
