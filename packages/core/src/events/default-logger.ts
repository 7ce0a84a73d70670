// The logger a RemoteAgent uses when none is given: one line per entry on stderr, from `info` up
// (or the level in MOLECULE_LOG_LEVEL), so an agent is never silent about connecting or failing.
import { envVar, writeStderr } from "../runtime/index.js";
import type { Logger } from "../transport/index.js";

const LEVELS = ["debug", "info", "warn", "error"] as const;

/** The level names `MOLECULE_LOG_LEVEL` accepts, `"silent"` included. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

function levelFromEnv(): LogLevel {
  const v = envVar("MOLECULE_LOG_LEVEL")?.trim().toLowerCase();
  return v === "silent" || (LEVELS as readonly string[]).includes(v ?? "")
    ? (v as LogLevel)
    : "info";
}

/**
 * A logger writing `[molecule] <level> <message> <metadata as JSON>` lines to stderr, for entries at
 * `level` or above (default: `MOLECULE_LOG_LEVEL`, else `"info"`; `"silent"` prints nothing).
 *
 * @example
 * new RemoteAgent({ client, handler, logger: stderrLogger("debug") });
 */
export function stderrLogger(level: LogLevel = levelFromEnv()): Logger {
  const logger: Logger = {};
  if (level === "silent") return logger;
  for (const l of LEVELS.slice(LEVELS.indexOf(level))) {
    logger[l] = (msg: string, meta?: object) => {
      let extra = "";
      if (meta !== undefined && Object.keys(meta).length > 0) {
        try {
          extra = ` ${JSON.stringify(meta)}`;
        } catch {
          extra = " (unserialisable metadata)";
        }
      }
      writeStderr(`[molecule] ${l} ${msg}${extra}\n`);
    };
  }
  return logger;
}
