// Loads the A2A server on first use (push-server.ts): the bundle keeps it in its own chunks, which
// core's root entry does not load when imported (docs/architecture.md, "Import cost").
import type * as PushServer from "./push-server.js";

/** The A2A server's constructors, loaded on the first call (later calls share the module). */
export function loadPushServer(): Promise<typeof PushServer> {
  return import("./push-server.js");
}
