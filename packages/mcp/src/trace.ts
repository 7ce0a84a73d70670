// W3C trace context across the MCP door (the 2026-07-28 revision's `_meta.traceparent`, read the
// same on the 2025 revisions): a host's tool call is a server span, a child of the host's span, so
// the platform calls it causes join the host's trace; what this server sends a host (channel
// notifications, resource updates, log messages) carries the active span's context in `_meta`.
import type { McpServer, ServerContext } from "@modelcontextprotocol/server";
import { traceMetadata, traceRequest } from "@molecule-ai/agent-core/adapters";

type ToolCallback = (...args: unknown[]) => unknown;
type Register = (name: string, config: unknown, callback: ToolCallback) => unknown;

/**
 * Makes every tool registered on `server` from now on run in a `tools/call <name>` server span
 * (OpenTelemetry's MCP conventions: `mcp.method.name`, `gen_ai.tool.name`, `jsonrpc.request.id`,
 * `mcp.session.id`) whose parent is the request's `_meta.traceparent`, else the active context.
 * Without OpenTelemetry, the tools run as they are.
 */
export function traceToolCalls(server: McpServer): void {
  const register = server.registerTool.bind(server) as Register;
  const traced: Register = (name, config, callback) =>
    register(name, config, (...args: unknown[]) => {
      // The context is a tool callback's last argument (after the arguments, when it has any).
      const ctx = args.at(-1) as ServerContext;
      const request = {
        name: `tools/call ${name}`,
        attributes: {
          "mcp.method.name": "tools/call",
          "gen_ai.operation.name": "execute_tool",
          "gen_ai.tool.name": name,
          "jsonrpc.request.id": String(ctx.mcpReq.id),
          "mcp.session.id": ctx.sessionId,
        },
        metadata: ctx.mcpReq["_meta"],
      };
      return traceRequest(request, async () => await callback(...args));
    });
  (server as unknown as { registerTool: Register }).registerTool = traced;
}

/** `params` with the active span's `traceparent` (and `tracestate`) in `_meta`, when there is one. */
export function withTraceMeta<const T extends object>(params: T): T {
  const trace = traceMetadata();
  if (trace["traceparent"] === undefined) return params;
  const meta = (params as Record<string, unknown>)["_meta"] as Record<string, unknown> | undefined;
  return { ...params, _meta: { ...meta, ...trace } };
}
