// Event wake-ups: subscribe to the workspace's SSE stream and trigger a fetch as soon as an
// activity is logged, so inbound latency does not depend on the poll interval.
import type * as EventSourceParser from "eventsource-parser";
import { type ChunkedBody, type Logger, describe } from "../transport/index.js";
import { askedWaitMs, backoffDelay, sleep } from "../transport/index.js";

let parserModule: Promise<typeof EventSourceParser> | undefined;
/** eventsource-parser, loaded when the first stream opens rather than when core is imported. */
const loadParser = () => (parserModule ??= import("eventsource-parser"));

/** A byte stream of an open SSE response. */
export type EventStreamBody = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** Options of {@link EventWakeups}. */
export interface EventWakeupsOptions {
  /**
   * Opens `GET /workspaces/:id/events/stream` and resolves with its body (a byte stream, or chunks
   * read straight from the connection); rejects on HTTP errors.
   */
  open(
    signal: AbortSignal,
  ): Promise<{ body: EventStreamBody; close?: (() => void) | undefined } | { chunks: ChunkedBody }>;
  /** Called when an inbound activity may be waiting (and once after every (re)connect). */
  onWake(): void;
  /** Called when the stream connects (true) or drops (false). */
  onStatus?(connected: boolean): void;
  /**
   * Called with the event's name when the platform says it paused, resumed or removed the
   * workspace (`WORKSPACE_PAUSED`, `WORKSPACE_PROVISIONING`, `WORKSPACE_AWAITING_AGENT`,
   * `WORKSPACE_REMOVED`), or that an operator rotated its credentials
   * (`EXTERNAL_CREDENTIALS_ROTATED`, August 2026: every old token revoked, one new one minted).
   */
  onStateEvent?(name?: string): void;
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
    let failures = 0;
    while (!signal.aborted) {
      const since = Date.now();
      /** The wait the platform asked for (its rate limit's `Retry-After`). */
      let asked = 0;
      try {
        const { createParser } = await loadParser();
        const opened = await this.#o.open(signal);
        this.#setConnected(true);
        this.#o.onWake(); // catch up on anything logged while disconnected
        const parser = createParser({ onEvent: this.#onEvent });
        if ("chunks" in opened) await readChunks(parser, opened.chunks, signal);
        else await this.#consume(parser, opened.body, opened.close, signal);
      } catch (err) {
        if (signal.aborted) break;
        asked = askedWaitMs(err) ?? 0;
        this.#o.logger.debug?.("event stream unavailable; polling only until it reconnects", {
          error: describe(err),
        });
      }
      this.#setConnected(false);
      if (signal.aborted) break;
      failures = Date.now() - since > 30_000 ? 1 : failures + 1;
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
    if (isInboundActivity(name, inner)) this.#o.onWake();
    else if (name !== undefined && STATE_EVENTS.has(name)) this.#o.onStateEvent?.(name);
  };

  async #consume(
    parser: EventSourceParser.EventSourceParser,
    body: EventStreamBody,
    close: (() => void) | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    const decoder = new TextDecoder();
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
        parser.feed(decoder.decode(value, { stream: true }));
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

/** Feeds a chunked body to the parser until it ends, fails, or `signal` closes it. */
function readChunks(
  parser: EventSourceParser.EventSourceParser,
  chunks: ChunkedBody,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const decoder = new TextDecoder();
    const close = (): void => chunks.close();
    signal.addEventListener("abort", close, { once: true });
    chunks.read({
      data: (chunk) => parser.feed(decoder.decode(chunk, { stream: true })),
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
