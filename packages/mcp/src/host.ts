// What the tools and the inbox resource use of the server (MoleculeMcp fits it), so that the
// tool files do not import the server (which registers them).
import type { AgentEndReason } from "@molecule-ai/agent-core";
import type { McpConfig } from "./config.js";
import type { Inbox } from "./inbox.js";
import type { McpWorkspace } from "./workspace.js";

/** The server as its tools see it. */
export interface ToolHost {
  readonly config: McpConfig;
  readonly inbox: Inbox;
  readonly workspaces: ReadonlyMap<string, McpWorkspace>;
  /** The configured workspace `id`, or the only one when `id` is omitted. */
  workspace(id: string | undefined): McpWorkspace;
}

/** What the host is told when a workspace's agent ends for `reason`. */
export function endText(workspaceId: string, reason: AgentEndReason): string {
  switch (reason) {
    case "paused":
      return `Workspace ${workspaceId} was paused on the platform: it receives no messages. Resume it on the canvas, then restart this MCP server.`;
    case "removed":
      return `Workspace ${workspaceId} was removed from the platform: create a new workspace and configure this MCP server with it.`;
    case "unauthorized":
      return `Workspace ${workspaceId}'s token was rejected (revoked or wrong): set a valid MOLECULE_WORKSPACE_TOKEN and restart this MCP server.`;
    case "error":
      return `Workspace ${workspaceId}'s agent stopped after an error (see this server's log): restart this MCP server.`;
    default:
      return `Workspace ${workspaceId} stopped.`;
  }
}
