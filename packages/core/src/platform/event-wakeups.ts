// Event wake-ups: subscribe to the workspace's SSE stream and trigger a fetch as soon as an
// activity is logged, so inbound latency does not depend on the poll interval.
//
// No connection is trusted past a bound: a NAT gateway, firewall or load balancer that forgets
// the flow sends no FIN or RST, and the stream would be believed for as long as the HTTP client's
// body timeout (minutes) while no event arrives. The platform writes one `: ping` when the stream
// opens and then only events, among them a `WORKSPACE_HEARTBEAT` for each heartbeat it accepts
// (enteros-core aeec8e47 `sse.go`, `registry.go`; recorded: docs/platform-versions.md), so a stream
// silent for `idleTimeoutMs` (45 s) is closed and opened again, and the outage is reported
// (`onUnavailable`: the agent's `wakeupsUnavailable` warning), as is a stream that cannot be
// reopened for as long. A silence while the agent's own heartbeat is held back by the rate budget
// (`heartbeats`), and for a moment after it goes, is the agent's and not the stream's: under a spent
// budget heartbeats come up to 55 s apart. Polling goes on at its full rate meanwhile.
import type * as EventSourceParser from "eventsource-parser";
import { type ChunkedBody, type Logger, ScheduledTask, describe } from "../transport/index.js";
import { askedWaitMs, backoffDelay, ranLate, sleep } from "../transport/index.js";
import { EventStreamFeed } from "./event-stream-feed.js";

/** How long the stream may stay silent before it is taken for dead (the default). */
export const EVENT_IDLE_TIMEOUT_MS = 45_000;

/**
 * How long after a heartbeat the platform accepted its `WORKSPACE_HEARTBEAT` event may take to
 * arrive (the platform writes it as it answers the heartbeat), at most the silence bound.
 */
const HEARTBEAT_EVENT_MS = 10_000;

/** What an agent knows of its own heartbeats, whose events are all the platform writes while idle. */
export interface OwnHeartbeats {
  /** Whether a heartbeat is held back by the rate budget now: the platform has nothing to write. */
  held(): boolean;
  /** When the platform last accepted one (`performance.now()`), if it has. */
  acceptedAt(): number | undefined;
}

/** A byte stream of an open SSE response. */
export type EventStreamBody = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** What an `ACTIVITY_LOGGED` event says of the row it announces (see `onWake`). */
export interface AnnouncedRow {
  id: string | undefined;
  messageId: string | undefined;
  sourceId: string | undefined;
  /** The event's data, when it carries the row's `request_body` (since 2026-05). */
  event?: Record<string, unknown> | undefined;
}

/** Options of {@link EventWakeups}. */
export interface EventWakeupsOptions {
  /**
   * Opens `GET /workspaces/:id/events/stream` and resolves with its body (a byte stream, or chunks
   * read straight from the connection); rejects on HTTP errors.
   */
  open(
    signal: AbortSignal,
  ): Promise<{ body: EventStreamBody; close?: (() => void) | undefined } | { chunks: ChunkedBody }>;
  /**
   * Called when an inbound activity may be waiting: with `activity` for each event that announces
   * a row, without it once after every (re)connect. `id`: the row's, when the event names it (the
   * emulator's does, the August server's does not); `messageId`: the message's, when it names it
   * (the August server announces each polled message twice, at its ingest and once queued, with
   * the same `message_id`: one row); `sourceId`: the sender the platform recorded, if any.
   */
  onWake(activity?: AnnouncedRow): void;
  /** Called when the stream connects (true) or drops (false). */
  onStatus?(connected: boolean): void;
  /**
   * Called with the event's name when the platform says it paused, resumed or removed the
   * workspace (`WORKSPACE_PAUSED`, `WORKSPACE_PROVISIONING`, `WORKSPACE_AWAITING_AGENT`,
   * `WORKSPACE_REMOVED`), or that an operator rotated its credentials
   * (`EXTERNAL_CREDENTIALS_ROTATED`, August 2026: every old token revoked, one new one minted).
   */
  onStateEvent?(name?: string): void;
  /**
   * Called once per outage, with what happened, when the stream stayed silent for
   * `idleTimeoutMs` (it is reopened), or could not be reopened for as long (`error`: the last
   * reopen's).
   */
  onUnavailable?(reason: string, error?: unknown): void;
  /** How long the stream may stay silent before it is closed and reopened (default 45 000 ms). */
  idleTimeoutMs?: number;
  /**
   * The agent's own heartbeats: a silence while one is held back by the rate budget, and for its
   * event's time after it is accepted, is not counted. Not given, any silence counts.
   */
  heartbeats?: OwnHeartbeats;
  /** Longest line kept, in bytes (default `EVENT_KEPT_BYTES`); the largest event too. */
  maxKeptBytes?: number;
  /** Longest line read, in bytes (default `EVENT_LINE_MAX_BYTES`). */
  maxLineBytes?: number;
  /** Reconnect backoff base and cap in ms (defaults 500 and 30 000). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  logger: Logger;
}

/** An SSE event's type and payload (`{type, data}` or `{event, payload}`), the SSE name first. */
function readEvent(
  eventName: string | undefined,
  data: string,
): { name: string | undefined; inner: Record<string, unknown> | undefined } {
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch {
    payload = undefined;
  }
  const p = payload && typeof payload === "object" ? (payload as Record<string, unknown>) : {};
  const type =
    typeof p.type === "string" ? p.type : typeof p.event === "string" ? p.event : undefined;
  const inner = p.data ?? p.payload;
  return {
    name: eventName && eventName !== "message" ? eventName : type,
    inner: inner && typeof inner === "object" ? (inner as Record<string, unknown>) : undefined,
  };
}

const stringOf = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Whether an activity event means "an inbound activity row may be waiting". */
function isInboundActivity(name: string | undefined, inner: Record<string, unknown> | undefined) {
  if (name !== "ACTIVITY_LOGGED") return false;
  const activityType = inner ? (inner.activity_type ?? inner.activityType) : undefined;
  // Unknown shapes still wake (a spare fetch is cheap); other activity types do not.
  return activityType === undefined || activityType === "a2a_receive";
}

/** Whether an SSE event means "an inbound activity row may be waiting". */
export function isInboundActivityEvent(eventName: string | undefined, data: string): boolean {
  const { name, inner } = readEvent(eventName, data);
  return isInboundActivity(name, inner);
}

/**
 * Events after which the workspace's state is checked at once: the platform paused or removed it,
 * or resumed it (`WORKSPACE_PROVISIONING`; `WORKSPACE_AWAITING_AGENT`), after which it waits for its
 * agent to register again.
 */
const STATE_EVENTS = new Set([
  "WORKSPACE_PAUSED",
  "WORKSPACE_REMOVED",
  "WORKSPACE_PROVISIONING",
  "WORKSPACE_AWAITING_AGENT",
  "EXTERNAL_CREDENTIALS_ROTATED",
]);
/** The names of the events the agent acts on. */
const OURS =
  /ACTIVITY_LOGGED|WORKSPACE_PAUSED|WORKSPACE_REMOVED|WORKSPACE_PROVISIONING|WORKSPACE_AWAITING_AGENT|EXTERNAL_CREDENTIALS_ROTATED/;

/** Keeps an SSE subscription open with reconnect backoff; polling continues while it is down. */
export class EventWakeups {
  readonly #o: EventWakeupsOptions;
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #connected = false;

  /** @param options see {@link EventWakeupsOptions} */
  constructor(options: EventWakeupsOptions) {
    this.#o = options;
  }

  /** Whether the stream is currently connected. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Starts the subscription loop (returns immediately). */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Closes the stream and stops reconnecting. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    const idleMs = this.#o.idleTimeoutMs ?? EVENT_IDLE_TIMEOUT_MS;
    let failures = 0;
    /** Since when the stream has been down (`undefined` while connected), and whether it was said. */
    let downSince: number | undefined;
    let reported = false;
    /** Whether a stream closed at its bound was reported (again only after one that was not). */
    let overflowReported = false;
    while (!signal.aborted) {
      const since = performance.now();
      /** The wait the platform asked for (its rate limit's `Retry-After`). */
      let asked = 0;
      let silence: SilenceWatch | undefined;
      let stream: EventStreamFeed | undefined;
      // This connection's end: the agent stopping, or the stream staying silent.
      const conn = new AbortController();
      const stop = (): void => conn.abort();
      signal.addEventListener("abort", stop, { once: true });
      try {
        const opened = await this.#o.open(signal);
        if (downSince !== undefined && reported) {
          this.#o.logger.info?.("event stream reconnected", {
            downMs: Math.round(performance.now() - downSince),
          });
        }
        downSince = undefined;
        reported = false;
        this.#setConnected(true);
        this.#o.onWake(); // catch up on anything logged while disconnected
        stream = await EventStreamFeed.open({
          onEvent: this.#onEvent,
          close: stop,
          // A line too long to keep is a row logged with large bodies: a read brings it.
          onCut: () => this.#o.onWake(),
          keptBytes: this.#o.maxKeptBytes,
          lineBytes: this.#o.maxLineBytes,
        });
        const feed: Feed = {
          stream,
          silence: (silence = new SilenceWatch(idleMs, stop, this.#o.heartbeats)),
        };
        if ("chunks" in opened) await readChunks(feed, opened.chunks, conn.signal);
        else await this.#consume(feed, opened.body, opened.close, conn.signal);
      } catch (err) {
        if (signal.aborted) break;
        asked = askedWaitMs(err) ?? 0;
        this.#o.logger.debug?.("event stream unavailable; polling only until it reconnects", {
          error: describe(err),
        });
        const down = downSince === undefined ? 0 : performance.now() - downSince;
        if (!silence && !reported && down >= idleMs) {
          reported = true;
          this.#o.onUnavailable?.(
            `the event stream could not be reopened for ${Math.round(down / 1000)} s (${describe(err)}); it is retried with backoff`,
            err,
          );
        }
      } finally {
        silence?.stop();
        signal.removeEventListener("abort", stop);
      }
      if (signal.aborted) break;
      downSince ??= performance.now();
      this.#setConnected(false);
      if (stream?.failure && !overflowReported) {
        overflowReported = true;
        this.#o.onUnavailable?.(
          `${stream.failure.message}; it is reopened with backoff (what answers its URL may not be the platform: a proxy or load balancer in front of it)`,
        );
      } else if (stream && !stream.failure) overflowReported = false;
      if (silence?.silent && !reported) {
        reported = true;
        this.#o.onUnavailable?.(
          `the event stream stayed silent for ${idleMs} ms though the platform writes at least ` +
            "every heartbeat: a NAT, firewall or proxy on the way likely dropped the connection " +
            "without closing it; it is reopened on a new connection",
        );
      }
      // A stream that lived long, or went silent (its reopen is due now): the first backoff step.
      failures = silence?.silent || performance.now() - since > 30_000 ? 1 : failures + 1;
      const backoff = backoffDelay(
        failures,
        this.#o.backoffBaseMs ?? 500,
        this.#o.backoffMaxMs ?? 30_000,
      );
      await sleep(Math.max(backoff, asked), signal);
    }
    this.#setConnected(false);
  }

  #setConnected(value: boolean): void {
    if (this.#connected === value) return;
    this.#connected = value;
    this.#o.onStatus?.(value);
  }

  readonly #onEvent = (ev: EventSourceParser.EventSourceMessage): void => {
    // Most events are none of ours (a WORKSPACE_HEARTBEAT per heartbeat): skip them unparsed.
    const named = ev.event !== undefined && ev.event !== "message";
    if (!OURS.test(named ? ev.event! : ev.data)) return;
    const { name, inner } = readEvent(ev.event, ev.data);
    if (isInboundActivity(name, inner))
      this.#o.onWake({
        id: stringOf(inner?.["id"]),
        messageId: stringOf(inner?.["message_id"]),
        sourceId: stringOf(inner?.["source_id"]),
        event: inner?.["request_body"] === undefined ? undefined : inner,
      });
    else if (name !== undefined && STATE_EVENTS.has(name)) this.#o.onStateEvent?.(name);
  };

  async #consume(
    feed: Feed,
    body: EventStreamBody,
    close: (() => void) | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    // A web ReadableStream is read through our own reader, so an abort can cancel the pending read
    // (cancel() on the locked stream itself would fail, and a generator's return() waits behind it).
    // (Node's web streams are async-iterable too: check for getReader first.)
    const reader =
      typeof (body as { getReader?: unknown }).getReader === "function"
        ? (body as ReadableStream<Uint8Array>).getReader()
        : undefined;
    const iterator: AsyncIterator<Uint8Array> | undefined = reader
      ? undefined
      : (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      // A pending read only ends when the stream itself is destroyed or cancelled:
      // iterator.return() would wait behind it (until the next keep-alive, 15 s or more).
      try {
        if (close) close();
        else if (typeof (body as { destroy?: unknown }).destroy === "function") {
          (body as unknown as { destroy(): void }).destroy();
        }
      } catch {
        // already closed
      }
      if (reader) void reader.cancel().catch(() => {});
    };
    signal.addEventListener("abort", release, { once: true });
    // The signal may have fired while the stream was opening: the listener would never run.
    if (signal.aborted) release();
    try {
      for (;;) {
        const { value, done } = reader ? await reader.read() : await iterator!.next();
        if (done || signal.aborted) break;
        if (fed(feed, value)) break;
      }
    } finally {
      signal.removeEventListener("abort", release);
      // The stream ended or failed: release it too (a server that ends the response, an error).
      release();
      if (reader) reader.releaseLock();
      else void iterator!.return?.()?.catch(() => {});
    }
  }
}

/** One connection's parser, with the bounds and the silence watch of its stream. */
interface Feed {
  stream: EventStreamFeed;
  silence: SilenceWatch;
}

/** Feeds `chunk` to the parser within the stream's bounds; true once a bound passed (stop). */
function fed(feed: Feed, chunk: Uint8Array): boolean {
  feed.silence.heard();
  return feed.stream.fed(chunk);
}

/** Feeds a chunked body to the parser until it ends, fails, or `signal` closes it. */
function readChunks(feed: Feed, chunks: ChunkedBody, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const close = (): void => chunks.close();
    signal.addEventListener("abort", close, { once: true });
    chunks.read({
      data: (chunk) => void fed(feed, chunk),
      end: (err) => {
        signal.removeEventListener("abort", close);
        if (err) reject(err);
        else resolve();
      },
    });
    // The signal may have fired while the stream was opening: the listener would never run.
    if (signal.aborted) chunks.close();
  });
}

/**
 * Calls `onSilent` once when no byte was heard for `ms`, unless the agent's own heartbeat explains
 * it (`heartbeats`: held back by the rate budget, or accepted less than its event's time ago after
 * being held): one timer per stream on the process-wide scheduler (not ref'd), re-armed for the
 * time left when it fires, not at every chunk. A timer that ran late (`ranLate`: the process was
 * paused) judges nothing: the silence may be the process's own, so the stream gets a heartbeat
 * event's time from then.
 */
class SilenceWatch {
  /** Whether the stream went silent (and `onSilent` was called). */
  silent = false;
  #last = performance.now();
  /** A heartbeat was held back since the last byte: the one that then goes owes its event. */
  #excused = false;
  /** The process was paused since the last byte, and the stream got its time after it. */
  #woke = false;
  readonly #task: ScheduledTask;

  constructor(ms: number, onSilent: () => void, heartbeats?: OwnHeartbeats) {
    const eventMs = Math.min(ms, HEARTBEAT_EVENT_MS);
    this.#task = new ScheduledTask(() => {
      if (!this.#woke && ranLate(this.#task.due, ms)) {
        this.#woke = true;
        return void this.#task.at(eventMs);
      }
      const now = performance.now();
      const quiet = now - this.#last;
      if (quiet < ms) return void this.#task.at(ms - quiet);
      if (heartbeats?.held()) {
        this.#excused = true;
        return void this.#task.at(eventMs);
      }
      const at = this.#excused ? heartbeats?.acceptedAt() : undefined;
      if (at !== undefined && at > this.#last && now - at < eventMs) {
        return void this.#task.at(eventMs - (now - at));
      }
      this.silent = true;
      onSilent();
    }, false);
    this.#task.at(ms);
  }

  /** A byte arrived. */
  heard(): void {
    this.#last = performance.now();
    this.#excused = false;
    this.#woke = false;
  }

  stop(): void {
    this.#task.cancel();
  }
}
