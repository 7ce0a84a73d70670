// One LISTEN connection per store, shared by everything in it that waits for a NOTIFY (the polls'
// work wake-ups of every workspace, A2A task cancels and changes): it opens with the first
// subscriber and closes with the last (or the store's close), reconnects with backoff after a lost
// connection, and tells every subscriber when notifications may have been missed: once when the
// connection is lost and once it listens again.
import type { Pool, PoolClient } from "pg";
import { backoff } from "./waker.js";

/** What a subscriber of a {@link StoreListener} is told. */
export interface ListenSubscriber {
  /** A notification on the subscribed channel (and payload, when the subscription names one). */
  notify(payload: string): void;
  /** The connection was lost (`error` says why): notifications are missed until it is back. */
  lost?(error: unknown): void;
  /**
   * Listening again after a lost connection: notifications since `lostAt` (ms) may have been
   * missed. A rejection counts as a failed reconnect (retried with backoff, `missed` again).
   */
  missed?(lostAt: number): void | Promise<void>;
}

/** A subscription: `ready` settles once the connection listens; `close` ends it. */
export interface ListenSubscription {
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/** What {@link StoreListener} needs. */
export interface StoreListenerConfig {
  pool: Pool;
  /** Every channel of the store: the connection listens on all of them. */
  channels: readonly string[];
  /** Resolves once the schema is migrated (awaited before connecting). */
  ready: () => Promise<void>;
}

/** See the file comment. */
export class StoreListener {
  readonly #c: StoreListenerConfig;
  /** Subscribers by channel, or by channel and payload. */
  readonly #subs = new Map<string, Set<ListenSubscriber>>();
  #count = 0;
  #conn: PoolClient | undefined;
  /** The connection attempt under way (rejects when it fails; another one is scheduled). */
  #attempt: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;
  #retryNow: (() => void) | undefined;
  #failures = 0;
  /** When the connection was lost, until listening again. */
  #lostAt: number | undefined;
  /** Bumped on every close: an attempt of an earlier run gives its connection back. */
  #run = 0;

  constructor(config: StoreListenerConfig) {
    this.#c = config;
  }

  /** Subscribes to `channel` (only its notifications with `payload`, when given). */
  subscribe(channel: string, subscriber: ListenSubscriber, payload?: string): ListenSubscription {
    const key = keyOf(channel, payload);
    // Its own entry, so one subscriber object subscribed twice is two subscriptions.
    const entry: ListenSubscriber = {
      notify: (p) => subscriber.notify(p),
      lost: (error) => subscriber.lost?.(error),
      missed: async (lostAt) => await subscriber.missed?.(lostAt),
    };
    let set = this.#subs.get(key);
    if (!set) this.#subs.set(key, (set = new Set()));
    set.add(entry);
    if (++this.#count === 1) this.#connectSoon(0);
    let open = true;
    const ready = (): Promise<void> => {
      if (!open) return Promise.reject(new Error("the store's listener subscription is closed"));
      if (this.#conn) return Promise.resolve();
      return this.#attempt ?? Promise.reject(closedError());
    };
    return {
      get ready(): Promise<void> {
        return ready();
      },
      close: async () => {
        if (!open) return;
        open = false;
        const current = this.#subs.get(key);
        if (!current?.delete(entry)) return; // the store's close ended it
        if (current.size === 0) this.#subs.delete(key);
        if (--this.#count === 0) await this.#close();
      },
    };
  }

  /** Ends every subscription and releases the connection (the store's close). */
  async close(): Promise<void> {
    this.#subs.clear();
    this.#count = 0;
    await this.#close();
  }

  async #close(): Promise<void> {
    this.#run++;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#retryNow?.(); // a pending attempt stops waiting, sees the new run and gives up
    const conn = this.#conn;
    this.#conn = undefined;
    this.#lostAt = undefined;
    this.#failures = 0;
    // Destroying the connection ends its session: PostgreSQL drops the LISTEN.
    conn?.release(true);
    const attempt = this.#attempt;
    this.#attempt = undefined;
    await attempt?.catch(() => undefined);
  }

  #connectSoon(delayMs: number): void {
    const run = this.#run;
    const attempt = (async () => {
      if (delayMs > 0) {
        await new Promise<void>((r) => {
          this.#retryNow = r;
          this.#retry = setTimeout(r, delayMs);
          this.#retry.unref();
        });
        this.#retryNow = undefined;
      }
      // Closed meanwhile: a `ready` read before the close rejects (nothing will listen).
      if (run !== this.#run) throw closedError();
      await this.#c.ready();
      if (run !== this.#run) throw closedError();
      await this.#connect(run);
    })();
    this.#attempt = attempt;
    attempt.then(
      () => {
        if (this.#attempt === attempt) this.#failures = 0;
      },
      () => {
        if (this.#attempt !== attempt || run !== this.#run) return;
        this.#failures++;
        this.#connectSoon(backoff(this.#failures, 200, 5_000));
      },
    );
  }

  async #connect(run: number): Promise<void> {
    const conn = await this.#c.pool.connect();
    conn.on("notification", (m) => {
      // Every payload the store sends is an id: an empty one means nothing.
      if (run === this.#run && m.payload) this.#deliver(m.channel, m.payload);
    });
    conn.on("error", (err) => {
      if (this.#conn !== conn) return;
      this.#conn = undefined;
      this.#lostAt ??= Date.now();
      conn.release(true);
      for (const s of this.#all()) call(() => s.lost?.(err));
      if (this.#count > 0) this.#connectSoon(200);
    });
    try {
      // One query: its text (what pg_stat_activity shows) names every channel.
      await conn.query(this.#c.channels.map((c) => `LISTEN ${c}`).join("; "));
    } catch (err) {
      conn.release(true);
      throw err;
    }
    if (run !== this.#run || this.#count === 0) {
      conn.release(true);
      throw closedError();
    }
    this.#conn = conn;
    const lostAt = this.#lostAt;
    this.#lostAt = undefined;
    if (lostAt === undefined) return;
    try {
      await Promise.all(this.#all().map(async (s) => await s.missed?.(lostAt)));
    } catch (err) {
      // Not caught up: drop this connection and try again (missed once more, from `lostAt`).
      this.#lostAt = lostAt;
      if (this.#conn === conn) this.#conn = undefined;
      conn.release(true);
      throw err;
    }
  }

  #deliver(channel: string, payload: string): void {
    for (const key of [keyOf(channel, undefined), keyOf(channel, payload)]) {
      for (const s of this.#subs.get(key) ?? []) call(() => s.notify(payload));
    }
  }

  #all(): ListenSubscriber[] {
    return [...this.#subs.values()].flatMap((set) => [...set]);
  }
}

function closedError(): Error {
  return new Error("the store is closed");
}

function keyOf(channel: string, payload: string | undefined): string {
  return payload === undefined ? channel : `${channel}\n${payload}`;
}

/** Runs a subscriber's callback: a failing one must not stop the others. */
function call(f: () => void): void {
  try {
    f();
  } catch {
    // see above
  }
}
