// The inbound runtime logs through the same Logger shape as the platform client.
import type { Logger } from "../transport/index.js";

export type { Logger };

/** A logger that prints nothing. */
export const silentLogger: Logger = {};
