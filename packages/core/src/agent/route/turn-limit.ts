// The per-conversation turn limit: at most `maxTurns` messages from one peer in one `contextId`
// within a window reach the handler, so handlers that call each other cannot loop.
import { MoleculeError, MoleculeOptionError } from "../../transport/index.js";
import type { TurnLimitOptions } from "../types.js";

/** Counts handled messages per (contextId, peer) in a sliding window; bounded memory. */
export class TurnLimiter {
  readonly maxTurns: number;
  readonly windowMs: number;
  // Two generations of keys, no eviction order to keep: a Map's oldest key, read by a new
  // iterator, costs a scan of the holes its deletions left (about 10 µs at 10,000 keys).
  /** Turns by key, of the keys used since the last turnover. */
  #current = new Map<string, number[]>();
  /** The keys of the generation before (forgotten at the next turnover). */
  #previous = new Map<string, number[]>();
  readonly #maxKeys: number;

  /**
   * @param options see {@link TurnLimitOptions}
   * @param maxKeys a conversation is remembered until at least this many others had a turn after
   *   its last one (at most twice as many are kept)
   */
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
  admit(
    contextId: string | undefined,
    peerId: string | undefined,
    now = performance.now(),
  ): boolean {
    if (this.maxTurns === 0 || contextId === undefined || peerId === undefined) return true;
    const key = `${contextId}\u0000${peerId}`;
    const since = now - this.windowMs;
    const turns = (this.#current.get(key) ?? this.#previous.get(key) ?? []).filter(
      (t) => t > since,
    );
    const admitted = turns.length < this.maxTurns;
    if (admitted) turns.push(now);
    this.#keep(key, turns);
    return admitted;
  }

  /** Keeps `turns` in the current generation; a new key finding it full starts the next one. */
  #keep(key: string, turns: number[]): void {
    if (!this.#current.has(key)) {
      this.#previous.delete(key);
      if (this.#current.size >= this.#maxKeys) {
        this.#previous = this.#current;
        this.#current = new Map();
      }
    }
    this.#current.set(key, turns);
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
