// One LISTEN connection per store for A2A task cancels and changes, shared by every endpoint
// watching it: reconnects with backoff, and after a reconnect replays the cancels it may have
// missed and tells change watchers to re-read what they follow. While it runs, it also deletes
// tasks past the retention window now and then.
import type { Pool, PoolClient } from "pg";
import type { TaskWatch } from "@molecule-ai/agent-core/store";
import type { Names } from "./sql.js";
import { backoff } from "./waker.js";

/** What {@link CancelListener} needs. */
export interface CancelListenerConfig {
  pool: Pool;
  names: Names;
  cleanupEveryMs: number;
  cleanup: () => Promise<void>;
}

/** See the file comment. */
export class CancelListener {
  readonly #c: CancelListenerConfig;
  readonly #listeners = new Set<(taskId: string) => void>();
  readonly #changes = new Set<(taskId: string | undefined) => void>();
  #conn: PoolClient | undefined;
  /** The connection attempt under way (rejects when it fails; another one is scheduled). */
  #attempt: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;
  #retryNow: (() => void) | undefined;
  #cleanup: NodeJS.Timeout | undefined;
  #failures = 0;
  /** When the connection was lost: cancels since then (minus a margin) are replayed. */
  #lostAt: number | undefined;

  constructor(config: CancelListenerConfig) {
    this.#c = config;
  }

  /** Adds a cancel listener; the connection opens with the first watcher and closes with the last. */
  add(onCancel: (taskId: string) => void, migrated: () => Promise<void>): TaskWatch {
    // Each add gets its own function object, so two watchers with one callback are two entries.
    return this.#watch(this.#listeners, (taskId: string) => onCancel(taskId), migrated);
  }

  /** Adds a change listener (`undefined`: changes may have been missed, re-read). */
  addChanges(
    onChange: (taskId: string | undefined) => void,
    migrated: () => Promise<void>,
  ): TaskWatch {
    return this.#watch(this.#changes, (taskId: string | undefined) => onChange(taskId), migrated);
  }

  #watch<T>(set: Set<T>, listener: T, migrated: () => Promise<void>): TaskWatch {
    set.add(listener);
    if (this.#count === 1) this.#start(migrated);
    const ready = (): Promise<void> => this.#ready();
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
    return this.#listeners.size + this.#changes.size;
  }

  /** Closes the connection and the timers. */
  async stop(): Promise<void> {
    this.#listeners.clear();
    this.#changes.clear();
    clearTimeout(this.#retry);
    clearInterval(this.#cleanup);
    this.#retryNow?.(); // a pending attempt stops waiting, then sees no listener and gives up
    this.#retry = undefined;
    this.#cleanup = undefined;
    await this.#attempt?.catch(() => undefined);
    this.#attempt = undefined;
    const conn = this.#conn;
    this.#conn = undefined;
    conn?.release(true);
  }

  #ready(): Promise<void> {
    if (this.#conn) return Promise.resolve();
    return this.#attempt ?? Promise.reject(new Error("the task store is closed"));
  }

  #start(migrated: () => Promise<void>): void {
    this.#connectSoon(migrated, 0);
    this.#cleanup = setInterval(
      () => void this.#c.cleanup().catch(() => undefined), // retried at the next interval
      this.#c.cleanupEveryMs,
    );
    this.#cleanup.unref();
  }

  #connectSoon(migrated: () => Promise<void>, delayMs: number): void {
    const attempt = (async () => {
      if (delayMs > 0) {
        await new Promise<void>((r) => {
          this.#retryNow = r;
          this.#retry = setTimeout(r, delayMs);
          this.#retry.unref();
        });
        this.#retryNow = undefined;
        if (this.#count === 0) return;
      }
      await migrated();
      await this.#connect();
    })();
    this.#attempt = attempt;
    attempt.then(
      () => (this.#failures = 0),
      () => {
        if (this.#attempt !== attempt || this.#count === 0) return;
        this.#failures++;
        this.#connectSoon(migrated, backoff(this.#failures, 200, 5_000));
      },
    );
  }

  async #connect(): Promise<void> {
    const { pool, names } = this.#c;
    const conn = await pool.connect();
    conn.on("notification", (m) => {
      if (!m.payload) return;
      if (m.channel === names.taskChannel) notify(this.#listeners, m.payload);
      else if (m.channel === names.taskChangeChannel) notify(this.#changes, m.payload);
    });
    conn.on("error", () => {
      if (this.#conn !== conn) return;
      this.#conn = undefined;
      this.#lostAt ??= Date.now();
      conn.release(true);
      if (this.#count > 0) this.#connectSoon(async () => undefined, 200);
    });
    try {
      await conn.query(`LISTEN ${names.taskChangeChannel}`);
      await conn.query(`LISTEN ${names.taskChannel}`);
    } catch (err) {
      conn.release(true);
      throw err;
    }
    if (this.#count === 0) {
      conn.release(true);
      return;
    }
    this.#conn = conn;
    const lostAt = this.#lostAt;
    this.#lostAt = undefined;
    if (lostAt !== undefined) {
      // Cancels notified while we were not listening (a margin covers clock skew with the server).
      const { rows } = await pool.query<{ task_id: string }>(
        `SELECT task_id FROM ${names.tasks}
          WHERE state = 'canceled' AND updated_at >= to_timestamp($1 / 1000.0) - interval '5 seconds'`,
        [lostAt],
      );
      for (const r of rows) notify(this.#listeners, r.task_id);
      notify(this.#changes, undefined); // changes of any task may have been missed
    }
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
