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

/** How an array {@link BoundedSet.toArray} returned differs from the one it returned before. */
interface ListChange {
  /** The array it returned before. */
  readonly from: readonly string[];
  /** How many of `from`'s first items are gone; the rest follow in order, then the new items. */
  readonly dropped: number;
}

/** Each window array's change from its predecessor (one step: the predecessor's own is deleted). */
const changes = new WeakMap<readonly unknown[], ListChange>();

/**
 * How many of `before`'s first items `next` dropped, when both are arrays of one
 * {@link BoundedSet} handed out one after the other: `next` is then `before` without them, followed
 * by `next`'s items past `before.length - dropped`. `undefined` when not known so (any other pair of
 * arrays): the caller compares the items. The file store's journal writes a window's change with it
 * (a few ids a save) without walking the whole window.
 */
export function droppedSince(
  next: readonly unknown[],
  before: readonly unknown[],
): number | undefined {
  const change = changes.get(next);
  return change !== undefined && change.from === before ? change.dropped : undefined;
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
  /** The array {@link toArray} returned last, the entries evicted since, and whether any moved. */
  #last: readonly string[] | undefined;
  #evicted = 0;
  #moved = false;
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
    if (again) this.#moved = true;
    if (this.#items.size <= this.#max) {
      if (again) this.#oldest = undefined;
      return undefined;
    }
    this.#oldest ??= this.#items.values();
    const oldest = this.#oldest.next().value as string; // the set holds at least two entries
    this.#items.delete(oldest);
    this.#evicted++;
    return oldest;
  }

  /** How many ids it remembers at most. */
  get max(): number {
    return this.#max;
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
    if (this.#array !== undefined) return this.#array;
    const array = [...this.#items];
    const last = this.#last;
    if (last !== undefined) {
      changes.delete(last); // one step kept: no chain of older windows stays reachable
      // Only added and evicted since: the oldest entries went first, the new ones follow in order.
      if (!this.#moved) {
        changes.set(array, { from: last, dropped: Math.min(this.#evicted, last.length) });
      }
    }
    this.#last = this.#array = array;
    this.#evicted = 0;
    this.#moved = false;
    return array;
  }
}
