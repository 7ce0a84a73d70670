// `molecule-mcp`'s command line (the same as `molecule-agent mcp`), loaded by bin.ts once the
// Node version is known to be enough.
import { parseArgs } from "node:util";
import { MCP_CLI_OPTIONS } from "./config.js";
import type { McpCliValues } from "./config.js";
import { runMcp } from "./run.js";

function help(): string {
  const rows = MCP_CLI_OPTIONS.map((o) => `  ${o.flags.padEnd(26)}${o.description}`);
  return `Usage: molecule-mcp [options]\n\nAn MCP server (stdio by default) that makes this MCP host a Molecule AI workspace.\n\nOptions:\n${rows.join("\n")}\n  ${"-h, --help".padEnd(26)}display help for command\n`;
}

const options = Object.fromEntries([
  ...MCP_CLI_OPTIONS.map((o) => [o.flags.split(" ")[0]!.slice(2), { type: "string" as const }]),
  ["help", { type: "boolean" as const, short: "h" }],
]);

let parsed: ReturnType<typeof parseArgs>;
try {
  parsed = parseArgs({ options, strict: true, allowPositionals: false });
} catch (err) {
  process.stderr.write(`molecule-mcp: ${(err as Error).message}\n\n${help()}`);
  process.exit(1);
}
if (parsed.values["help"]) {
  process.stdout.write(help());
  process.exit(0);
}
const values: McpCliValues = {};
for (const o of MCP_CLI_OPTIONS) {
  const v = parsed.values[o.flags.split(" ")[0]!.slice(2)];
  if (typeof v === "string") values[o.key] = v;
}
const code = await runMcp(values);
// Stopped: exit now rather than wait for idle sockets (the MCP host expects us gone at once).
process.exit(code);
