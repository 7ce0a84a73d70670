// How the module logs: its own lifecycle lines at `log`; core's per-request, per-poll and
// per-heartbeat lines at `verbose`/`debug` only with `verboseLogs: true`; warnings and errors always.
import { Logger as NestLogger } from "@nestjs/common";
import type { Logger } from "@molecule-ai/agent-core";

/** The Nest logger context of every line the module writes. */
export const LOG_CONTEXT = "MoleculeAgent";

const quiet = (): void => undefined;

function formatMeta(meta: object | undefined): string {
  if (!meta) return "";
  try {
    return ` ${JSON.stringify(meta, (_key, value: unknown) =>
      value instanceof Error ? { name: value.name, message: value.message } : value,
    )}`;
  } catch {
    return "";
  }
}

/** Adapts Nest's `Logger` to core's `Logger` interface (core's info/debug only when `verbose`). */
export function nestLogger(verbose = false): Logger {
  const logger = new NestLogger(LOG_CONTEXT);
  return {
    debug: verbose ? (msg, meta) => logger.debug(msg + formatMeta(meta)) : quiet,
    info: verbose ? (msg, meta) => logger.verbose(msg + formatMeta(meta)) : quiet,
    warn: (msg, meta) => logger.warn(msg + formatMeta(meta)),
    error: (msg, meta) => logger.error(msg + formatMeta(meta)),
  };
}
