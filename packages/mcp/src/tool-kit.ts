// What every MCP tool of this server shares: argument schemas, the `ok` / `isError` results
// (a failure is one sentence that says what to do, never a protocol error, never a token), and the
// workspace a call acts as.
import type { CallToolResult } from "@modelcontextprotocol/server";
import { isMoleculeError } from "@molecule-ai/agent-core";
import { z } from "zod";
import { endText } from "./host.js";
import type { ToolHost } from "./host.js";
import type { McpWorkspace } from "./workspace.js";

/** The longest text a tool accepts (a message, a task, a reply). */
const MAX_INPUT_TEXT = 100_000;

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const workspaceIdArg = z
  .string()
  .max(64, "workspaceId is too long: use an id from workspace_info")
  .optional()
  .describe("The workspace to act as; needed only when this server runs several (workspace_info).");

export function uuidArg(field: string, from: string): z.ZodString {
  return z.string().regex(UUID, `${field} must be a workspace UUID: take it from ${from}`);
}

/** A wait in whole seconds, 1 to 600 (`timeoutSeconds` of call_peer and wait_for_message). */
export const timeoutSecondsArg = z
  .number()
  .int()
  .min(1, "timeoutSeconds must be at least 1")
  .max(600, "timeoutSeconds must be at most 600")
  .optional();

export function textArg(field: string): z.ZodString {
  return z
    .string()
    .min(1, `${field} is empty: write the text to send`)
    .max(
      MAX_INPUT_TEXT,
      `${field} is too long: at most ${MAX_INPUT_TEXT} characters; shorten it or send it in parts`,
    );
}

/** The tool result for `text` and its structured form. */
export function ok(text: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text }], structuredContent: structured };
}

/** The tool result of a failure: one sentence that says what to do. */
function failure(host: ToolHost, err: unknown): CallToolResult {
  let text: string;
  if (isMoleculeError(err, "unauthorized")) {
    text =
      "The platform rejected this workspace's token: set a valid MOLECULE_WORKSPACE_TOKEN and restart the MCP server.";
  } else if (isMoleculeError(err, "workspace_removed")) {
    text =
      "This workspace was removed from the platform: create a new one and configure the MCP server with it.";
  } else if (isMoleculeError(err)) {
    text = err.message;
  } else {
    const message = err instanceof Error ? err.message : String(err);
    text = `Unexpected error: ${message}. Retry; if it persists, restart the MCP server and read its log.`;
  }
  return { content: [{ type: "text", text: redact(host, text) }], isError: true };
}

/** Masks every configured token (core never puts one in an error; this is a second guard). */
export function redact(host: ToolHost, text: string): string {
  let out = text;
  for (const ws of host.config.workspaces) {
    if (ws.token) out = out.split(ws.token).join("[REDACTED]");
  }
  return out;
}

/**
 * The workspace a call acts as, refused when the platform cannot be reached (the server keeps
 * trying) or its agent has ended (paused, removed, a wrong token, ...).
 */
export function active(host: ToolHost, workspaceId: string | undefined): McpWorkspace {
  const ws = host.workspace(workspaceId);
  if (ws.status === "starting" || ws.status === "online") return ws;
  if (ws.status === "unreachable") {
    throw Object.assign(
      new Error(
        `Workspace ${ws.id} is not connected: ${ws.error ?? "the platform cannot be reached"}. This server keeps retrying: call the tool again in a moment.`,
      ),
      { code: "platform_unreachable" },
    );
  }
  if (ws.error)
    throw Object.assign(new Error(`Workspace ${ws.id}: ${ws.error}.`), { code: ws.status });
  throw Object.assign(new Error(endText(ws.id, ws.status)), { code: ws.status });
}

/** {@link active}, after the workspace's first start attempt (a tool called right at start-up). */
export async function ready(
  host: ToolHost,
  workspaceId: string | undefined,
  signal: AbortSignal,
): Promise<McpWorkspace> {
  await host.workspace(workspaceId).firstAttempt(signal);
  return active(host, workspaceId);
}

/** Runs a tool body; any throw becomes an `isError` result. */
export async function guarded(
  host: ToolHost,
  body: () => Promise<CallToolResult> | CallToolResult,
): Promise<CallToolResult> {
  try {
    return await body();
  } catch (err) {
    if (
      err instanceof Error &&
      "code" in err &&
      typeof err.code === "string" &&
      !isMoleculeError(err)
    ) {
      return { content: [{ type: "text", text: redact(host, err.message) }], isError: true };
    }
    return failure(host, err);
  }
}
