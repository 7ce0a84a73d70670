// `molecule-agent mcp`: runs @molecule-ai/mcp, the MCP server that makes an MCP host (Claude Code,
// Cursor, VS Code, ...) a Molecule workspace. The options are the package's own (one table).
import type { Command } from "commander";
import { MCP_CLI_OPTIONS, runMcp } from "@molecule-ai/mcp";
import type { McpCliValues } from "@molecule-ai/mcp";

/** Adds `molecule-agent mcp`. */
export function registerMcpCommand(program: Command): void {
  const mcp = program
    .command("mcp")
    .description(
      "Serve MCP (stdio, or Streamable HTTP with --http) as a Molecule workspace: peer tools, inbox, channel notifications.",
    );
  for (const option of MCP_CLI_OPTIONS) mcp.option(option.flags, option.description);
  mcp.action(async (opts: McpCliValues) => {
    // Stopped (stdin closed, or a signal): exit at once, as MCP hosts expect.
    process.exit(await runMcp(opts));
  });
}
