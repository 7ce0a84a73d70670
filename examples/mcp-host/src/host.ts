// An MCP host in a few lines: it starts `molecule-mcp` (@molecule-ai/mcp) over stdio, as Claude
// Code or Cursor would from their MCP configuration, and answers every message its workspace
// receives through the server's tools (wait_for_message, reply).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

/** The installed `molecule-mcp` command (what `npx -y @molecule-ai/mcp` runs). */
const MOLECULE_MCP = join(
  dirname(fileURLToPath(import.meta.resolve("@molecule-ai/mcp"))),
  "bin.js",
);

/** A running host. */
export interface EchoHost {
  /** Resolves when the host stopped answering (after `stop()`, or when the server went away). */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `molecule-mcp` with `env` (the `MOLECULE_*` variables), resolves once its workspace is
 * registered, and answers each message with `You said: <text>` until `stop()`.
 */
export async function startEchoHost(env: Record<string, string>): Promise<EchoHost> {
  const client = new Client({ name: "echo-host", version: "1.0.0" });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [MOLECULE_MCP],
      env: { PATH: process.env["PATH"] ?? "", ...env },
      stderr: "inherit",
    }),
  );
  // molecule-mcp answers at once and registers its workspace in the background; workspace_info
  // returns once that first start has settled. Until then the platform has no way to deliver to
  // the workspace (the August-2026 platform only queues a caller's message for it).
  await client.callTool({ name: "workspace_info", arguments: {} });
  const stopping = new AbortController();
  const done = (async () => {
    while (!stopping.signal.aborted) {
      const result = await client.callTool({
        name: "wait_for_message",
        arguments: { timeoutSeconds: 5 },
      });
      const { messages } = result.structuredContent as {
        messages: { messageId: string; text: string }[];
      };
      for (const m of messages) {
        await client.callTool({
          name: "reply",
          arguments: { messageId: m.messageId, text: `You said: ${m.text}` },
        });
      }
    }
  })().catch((err: unknown) => {
    if (!stopping.signal.aborted) throw err;
  });
  return {
    done,
    async stop() {
      stopping.abort();
      await client.close(); // closes the server's stdin: it stops its agent and exits
      await done;
    },
  };
}
