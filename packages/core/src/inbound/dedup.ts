// A bounded, insertion-ordered set: the de-duplication window of settled activity and message ids.
import { sha256Hex } from "../runtime/index.js";
import { MAX_ID_LENGTH } from "../a2a/index.js";

/**
 * The key a store or a window keeps for a sender-chosen id: the id itself up to `MAX_ID_LENGTH`
 * (256) characters, else `sha256:` and its SHA-256 in hex (71 characters). The entry stages refuse
 * longer ids; this is the last line of defence, so no store holds a sender-sized key.
 */
export function boundedKey(id: string): string {
  if (id.length <= MAX_ID_LENGTH) return id;
  return `sha256:${sha256Hex(id)}`;
}

/**
 * The de-duplication key of a polled message: its messageId within its sender as the platform
 * authenticated it (the row's `source_id`; none for the canvas), so a sender reusing another's id
 * never settles or suppresses the other's message. A pushed message's is its {@link pushKey}.
 */
export function messageKey(m: { sourceId: string | null; messageId?: string | undefined }) {
  return m.messageId === undefined ? undefined : `${m.sourceId ?? ""}\n${m.messageId}`;
}

/**
 * The de-duplication key of a pushed message: its messageId within its `contentFingerprint` (no
 * sender is authenticated), so a sender reusing another's id never gets the other's answer.
 */
export function pushKey(messageId: string, content: string): string {
  return `\n${messageId}\n${content}`;
}

/**
 * A bounded set that forgets its oldest entries first (insertion order, refreshed on re-add). Ids
 * are kept as their {@link boundedKey}: an overlong id costs 71 characters, not its length.
 */
export class BoundedSet {
  readonly #max: number;
  readonly #items = new Set<string>();
  /** {@link toArray}'s array, until the set changes (saves ask for it far more often). */
  #array: readonly string[] | undefined;
  // From the first eviction, just before the oldest entry: a Set iterator sees later additions and
  // skips deleted entries (a new one would scan every deleted entry before the oldest). An idle
  // iterator keeps every table the Set outgrows alive, so a re-add that evicts nothing drops it.
  #oldest: Iterator<string> | undefined;

  /** @param max how many ids to remember (oldest are evicted first) */
  constructor(max: number, initial?: Iterable<string>) {
    this.#max = Math.max(1, Math.floor(max));
    if (initial) for (const id of initial) this.add(id);
  }

  /** Whether `id` is remembered. */
  has(id: string | undefined): boolean {
    return id !== undefined && this.#items.has(boundedKey(id));
  }

  /**
   * Remembers `id`, evicting the oldest entry when full; returns the evicted entry's key. An id
   * over `MAX_ID_LENGTH` is never kept (such a message is refused where it enters; this holds for
   * ids loaded from an older state too).
   */
  add(id: string | undefined): string | undefined {
    if (id === undefined) return undefined;
    const key = boundedKey(id);
    const again = this.#items.delete(key);
    this.#items.add(key);
    this.#array = undefined;
    if (this.#items.size <= this.#max) {
      if (again) this.#oldest = undefined;
      return undefined;
    }
    this.#oldest ??= this.#items.values();
    const oldest = this.#oldest.next().value as string; // the set holds at least two entries
    this.#items.delete(oldest);
    return oldest;
  }

  /** Number of remembered ids. */
  get size(): number {
    return this.#items.size;
  }

  /**
   * The remembered ids (as their bounded keys), oldest first. The same array until the set
   * changes: callers keep it as it is (a saved state holds it by reference).
   */
  toArray(): readonly string[] {
    return (this.#array ??= [...this.#items]);
  }
}
