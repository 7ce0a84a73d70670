// How the module logs: its own lifecycle lines at `log`; core's per-request, per-poll and
// per-heartbeat lines at `verbose`/`debug` only with `verboseLogs: true`; warnings and errors always.
import { Logger as NestLogger } from "@nestjs/common";
import type { Logger } from "@molecule-ai/agent-core";
import { lineLogger } from "@molecule-ai/agent-core/adapters";
import type { MoleculeAgentModuleOptions } from "./options.js";

/** The Nest logger context of every line the module writes. */
export const LOG_CONTEXT = "MoleculeAgent";

/** Adapts Nest's `Logger` to core's `Logger` (core's info at Nest's `verbose`; both only when `verbose`). */
function nestLogger(verbose = false): Logger {
  const nest = new NestLogger(LOG_CONTEXT);
  return lineLogger(
    {
      debug: (line) => nest.debug(line),
      info: (line) => nest.verbose(line),
      warn: (line) => nest.warn(line),
      error: (line) => nest.error(line),
    },
    verbose,
  );
}

/** The logger of the client and the agent: the app's `logger`, else Nest's. */
export function moduleLogger({ logger, verboseLogs }: MoleculeAgentModuleOptions): Logger {
  return logger ?? nestLogger(verboseLogs);
}
