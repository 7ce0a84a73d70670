// A PlatformClient's hooks for its agent (platform/agent-hooks.ts), and the agent's uses of them
// that need no more than one call; other clients have none.
import { AGENT_HOOKS, type AgentHooks } from "../platform/index.js";
import type { AgentPlatformClient } from "./types.js";

/** A `PlatformClient`'s hooks for its agent; `undefined` for any other client. */
export function hooksOf(client: AgentPlatformClient): AgentHooks | undefined {
  return (client as { [AGENT_HOOKS]?: AgentHooks })[AGENT_HOOKS];
}

/** Asks the client's capability probe to keep the event stream it opens (the agent will read it). */
export function keepEventSpare(client: AgentPlatformClient): void {
  hooksOf(client)?.keepEventSpare();
}

/** Closes the event stream the client's capability probe left open (the agent will not read it). */
export function dropEventSpare(client: AgentPlatformClient): void {
  hooksOf(client)?.dropEventSpare();
}

/**
 * Names the sender of a row the event stream brought, as a read row's is (a `PlatformClient`'s):
 * whether it is named, or needs no name; false for any other client (its reads name them).
 */
export function nameAnnouncedSender(
  client: AgentPlatformClient,
  row: Record<string, unknown>,
): boolean {
  return hooksOf(client)?.nameSender(row) ?? false;
}
