// A peer's A2A stream (v0.3 `message/stream`, `tasks/resubscribe`; v1.0 `SendStreamingMessage`,
// `SubscribeToTask`) read as server-sent events with eventsource-parser: each byte is looked at a
// bounded number of times (a 20 MiB event no longer rescans its buffer on every chunk), and a peer
// cannot stretch the read: one event and one line without an end are bounded, so is the whole
// stream, in size and in time (a deadline and an idle gap). What the events mean (their task,
// the end of the task) is the caller's (`platform/peer-tasks.ts`).
import type * as EventSourceParser from "eventsource-parser";
import { MoleculeError, SseBounds } from "../transport/index.js";

let parserModule: Promise<typeof EventSourceParser> | undefined;
/** eventsource-parser, loaded when the first peer stream opens rather than when core is imported. */
const loadParser = () => (parserModule ??= import("eventsource-parser"));

/** One event: its name (`"message"` unless set) and its data lines joined. */
export interface SseEvent {
  event: string;
  data: string;
}

/** Bounds of one peer stream (`PeerTasksOptions.streamLimits`); each is a positive number. */
export interface PeerStreamLimits {
  /** Largest event (its data) and longest line, in characters: default 16 MiB. */
  maxEventBytes?: number | undefined;
  /** Most bytes read from one stream: default 256 MiB. */
  maxStreamBytes?: number | undefined;
  /** Deadline of the whole stream from its first byte, in ms: default 1 hour. `Infinity`: none. */
  deadlineMs?: number | undefined;
  /** Longest wait for the stream's next bytes, in ms: default 10 minutes. `Infinity`: none. */
  idleMs?: number | undefined;
}

/**
 * The default bounds of a peer stream: an event or line of at most 16 MiB (as one peer answer,
 * `MAX_PEER_RESPONSE_BYTES`), 256 MiB per stream, a one-hour deadline and a ten-minute idle gap.
 * A long task outlives them by being followed again (`peerTasks(...).follow(taskId)`).
 */
export const PEER_STREAM_LIMITS: Readonly<Required<PeerStreamLimits>> = Object.freeze({
  maxEventBytes: 16 * 1024 * 1024,
  maxStreamBytes: 256 * 1024 * 1024,
  deadlineMs: 60 * 60 * 1000,
  idleMs: 10 * 60 * 1000,
});

function refused(code: string, message: string, retryable = false): MoleculeError {
  return new MoleculeError(message, { code, retryable });
}

/**
 * `limits` with the defaults of {@link PEER_STREAM_LIMITS} filled in; throws a `MoleculeError`
 * (`invalid_argument`) on a bound that is not a positive number.
 */
export function peerStreamLimits(limits: PeerStreamLimits = {}): Required<PeerStreamLimits> {
  const out = { ...PEER_STREAM_LIMITS };
  for (const key of Object.keys(out) as Array<keyof PeerStreamLimits>) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!(typeof value === "number" && value > 0)) {
      throw refused(
        "invalid_argument",
        `streamLimits.${key} must be a positive number (Infinity: no bound in time); got ${String(value)}`,
      );
    }
    out[key] = value;
  }
  return out;
}

/**
 * The events of a peer's stream of text or byte chunks, in linear time. Refused with a
 * `MoleculeError`, after `close()` is called: an event over `maxEventBytes` (`sse_event_too_large`),
 * a line without an end over it (`sse_line_too_long`), a stream over `maxStreamBytes`
 * (`sse_stream_too_large`), a stream still open at `deadlineMs` or silent for `idleMs`
 * (`sse_stream_timeout`, retryable). `close` must end the iteration of `chunks` (destroying the
 * response body does); it is also called when the caller stops early.
 */
export async function* sseEvents(
  chunks: AsyncIterable<Uint8Array | string>,
  close: () => void,
  limits: PeerStreamLimits = {},
): AsyncGenerator<SseEvent, void, undefined> {
  const {
    maxEventBytes: maxEvent,
    maxStreamBytes: maxStream,
    deadlineMs,
    idleMs,
  } = peerStreamLimits(limits);
  const { createParser } = await loadParser();
  const ready: SseEvent[] = [];
  let failure: MoleculeError | undefined;
  const bounds = new SseBounds(maxEvent, "the peer's stream", (e) => (failure ??= e));
  const parser = createParser({
    ...bounds.parserOptions(),
    onEvent: (e) => void ready.push({ event: e.event ?? "message", data: e.data }),
  });
  const fail = (e: MoleculeError): void => {
    failure ??= e;
    close();
  };
  // Timers: a deadline for the whole stream, and an idle gap checked lazily (re-armed for what is
  // left of it rather than reset on every chunk).
  let last = performance.now();
  const deadline = Number.isFinite(deadlineMs)
    ? setTimeout(
        () =>
          fail(
            refused(
              "sse_stream_timeout",
              `the peer's stream was still open after ${deadlineMs} ms (its deadline); follow the task again to read on`,
              true,
            ),
          ),
        deadlineMs,
      )
    : undefined;
  let idle: ReturnType<typeof setTimeout> | undefined;
  const watchIdle = (wait: number): void => {
    idle = setTimeout(() => {
      const left = idleMs - (performance.now() - last);
      if (left > 0) return watchIdle(left);
      fail(
        refused(
          "sse_stream_timeout",
          `the peer's stream sent nothing for ${idleMs} ms; follow the task again to read on`,
          true,
        ),
      );
    }, wait);
  };
  if (Number.isFinite(idleMs)) watchIdle(idleMs);
  const decoder = new TextDecoder();
  let total = 0;
  try {
    try {
      read: for await (const chunk of chunks) {
        if (failure !== undefined) break;
        last = performance.now();
        total += chunk.length;
        if (total > maxStream) {
          fail(
            refused(
              "sse_stream_too_large",
              `the peer's stream sent more than ${maxStream} bytes; it was closed`,
            ),
          );
          break;
        }
        const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
        parser.feed(text);
        // An event or a kept line over the bound (the parser's), or any line without an end.
        if (bounds.fed(text)) break;
        for (const e of ready.splice(0)) {
          if (failure !== undefined) break read;
          yield e;
        }
      }
    } catch (err) {
      if (failure === undefined) throw err;
    }
    if (failure !== undefined) throw failure;
    parser.feed("\n\n"); // an event the peer did not end with a blank line
    yield* ready.splice(0);
  } finally {
    clearTimeout(deadline);
    clearTimeout(idle);
    close();
  }
}
