// The command: read the configuration, start the workspaces, serve MCP over stdio (until stdin
// closes) or Streamable HTTP (until SIGINT/SIGTERM), then stop and resolve with the exit code.
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { isMoleculeError } from "@molecule-ai/agent-core";
import { readHttpConfig, readMcpConfig } from "./config.js";
import type { McpCliValues } from "./config.js";
import { startMcpHttp } from "./http.js";
import { MoleculeMcp } from "./server.js";

/** Where the command reads and writes (the process's by default). */
export interface McpRunIo {
  env?: NodeJS.ProcessEnv;
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  /** Diagnostics (never the protocol; never a workspace token). */
  stderr?: { write(text: string): unknown };
  /** Ends the run early (HTTP), e.g. on SIGTERM; the command installs its own signal handlers. */
  signal?: AbortSignal;
}

/**
 * Runs `molecule-agent mcp` / `molecule-mcp` with parsed option values; resolves with the exit
 * code (0 after a clean stop, 1 when the configuration or the start failed, with one line on
 * stderr that says why and what to do).
 */
export async function runMcp(values: McpCliValues, io: McpRunIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const stderr = io.stderr ?? process.stderr;
  let host: MoleculeMcp;
  let http: ReturnType<typeof readHttpConfig>;
  try {
    const config = readMcpConfig(values, env);
    http = readHttpConfig(values, env);
    host = new MoleculeMcp(config);
  } catch (err) {
    stderr.write(`molecule mcp: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  try {
    await host.start();
  } catch (err) {
    const text = isMoleculeError(err, "unauthorized")
      ? "the platform rejected the workspace token (401): set MOLECULE_WORKSPACE_TOKEN to the workspace's current token (or its token file), then restart."
      : err instanceof Error
        ? err.message
        : String(err);
    stderr.write(`molecule mcp: could not start: ${text}\n`);
    return 1;
  }
  if (http) {
    const server = await startMcpHttp(host, http);
    stderr.write(`molecule mcp: Streamable HTTP at ${server.url}\n`);
    if (server.generatedToken) stderr.write(`molecule mcp: bearer token ${server.token}\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      io.signal?.addEventListener("abort", stop, { once: true });
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await server.close();
    await host.stop();
    return 0;
  }
  const stdin = io.stdin ?? process.stdin;
  const transport = new StdioServerTransport(
    stdin as NodeJS.ReadStream,
    (io.stdout ?? process.stdout) as NodeJS.WriteStream,
  );
  const server = host.createServer();
  const closed = new Promise<void>((resolve) => {
    stdin.once("end", resolve);
    stdin.once("close", resolve);
    io.signal?.addEventListener("abort", () => resolve(), { once: true });
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await server.connect(transport);
  await closed;
  await host.stop();
  return 0;
}
