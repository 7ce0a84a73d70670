// The comparison side of mcp-notify: an MCP server that does what the molecule-mcp-claude-channel
// plugin does for inbound messages (written here, not its code; it needs Bun): every
// MOLECULE_POLL_INTERVAL_MS (its default, 5 s) read the workspace's activity after the last
// cursor and send one `notifications/claude/channel` per new message. Spawned over stdio by
// mcp-notify.ts with BENCH_EMULATOR_URL, BENCH_WORKSPACE_ID, BENCH_WORKSPACE_TOKEN.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { fetchActivity, PlatformClient } from "@molecule-ai/agent-core";

const POLL_MS = Number(process.env["MOLECULE_POLL_INTERVAL_MS"] ?? 5_000);
const client = new PlatformClient({
  platformUrl: process.env["BENCH_EMULATOR_URL"]!,
  workspaceId: process.env["BENCH_WORKSPACE_ID"]!,
  token: process.env["BENCH_WORKSPACE_TOKEN"]!,
});
await client.register({ agentCard: { name: "channel-cadence" }, deliveryMode: "poll" });
let cursor = (await fetchActivity(client, { sinceSecs: 60 })).nextCursor;
const server = new McpServer(
  { name: "poller", version: "0.0.0" },
  { capabilities: { experimental: { "claude/channel": {} } } },
);
await server.connect(new StdioServerTransport());
const timer = setInterval(() => {
  void fetchActivity(client, { sinceId: cursor }).then((page) => {
    cursor = page.nextCursor;
    for (const m of page.messages) {
      void server.server.notification({
        method: "notifications/claude/channel",
        params: { content: m.text, meta: { source: "molecule", activity_id: m.activityId ?? "" } },
      } as never);
    }
  });
}, POLL_MS);
process.stdin.once("end", () => {
  clearInterval(timer);
  void client.close().then(() => process.exit(0));
});
