// Push claims of the single-process stores (memory, file): each pushed message's unsettled
// deliveries are counted in the agent's saved state before its handler runs, so a message whose
// handler kills the process every time is dead-lettered after `maxDeliveries` restarts instead of
// crash-looping the agent (the file store keeps the count across restarts). While the state cannot
// be written, claims are refused (`store_unwritable`): no handler runs that could not be counted.
// A message counted before and never settled is claimed again only `alone` (failure isolation:
// see `SharedStore.claimPush`).
// Counts are keyed by the bounded messageId (`boundedKey`) within the content (`pushKey`).
import { boundedKey, pushKey, type PushDeliveryEntry } from "../../inbound/index.js";
import type { AgentStateStore, PushClaimResult } from "../../store/index.js";

/** Nothing to write (a release; a state in memory only): one resolved promise for all. */
const SAVED = Promise.resolve();

/** See the file comment. */
export class LocalPushClaims {
  readonly #state: AgentStateStore;
  readonly #max: number;
  /** The counts, once loaded from the state. */
  #entries: Map<string, PushDeliveryEntry> | undefined;
  #loading: Promise<Map<string, PushDeliveryEntry>> | undefined;
  /** Dead-lettered messages (from the state): their re-deliveries keep getting the error. */
  readonly #dead = new Map<string, number>();
  /** Claimed here and not settled or released yet. */
  readonly #active = new Set<string>();

  /** @param state the agent's state store; @param maxDeliveries the store's limit */
  constructor(state: AgentStateStore, maxDeliveries: number) {
    this.#state = state;
    this.#max = maxDeliveries;
  }

  /**
   * Claims message `id` with `content` (its fingerprint); the count is saved before this resolves
   * `claimed`. Unless `alone`, a message counted before is not claimed (`redelivered`). Throws a
   * `store_unwritable` `MoleculeStoreError` while the state cannot be written.
   */
  async claim(id: string, content: string, alone: boolean): Promise<PushClaimResult> {
    this.#state.assertWritable();
    const messageId = boundedKey(id);
    const key = pushKey(messageId, content);
    const entries = this.#entries ?? (await this.#load());
    if (this.#active.has(key)) return { status: "busy" };
    const dead = this.#dead.get(key);
    if (dead !== undefined) return { status: "dead", deliveries: dead, first: false };
    const prior = entries.get(key)?.deliveries ?? 0;
    if (prior >= this.#max) {
      this.#dead.set(key, prior);
      entries.delete(key);
      const deadAt = new Date().toISOString();
      const record = { delivery: "push", messageId, content, deliveries: prior, deadAt } as const;
      await this.#state.addDeadLetter(record);
      await this.#save(entries);
      return { status: "dead", deliveries: prior, first: true };
    }
    if (prior > 0 && !alone) return { status: "redelivered" };
    entries.set(key, { messageId, content, deliveries: prior + 1 });
    this.#active.add(key);
    try {
      await this.#save(entries);
    } catch (err) {
      this.#active.delete(key); // not counted: its handler does not run
      throw err;
    }
    return {
      status: "claimed",
      claim: {
        redelivered: prior > 0,
        settle: () => {
          this.#active.delete(key);
          entries.delete(key);
          return this.#save(entries);
        },
        // Not settled (the agent stopped first): the delivery stays counted.
        release: () => {
          this.#active.delete(key);
          return SAVED;
        },
      },
    };
  }

  #load(): Promise<Map<string, PushDeliveryEntry>> {
    this.#loading ??= Promise.all([this.#state.loadPush(), this.#state.loadDeadLetters()]).then(
      ([list, dead]) => {
        for (const d of dead) {
          if (d.delivery !== "push" || !d.messageId) continue;
          this.#dead.set(pushKey(d.messageId, d.content ?? ""), d.deliveries);
        }
        return (this.#entries ??= new Map(
          list.map((e) => [pushKey(e.messageId, e.content ?? ""), e]),
        ));
      },
      (err: unknown) => {
        this.#loading = undefined;
        throw err;
      },
    );
    return this.#loading;
  }

  /** Saves the counts; a state in memory only has nothing to save (`entries` is the state). */
  #save(entries: Map<string, PushDeliveryEntry>): Promise<void> {
    return this.#state.persists ? this.#state.savePush([...entries.values()]) : SAVED;
  }
}
