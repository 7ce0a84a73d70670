// Validation of RemoteAgent's options, before anything starts.
import { checkBackfill } from "../inbound/index.js";
import { MoleculeOptionError } from "../transport/index.js";
import type { AgentPlatformClient, RemoteAgentOptions } from "./types.js";

/**
 * Throws a {@link MoleculeOptionError} (`invalid_option`) for a missing client or handler, or a
 * limit that makes no sense.
 */
export function checkAgentOptions<C extends AgentPlatformClient>(
  options: RemoteAgentOptions<C>,
): void {
  if (!options || !options.client) {
    throw new MoleculeOptionError(
      "client",
      "RemoteAgent needs { client, handler }: pass a PlatformClient as `client`.",
    );
  }
  if (typeof options.handler !== "function") {
    throw new MoleculeOptionError(
      "handler",
      "RemoteAgent: `handler` must be a function (msg, ctx) => string | void.",
    );
  }
  for (const key of ["concurrency", "replyConcurrency"] as const) {
    const v = options[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      throw new MoleculeOptionError(
        key,
        `RemoteAgent: ${key} must be a positive integer (got ${v}).`,
      );
    }
  }
  const timings = [
    "heartbeatIntervalMs",
    "pollIntervalMs",
    "stateIntervalMs",
    "replyTimeoutMs",
    "eventIdleTimeoutMs",
  ] as const;
  for (const key of timings) {
    const v = options[key];
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) {
      throw new MoleculeOptionError(
        key,
        `RemoteAgent: ${key} must be a positive number of milliseconds (got ${v}).`,
      );
    }
  }
  const settle = options.pollSettleMs;
  if (settle !== undefined && !(Number.isFinite(settle) && settle >= 0)) {
    throw new MoleculeOptionError(
      "pollSettleMs",
      `RemoteAgent: pollSettleMs must be a number of milliseconds, 0 or more (got ${settle}).`,
    );
  }
  const onPause: unknown = options.onPause;
  if (onPause !== undefined && onPause !== "end" && onPause !== "wait") {
    throw new MoleculeOptionError(
      "onPause",
      `RemoteAgent: onPause must be "end" or "wait" (got ${JSON.stringify(onPause)}).`,
    );
  }
  checkBackfill(options.backfill);
}
