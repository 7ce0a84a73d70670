// Task cancels, changes and follow notices for the endpoints watching them, through the store's
// one LISTEN connection (store-listener.ts): after a reconnect it replays the cancels it may have
// missed, tells change watchers to re-read what they follow and follow watchers that any task may
// have been followed. While anyone watches, it also deletes tasks
// past the retention window now and then.
import type { Pool } from "pg";
import type { TaskWatch } from "@molecule-ai/agent-core/store";
import type { Names } from "./sql.js";
import type { ListenSubscription, StoreListener } from "./store-listener.js";

/** What {@link CancelListener} needs. */
export interface CancelListenerConfig {
  pool: Pool;
  names: Names;
  listener: StoreListener;
  cleanupEveryMs: number;
  cleanup: () => Promise<void>;
}

/** See the file comment. */
export class CancelListener {
  readonly #c: CancelListenerConfig;
  readonly #listeners = new Set<(taskId: string) => void>();
  readonly #changes = new Set<(taskId: string | undefined) => void>();
  readonly #follows = new Set<(taskId: string | undefined) => void>();
  #subs: ListenSubscription[] = [];
  #cleanup: NodeJS.Timeout | undefined;

  constructor(config: CancelListenerConfig) {
    this.#c = config;
  }

  /** Adds a cancel listener; the subscriptions open with the first watcher and close with the last. */
  add(onCancel: (taskId: string) => void): TaskWatch {
    // Each add gets its own function object, so two watchers with one callback are two entries.
    return this.#watch(this.#listeners, (taskId: string) => onCancel(taskId));
  }

  /** Adds a change listener (`undefined`: changes may have been missed, re-read). */
  addChanges(onChange: (taskId: string | undefined) => void): TaskWatch {
    return this.#watch(this.#changes, (taskId: string | undefined) => onChange(taskId));
  }

  /** Adds a follow listener (`undefined`: notices may have been missed). */
  addFollows(onFollowed: (taskId: string | undefined) => void): TaskWatch {
    return this.#watch(this.#follows, (taskId: string | undefined) => onFollowed(taskId));
  }

  #watch<T>(set: Set<T>, listener: T): TaskWatch {
    set.add(listener);
    if (this.#count === 1) this.#start();
    const ready = async (): Promise<void> => {
      const subs = this.#subs;
      if (subs.length === 0) throw new Error("the task store is closed");
      await Promise.all(subs.map(async (s) => await s.ready));
    };
    return {
      get ready(): Promise<void> {
        return ready();
      },
      close: async () => {
        if (!set.delete(listener)) return;
        if (this.#count === 0) await this.stop();
      },
    };
  }

  /** Watchers of either kind. */
  get #count(): number {
    return this.#listeners.size + this.#changes.size + this.#follows.size;
  }

  /** Ends the subscriptions and the timer. */
  async stop(): Promise<void> {
    this.#listeners.clear();
    this.#changes.clear();
    this.#follows.clear();
    clearInterval(this.#cleanup);
    this.#cleanup = undefined;
    const subs = this.#subs;
    this.#subs = [];
    await Promise.all(subs.map(async (s) => await s.close()));
  }

  #start(): void {
    const { listener, names } = this.#c;
    this.#subs = [
      listener.subscribe(names.taskChangeChannel, {
        notify: (taskId) => notify(this.#changes, taskId),
        missed: () => notify(this.#changes, undefined), // changes of any task may have been missed
      }),
      listener.subscribe(names.taskFollowChannel, {
        notify: (taskId) => notify(this.#follows, taskId),
        missed: () => notify(this.#follows, undefined), // any task may have been followed
      }),
      listener.subscribe(names.taskChannel, {
        notify: (taskId) => notify(this.#listeners, taskId),
        missed: async (lostAt) => await this.#replay(lostAt),
      }),
    ];
    this.#cleanup = setInterval(
      () => void this.#c.cleanup().catch(() => undefined), // retried at the next interval
      this.#c.cleanupEveryMs,
    );
    this.#cleanup.unref();
  }

  /** Cancels notified while nobody listened (a margin covers clock skew with the server). */
  async #replay(lostAt: number): Promise<void> {
    const { pool, names } = this.#c;
    const { rows } = await pool.query<{ task_id: string }>(
      `SELECT task_id FROM ${names.tasks}
        WHERE state = 'canceled' AND updated_at >= to_timestamp($1 / 1000.0) - interval '5 seconds'`,
      [lostAt],
    );
    for (const r of rows) notify(this.#listeners, r.task_id);
  }
}

/** Calls every listener in `set` with `value`; a failing listener does not stop the others. */
function notify<T>(set: Set<(value: T) => void>, value: T): void {
  for (const l of set) {
    try {
      l(value);
    } catch {
      // a failing listener must not stop the others
    }
  }
}
