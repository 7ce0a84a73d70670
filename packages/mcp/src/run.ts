// The command: read the configuration, start the workspaces, serve MCP over stdio (until stdin
// closes) or Streamable HTTP (until SIGINT/SIGTERM), then stop and resolve with the exit code.
import { serveStdio, StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import { readHttpConfig, readMcpConfig } from "./config.js";
import type { McpCliValues } from "./config.js";
import { MoleculeMcp } from "./server.js";
import { withTaskListens } from "./task-listen.js";
import { tasksOf } from "./tool-tasks.js";

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

/** The line printed when the start failed for good (a wrong token, a removed workspace, ...). */
function startFailure(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return `molecule mcp: could not start: ${text}${text.endsWith(".") ? "" : "."}\n`;
}

/**
 * Runs `molecule-agent mcp` / `molecule-mcp` with parsed option values; resolves with the exit
 * code (0 after a clean stop, 1 when the configuration or the start failed, with one line on
 * stderr that says why and what to do). The MCP transport is served at once: the workspaces
 * start in the background (a platform that cannot be reached is retried, and the tools say so).
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
  // Resolves with the failure line when the start fails for good; never while it retries.
  const failed = host.start().then(
    () => new Promise<string>(() => undefined),
    (err: unknown) => startFailure(err),
  );
  const stopped = new Promise<undefined>((resolve) => {
    const stop = (): void => resolve(undefined);
    io.signal?.addEventListener("abort", stop, { once: true });
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  if (http) {
    // The HTTP transport (node:http, and the web streams and fetch classes it loads) only when
    // served over HTTP: a stdio server holds none of it (issue 101).
    const { startMcpHttp } = await import("./http.js");
    const server = await startMcpHttp(host, http);
    stderr.write(`molecule mcp: Streamable HTTP at ${server.url}\n`);
    if (server.generatedToken) stderr.write(`molecule mcp: bearer token ${server.token}\n`);
    const failure = await Promise.race([stopped, failed]);
    await server.close();
    await host.stop();
    if (failure) stderr.write(failure);
    return failure ? 1 : 0;
  }
  const stdin = io.stdin ?? process.stdin;
  const transport = new StdioServerTransport(
    stdin as NodeJS.ReadStream,
    (io.stdout ?? process.stdout) as NodeJS.WriteStream,
  );
  const closed = new Promise<undefined>((resolve) => {
    stdin.once("end", () => resolve(undefined));
    stdin.once("close", () => resolve(undefined));
  });
  // Both eras: a host that opens with `initialize` (2025) or with `server/discover` (2026-07-28)
  // is served by one server pinned to its era for the connection; a listen for task status only
  // (the Tasks extension) is served in front of it (task-listen.ts).
  const served = serveStdio((context) => host.createServer(context), {
    transport: withTaskListens(transport, tasksOf(host)),
  });
  const failure = await Promise.race([stopped, closed, failed]);
  await served.close();
  await host.stop();
  if (failure) stderr.write(failure);
  return failure ? 1 : 0;
}
