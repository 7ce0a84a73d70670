// The per-conversation turn limit: at most `maxTurns` messages from one peer in one `contextId`
// within a window reach the handler, so handlers that call each other cannot loop.
import { MoleculeError, MoleculeOptionError } from "../../transport/index.js";
import type { TurnLimitOptions } from "../types.js";

/** Counts handled messages per (contextId, peer) in a sliding window; bounded memory. */
export class TurnLimiter {
  readonly maxTurns: number;
  readonly windowMs: number;
  readonly #turns = new Map<string, number[]>();
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
    const all = this.#turns;
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

/**
 * A conversation went over the turn limit: more than `maxTurns` messages from one peer in one
 * `contextId` within the window. The message was not handed to the handler.
 */
export class MoleculeTurnLimitError extends MoleculeError {
  /** The peer whose message was cut. */
  readonly peerId: string;
  /** The conversation that was cut. */
  readonly contextId: string;
  /** The limit that was reached. */
  readonly maxTurns: number;

  constructor(peerId: string, contextId: string, maxTurns: number, windowMs: number) {
    super(
      `conversation ${contextId} with peer ${peerId} was cut: more than ${maxTurns} messages in ` +
        `${windowMs} ms (a loop between handlers that call each other?). The message was not ` +
        "handled. Raise conversationTurnLimit.maxTurns (0 turns the limit off) if this exchange is intended.",
      { code: "conversation_turn_limit", retryable: false },
    );
    this.peerId = peerId;
    this.contextId = contextId;
    this.maxTurns = maxTurns;
  }
}
