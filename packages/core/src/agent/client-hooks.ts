// A PlatformClient's hooks for its agent (platform/agent-hooks.ts); other clients have none.
import { AGENT_HOOKS, type AgentHooks } from "../platform/index.js";
import type { AgentPlatformClient } from "./types.js";

/** A `PlatformClient`'s hooks for its agent; `undefined` for any other client. */
export function hooksOf(client: AgentPlatformClient): AgentHooks | undefined {
  return (client as { [AGENT_HOOKS]?: AgentHooks })[AGENT_HOOKS];
}
