// `molecule-agent mcp`: runs @molecule-ai/mcp, the MCP server that makes an MCP host (Claude Code,
// Cursor, VS Code, ...) a Molecule workspace. The options are the package's own (one table).
// The server itself (@molecule-ai/mcp, its MCP SDK) is loaded when the command runs: the program
// registers every command, and `connect` would otherwise hold it unused (issue 101).
import type { Command } from "commander";
import { MCP_CLI_OPTIONS } from "@molecule-ai/mcp/config";
import type { McpCliValues } from "@molecule-ai/mcp/config";

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
    const { runMcp } = await import("@molecule-ai/mcp");
    process.exit(await runMcp(opts));
  });
}
