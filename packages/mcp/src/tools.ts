// The MCP server's tools, registered in one place: org memory (memory-tools.ts), chat files
// (file-tools.ts), peers (peer-tools.ts), this workspace (workspace_info, here) and the inbox
// (inbox-tools.ts). A failure is an `isError` result saying what to do.
import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { registerFileTools } from "./file-tools.js";
import { registerInboxTools } from "./inbox-tools.js";
import { registerMemoryTools } from "./memory-tools.js";
import { registerPeerTools } from "./peer-tools.js";
import type { ToolHost } from "./host.js";
import type { McpWorkspace } from "./workspace.js";
import { guarded, ok, workspaceIdArg } from "./tool-kit.js";

/**
 * One workspace as `workspace_info` shows it: "online" only while the platform's calls are
 * answered (`McpWorkspace.connection`: this call's, the heartbeat's, the poll's, ...).
 */
async function describeWorkspace(host: ToolHost, ws: McpWorkspace, signal: AbortSignal) {
  if (ws.status === "starting") await ws.firstAttempt(signal);
  let name: string | null = null;
  let status: string = ws.status;
  let problem = ws.status === "online" ? null : (ws.error ?? null);
  if (ws.status === "online") {
    try {
      const info = await ws.client.getWorkspace(undefined, { signal });
      name = typeof info?.name === "string" ? info.name.slice(0, 200) : null;
    } catch {
      // Failed on the way: the connection says so. Answered (any status): the path works.
    }
  }
  const connection = ws.connection;
  if (ws.status === "online" && connection?.problem !== undefined) {
    status = "unreachable";
    problem = `${connection.problem}; messages wait on the platform until it is back`;
  }
  const warning = ws.duplicateWarning;
  return {
    id: ws.id,
    name,
    status,
    connection: connection?.state ?? null,
    delivery: ws.delivery ?? null,
    unread: host.inbox.unread(ws.id).length,
    problem: [problem, warning].filter(Boolean).join(" ") || null,
  };
}

/** Registers every tool of the server on `server`. */
export function registerTools(server: McpServer, host: ToolHost): void {
  registerMemoryTools(server, host);
  registerFileTools(server, host);
  registerPeerTools(server, host);
  server.registerTool(
    "workspace_info",
    {
      title: "Workspace info",
      description:
        "Show the Molecule workspaces this MCP server runs as: id, name, status (online, unreachable, paused, removed, ...), delivery (poll or push), unread messages, and what is wrong when it is not online.",
      inputSchema: z.object({ workspaceId: workspaceIdArg }),
      outputSchema: z.object({
        workspaces: z.array(
          z.object({
            id: z.string(),
            name: z.string().nullable(),
            status: z.string(),
            connection: z
              .string()
              .nullable()
              .describe(
                "The platform connection as the agent sees it: ok, or what failed on the way (certificate: tls_expired, name resolution: ENOTFOUND, proxy: proxy_refused, outage: connection_failed, unreachable: <code>); null before the start and after the end.",
              ),
            delivery: z.string().nullable(),
            unread: z.number().int(),
            problem: z.string().nullable().describe("Why it is not online, or a warning."),
          }),
        ),
      }),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    ({ workspaceId }, extra) =>
      guarded(host, async () => {
        const list = workspaceId ? [host.workspace(workspaceId)] : [...host.workspaces.values()];
        const workspaces = await Promise.all(
          list.map((ws) => describeWorkspace(host, ws, extra.mcpReq.signal)),
        );
        const text = workspaces
          .map(
            (w) =>
              `${w.id}${w.name ? ` (${w.name})` : ""}: ${w.status}${w.connection ? `, connection ${w.connection}` : ""}${w.delivery ? `, ${w.delivery} delivery` : ""}, ${w.unread} unread${w.problem ? `. ${w.problem}` : ""}`,
          )
          .join("\n");
        return ok(text, { workspaces });
      }),
  );
  registerInboxTools(server, host);
}
