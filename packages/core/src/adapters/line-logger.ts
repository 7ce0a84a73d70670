// Core's structured Logger over a framework's line logger (Nest's `Logger`, a console): one line
// per entry, metadata appended as JSON with errors as their name and message only.
import type { Logger } from "../transport/index.js";

/** A framework logger taking one line per level. */
export interface LineSink {
  debug(line: string): void;
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

const quiet = (): void => undefined;

function withMeta(msg: string, meta: object | undefined): string {
  if (!meta) return msg;
  try {
    return `${msg} ${JSON.stringify(meta, (_key, value: unknown) =>
      value instanceof Error ? { name: value.name, message: value.message } : value,
    )}`;
  } catch {
    return msg;
  }
}

/**
 * A `Logger` writing to `sink`. Core's `debug` and `info` entries (one per request, poll and
 * heartbeat) are dropped unless `verbose`; warnings and errors always pass.
 */
export function lineLogger(sink: LineSink, verbose = false): Logger {
  return {
    debug: verbose ? (msg, meta) => sink.debug(withMeta(msg, meta)) : quiet,
    info: verbose ? (msg, meta) => sink.info(withMeta(msg, meta)) : quiet,
    warn: (msg, meta) => sink.warn(withMeta(msg, meta)),
    error: (msg, meta) => sink.error(withMeta(msg, meta)),
  };
}
