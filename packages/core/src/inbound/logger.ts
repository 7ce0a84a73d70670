// The inbound runtime logs through the same Logger shape as the platform client.
import type { Logger } from "../transport/index.js";

export type { Logger };

/** A logger that prints nothing. */
export const silentLogger: Logger = {};

/** A short, token-free description of an error for logs. */
export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
