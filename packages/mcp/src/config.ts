// Configuration of the MCP server: the MOLECULE_* variables every entry point reads, plus flags.
import { homedir } from "node:os";
import { join } from "node:path";
import { MoleculeError, readMoleculeEnv } from "@molecule-ai/agent-core";
import type { Backfill } from "@molecule-ai/agent-core";

/** One workspace the server runs as. */
export interface McpWorkspaceConfig {
  /** The workspace id (a UUID). */
  id: string;
  /** Its bearer token; without one, the token file `~/.molecule/<id>/.auth_token` is read. */
  token?: string | undefined;
  /**
   * Without `token`: a file holding it (`MOLECULE_WORKSPACE_TOKEN_FILE`, one workspace only),
   * read again after a 401, so a rotated token written there is used without a restart.
   */
  tokenFile?: string | undefined;
}

/** Everything `MoleculeMcp` needs. */
export interface McpConfig {
  /** The platform's base URL. */
  platformUrl: string;
  /** The workspaces, at least one; tools take a `workspaceId` when there are several. */
  workspaces: McpWorkspaceConfig[];
  /** SaaS tenant id (`X-Molecule-Org-Id`). */
  orgId?: string | undefined;
  /** Where each workspace's inbox state lives: `<stateDir>/<workspaceId>/mcp-inbox` (default `~/.molecule`). */
  stateDir: string;
  /** The agent card name the host is shown as (default `"MCP host"`). */
  name: string;
  /** Messages held unread at once per workspace (default 64); more wait on the platform. */
  maxUnread: number;
  /**
   * What a first start (a state directory without a cursor) delivers: `"none"` (default) only
   * messages from the server's launch on, `"all"` every message the platform still holds, `{ sinceMs }` those of
   * the last `sinceMs` ms (`--backfill`, `MOLECULE_MCP_BACKFILL`).
   */
  backfill?: Backfill | undefined;
  /** How long a pushed message's sender waits for the host's answer (default 110 000 ms). */
  pushHoldMs: number;
  /**
   * How often a pause or removal is checked when no event stream tells (env
   * `MOLECULE_MCP_STATE_INTERVAL_MS`; default: core's, the heartbeat interval).
   */
  stateIntervalMs?: number | undefined;
  /**
   * The folder `send_message_to_user` reads attachments given as paths from (env
   * `MOLECULE_MCP_ATTACHMENTS_DIR`; default: the server's working directory): a path outside it,
   * through `..` or a symbolic link, is refused.
   */
  attachmentsDir?: string | undefined;
}

/** Streamable HTTP settings (`--http`). */
export interface McpHttpConfig {
  /** The port (0: a free one). */
  port: number;
  /** The address to bind (`127.0.0.1` by default from the command). */
  host: string;
  /** The bearer token clients must send; generated (and printed) when absent. */
  token?: string | undefined;
  /** Origins allowed besides none (requests without `Origin` are allowed; browsers send one). */
  allowedOrigins: string[];
  /**
   * A directory the replicas share, where 2025-era sessions' SSE events are kept so that a broken
   * stream resumes on any replica (`MOLECULE_MCP_HTTP_EVENT_DIR`); none by default.
   */
  eventDir?: string | undefined;
}

/** The option values of `molecule-agent mcp` / `molecule-mcp` (all strings, as parsed). */
export interface McpCliValues {
  /* Each is the value of the flag of the same name (see MCP_CLI_OPTIONS). */
  platformUrl?: string | undefined;
  workspaceId?: string | undefined;
  http?: string | undefined;
  host?: string | undefined;
  allowOrigin?: string | undefined;
  stateDir?: string | undefined;
  name?: string | undefined;
  maxUnread?: string | undefined;
  backfill?: string | undefined;
}

/** One command-line option, shared by the package's bin and `molecule-agent mcp`. */
export interface McpCliOption {
  /** Its key in {@link McpCliValues}. */
  key: keyof McpCliValues;
  /** The flag and its value, as commander writes it: `--http <port>`. */
  flags: string;
  /** The help text. */
  description: string;
}

/** Every option of the command (tokens are read from the environment only, never from argv). */
export const MCP_CLI_OPTIONS: readonly McpCliOption[] = [
  {
    key: "platformUrl",
    flags: "--platform-url <url>",
    description: "platform base URL (env MOLECULE_PLATFORM_URL)",
  },
  {
    key: "workspaceId",
    flags: "--workspace-id <ids>",
    description:
      "workspace id, or several separated by commas (env MOLECULE_WORKSPACE_ID or MOLECULE_WORKSPACE_IDS); tokens come from MOLECULE_WORKSPACE_TOKEN / MOLECULE_WORKSPACE_TOKENS (same order) or ~/.molecule/<id>/.auth_token, never from a flag",
  },
  {
    key: "http",
    flags: "--http <port>",
    description:
      "serve Streamable HTTP on this port (0: a free one) instead of stdio, at /mcp, with a bearer token (env MOLECULE_MCP_HTTP_TOKEN, else generated and printed on stderr)",
  },
  {
    key: "host",
    flags: "--host <host>",
    description: "address the HTTP transport binds (default 127.0.0.1)",
  },
  {
    key: "allowOrigin",
    flags: "--allow-origin <origins>",
    description:
      "browser origins the HTTP transport accepts, separated by commas (default: none; requests without an Origin header are accepted)",
  },
  {
    key: "stateDir",
    flags: "--state-dir <dir>",
    description:
      "where unread messages are kept across restarts, <dir>/<workspaceId>/mcp-inbox (env MOLECULE_MCP_STATE_DIR, default ~/.molecule)",
  },
  {
    key: "name",
    flags: "--name <name>",
    description:
      'the name peers see on the agent card (env MOLECULE_AGENT_NAME, default "MCP host")',
  },
  {
    key: "maxUnread",
    flags: "--max-unread <n>",
    description:
      "messages held unread per workspace (default 64); further messages wait on the platform",
  },
  {
    key: "backfill",
    flags: "--backfill <history>",
    description:
      "what a workspace's first start reads (no saved state, no checkpoint in its activity log): all (default, every message the platform still holds), none (messages from the launch on) or a number of minutes (env MOLECULE_MCP_BACKFILL)",
  },
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function bad(message: string): MoleculeError {
  return new MoleculeError(message, { code: "invalid_argument" });
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * Reads the configuration from flags (first) and `MOLECULE_*` variables. Throws a
 * `MoleculeError` (`invalid_argument`) whose message says what to set.
 */
export function readMcpConfig(
  values: McpCliValues = {},
  env: NodeJS.ProcessEnv = process.env,
): McpConfig {
  const base = readMoleculeEnv(env);
  const platformUrl = values.platformUrl?.trim() || base.platformUrl;
  if (!platformUrl) {
    throw bad("No platform URL: set MOLECULE_PLATFORM_URL or pass --platform-url <url>.");
  }
  const ids = list(values.workspaceId ?? env["MOLECULE_WORKSPACE_IDS"] ?? base.workspaceId);
  if (ids.length === 0) {
    throw bad(
      "No workspace: set MOLECULE_WORKSPACE_ID (or MOLECULE_WORKSPACE_IDS=id1,id2) or pass --workspace-id <id>.",
    );
  }
  for (const id of ids) {
    if (!UUID.test(id)) {
      throw bad(
        `Workspace id "${id.slice(0, 80)}" is not a UUID: copy it from the canvas (workspace settings).`,
      );
    }
  }
  if (new Set(ids.map((id) => id.toLowerCase())).size !== ids.length) {
    throw bad("The same workspace id is given twice: list each workspace once.");
  }
  const tokens = env["MOLECULE_WORKSPACE_TOKENS"]
    ? list(env["MOLECULE_WORKSPACE_TOKENS"])
    : base.token
      ? [base.token]
      : [];
  if (tokens.length > 0 && tokens.length !== ids.length) {
    throw bad(
      `${ids.length} workspace id(s) but ${tokens.length} token(s): give one token per workspace, in the same order (MOLECULE_WORKSPACE_TOKENS=t1,t2), or none to use the token files.`,
    );
  }
  const tokenFile = tokens.length === 0 ? base.tokenFile : undefined;
  if (tokenFile !== undefined && ids.length > 1) {
    throw bad(
      "MOLECULE_WORKSPACE_TOKEN_FILE holds one token: use it with one workspace, or give every workspace's token in MOLECULE_WORKSPACE_TOKENS (same order).",
    );
  }
  const maxUnread = values.maxUnread === undefined ? 64 : Number(values.maxUnread);
  if (!Number.isInteger(maxUnread) || maxUnread < 1 || maxUnread > 10_000) {
    throw bad("--max-unread must be an integer from 1 to 10000.");
  }
  const stateRaw = env["MOLECULE_MCP_STATE_INTERVAL_MS"]?.trim();
  const stateIntervalMs = stateRaw ? Number(stateRaw) : undefined;
  if (
    stateIntervalMs !== undefined &&
    !(Number.isInteger(stateIntervalMs) && stateIntervalMs >= 100)
  ) {
    throw bad(
      "MOLECULE_MCP_STATE_INTERVAL_MS must be a whole number of milliseconds, at least 100.",
    );
  }
  const name = (values.name ?? env["MOLECULE_AGENT_NAME"] ?? "MCP host").trim().slice(0, 200);
  const backfill = readBackfill(values.backfill ?? env["MOLECULE_MCP_BACKFILL"]);
  return {
    platformUrl,
    workspaces: ids.map((id, i) => ({
      id: id.toLowerCase(),
      token: tokens[i],
      ...(tokenFile !== undefined ? { tokenFile } : {}),
    })),
    orgId: base.orgId,
    stateDir: values.stateDir ?? env["MOLECULE_MCP_STATE_DIR"] ?? join(homedir(), ".molecule"),
    name: name || "MCP host",
    maxUnread,
    backfill,
    pushHoldMs: 110_000,
    stateIntervalMs,
    attachmentsDir: env["MOLECULE_MCP_ATTACHMENTS_DIR"]?.trim() || undefined,
  };
}

/** `--backfill`; unset: core's default (a first start reads what the platform still holds). */
function readBackfill(raw: string | undefined): Backfill | undefined {
  const v = raw?.trim().toLowerCase();
  if (!v) return undefined;
  if (v === "none" || v === "all") return v;
  const minutes = Number(v);
  if (!Number.isFinite(minutes) || minutes <= 0) {
    throw bad(
      `--backfill (MOLECULE_MCP_BACKFILL) takes none, all or a number of minutes (got "${v.slice(0, 20)}").`,
    );
  }
  return { sinceMs: Math.round(minutes * 60_000) };
}

/** Reads the HTTP settings, or `undefined` without `--http` (stdio). */
export function readHttpConfig(
  values: McpCliValues = {},
  env: NodeJS.ProcessEnv = process.env,
): McpHttpConfig | undefined {
  if (values.http === undefined) return undefined;
  const port = Number(values.http);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw bad(`--http takes a port number from 0 to 65535 (got "${values.http.slice(0, 20)}").`);
  }
  const token = env["MOLECULE_MCP_HTTP_TOKEN"]?.trim() || undefined;
  if (token !== undefined && token.length < 16) {
    throw bad("MOLECULE_MCP_HTTP_TOKEN is too short: use at least 16 random characters.");
  }
  return {
    port,
    host: values.host?.trim() || "127.0.0.1",
    token,
    allowedOrigins: list(values.allowOrigin),
    eventDir: env["MOLECULE_MCP_HTTP_EVENT_DIR"]?.trim() || undefined,
  };
}
