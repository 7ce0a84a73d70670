// The flags every command that talks to the platform takes (`--platform-url`, `--workspace-id`,
// `--token`, `--org-id`), their environment variables, and a client built from them whose errors
// name those flags instead of the library's option names.
import {
  FileTokenStore,
  isMoleculeError,
  PlatformClient,
  type Logger,
} from "@molecule-ai/agent-core";
import { Option, type Command } from "commander";
import { CliError } from "./errors.js";

/** The platform flags after parsing (the environment already applied). */
export interface PlatformFlags {
  platformUrl?: string;
  workspaceId?: string;
  token?: string;
  /** `--token-file` / `MOLECULE_WORKSPACE_TOKEN_FILE`: used when no token is given. */
  tokenFile?: string;
  orgId?: string;
}

/** Each library option with the flag and environment variable a user sets instead. */
const FLAG_OF = {
  platformUrl: { flag: "--platform-url", env: "MOLECULE_PLATFORM_URL" },
  workspaceId: { flag: "--workspace-id", env: "MOLECULE_WORKSPACE_ID" },
  token: { flag: "--token", env: "MOLECULE_WORKSPACE_TOKEN" },
  orgId: { flag: "--org-id", env: "MOLECULE_ORG_ID" },
} as const;

/** `--platform-url (MOLECULE_PLATFORM_URL)` for `"platformUrl"`. */
function flagName(option: keyof typeof FLAG_OF): string {
  const f = FLAG_OF[option];
  return `${f.flag} (${f.env})`;
}

/** Adds the four platform flags, each also read from its environment variable. */
export function addPlatformOptions(command: Command): Command {
  return command
    .addOption(new Option("--platform-url <url>", "platform base URL").env("MOLECULE_PLATFORM_URL"))
    .addOption(
      new Option("--workspace-id <id>", "this agent's workspace id").env("MOLECULE_WORKSPACE_ID"),
    )
    .addOption(
      new Option(
        "--token <token>",
        "workspace token (prefer the env var; default: ~/.molecule/<id>/.auth_token)",
      ).env("MOLECULE_WORKSPACE_TOKEN"),
    )
    .addOption(
      new Option(
        "--token-file <path>",
        "file holding the workspace token, when no token is given (read again after a 401)",
      ).env("MOLECULE_WORKSPACE_TOKEN_FILE"),
    )
    .addOption(new Option("--org-id <id>", "organisation id (SaaS)").env("MOLECULE_ORG_ID"));
}

/**
 * Where the token comes from: `--token`/`MOLECULE_WORKSPACE_TOKEN`, else the token file
 * `--token-file`/`MOLECULE_WORKSPACE_TOKEN_FILE` (it must hold the token: no fallback, #2935), else
 * `~/.molecule/<id>/.auth_token`. A token file is read again after a 401, so a token rotated by an
 * operator and written there is used without a restart.
 */
function tokenSource(
  flags: PlatformFlags & { workspaceId: string },
): { token: string } | { tokenStore: FileTokenStore } {
  const token = flags.token?.trim();
  if (token) return { token };
  const file = flags.tokenFile?.trim();
  const workspaceId = flags.workspaceId.trim();
  return { tokenStore: new FileTokenStore({ workspaceId, ...(file ? { file } : {}) }) };
}

/** Throws a {@link CliError} (exit `exitCode`) naming each missing required flag and its variable. */
export function requirePlatformFlags<T extends PlatformFlags>(
  flags: T,
  exitCode: number,
): asserts flags is T & { platformUrl: string; workspaceId: string } {
  const missing = (["platformUrl", "workspaceId"] as const)
    .filter((k) => !flags[k]?.trim())
    .map((k) => `${FLAG_OF[k].flag} (or ${FLAG_OF[k].env})`);
  if (missing.length > 0) throw new CliError(`missing ${missing.join(" and ")}`, { exitCode });
}

/** Rewrites library option names in a message (`platformUrl must ...`) to the flag and variable. */
function withFlagNames(message: string): string {
  return message.replace(/\b(?:platformUrl|workspaceId|orgId)\b|\btoken(?= must\b)/g, (name) =>
    flagName(name as keyof typeof FLAG_OF),
  );
}

/**
 * A `PlatformClient` from the flags, its token from {@link tokenSource}. Bad values throw a
 * {@link CliError} (exit `exitCode`).
 */
export function clientFromFlags(
  flags: PlatformFlags,
  exitCode: number,
  logger?: Logger,
): PlatformClient {
  requirePlatformFlags(flags, exitCode);
  try {
    return new PlatformClient({
      platformUrl: flags.platformUrl,
      workspaceId: flags.workspaceId,
      ...tokenSource(flags),
      ...(flags.orgId ? { orgId: flags.orgId } : {}),
      ...(logger !== undefined ? { logger } : {}),
    });
  } catch (err) {
    const message = withFlagNames((err as Error).message);
    throw new CliError(message, {
      exitCode,
      code: isMoleculeError(err) ? err.code : "invalid_argument",
      cause: err,
    });
  }
}
