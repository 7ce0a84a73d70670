// A bounded, insertion-ordered set: the de-duplication window of settled activity and message ids.
import { MAX_ID_LENGTH } from "../a2a/index.js";

/** A bounded set that forgets its oldest entries first (insertion order, refreshed on re-add). */
export class BoundedSet {
  readonly #max: number;
  readonly #items = new Set<string>();

  /** @param max how many ids to remember (oldest are evicted first) */
  constructor(max: number, initial?: Iterable<string>) {
    this.#max = Math.max(1, Math.floor(max));
    if (initial) for (const id of initial) this.add(id);
  }

  /** Whether `id` is remembered. */
  has(id: string | undefined): boolean {
    return id !== undefined && this.#items.has(id);
  }

  /**
   * Remembers `id`, evicting the oldest entry when full. An id over `MAX_ID_LENGTH` is never kept
   * (such a message is refused where it enters; this holds for ids loaded from an older state too).
   */
  add(id: string | undefined): void {
    if (id === undefined || id.length > MAX_ID_LENGTH) return;
    this.#items.delete(id);
    this.#items.add(id);
    if (this.#items.size > this.#max) {
      const oldest = this.#items.values().next().value;
      if (oldest !== undefined) this.#items.delete(oldest);
    }
  }

  /** Number of remembered ids. */
  get size(): number {
    return this.#items.size;
  }

  /** The remembered ids, oldest first. */
  toArray(): string[] {
    return [...this.#items];
  }
}
