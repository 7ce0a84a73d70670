// The environment variables every Molecule agent entry point reads (examples, `molecule-agent
// connect`), with the older names still accepted for a while.
import { envVar } from "../runtime/index.js";
import { MoleculeError } from "../transport/index.js";

/** The settings {@link readMoleculeEnv} reads; unset variables are `undefined`. */
export interface MoleculeEnv {
  /** `MOLECULE_PLATFORM_URL`: the platform's base URL. */
  platformUrl: string | undefined;
  /** `MOLECULE_WORKSPACE_ID`: the workspace to run as. */
  workspaceId: string | undefined;
  /** `MOLECULE_WORKSPACE_TOKEN`: its token (else the token file is used). */
  token: string | undefined;
  /**
   * `MOLECULE_WORKSPACE_TOKEN_FILE`: a file holding the token, when `token` is unset (the inline
   * token wins, as in the platform's own clients, #2935). Read it with
   * `new FileTokenStore({ workspaceId, file: tokenFile })`: a missing or blank file is then an
   * error (never another token instead), and the agent reads it again after a 401, so a rotated
   * token written there is used without a restart.
   */
  tokenFile: string | undefined;
  /** `MOLECULE_PUBLIC_URL`: where the platform reaches this agent's push endpoint. */
  publicUrl: string | undefined;
  /** `MOLECULE_PORT`: the port of the push endpoint. */
  port: number | undefined;
  /**
   * `MOLECULE_ORG_ID`: the organisation id of a hosted (SaaS tenant) platform, passed as `orgId`
   * and sent as `X-Molecule-Org-Id`. A tenant refuses every request but register and heartbeat
   * without it (400 `org_id_required`) and answers an empty 404 to a wrong one.
   */
  orgId: string | undefined;
  /** One message per deprecated variable in use: print them. */
  warnings: string[];
}

/**
 * Reads `MOLECULE_PLATFORM_URL`, `MOLECULE_WORKSPACE_ID`, `MOLECULE_WORKSPACE_TOKEN`,
 * `MOLECULE_WORKSPACE_TOKEN_FILE`, `MOLECULE_PUBLIC_URL`, `MOLECULE_PORT` and `MOLECULE_ORG_ID`.
 * An old name (`MOLECULE_URL`, `WORKSPACE_ID`,
 * `MOLECULE_REPORTED_URL`) is used when its new one is unset, with a deprecation warning in
 * `warnings`. A `MOLECULE_PORT` that is not a port number throws `invalid_argument`.
 */
export function readMoleculeEnv(env: NodeJS.ProcessEnv = process.env): MoleculeEnv {
  const warnings: string[] = [];
  const read = (name: string, old?: string): string | undefined => {
    const value = env[name]?.trim() || undefined;
    const legacy = old === undefined ? undefined : env[old]?.trim() || undefined;
    if (legacy === undefined) return value;
    warnings.push(
      value === undefined
        ? `${old} is deprecated: rename it to ${name}`
        : `${old} is deprecated and ignored because ${name} is set; remove it`,
    );
    return value ?? legacy;
  };
  const rawPort = env["MOLECULE_PORT"]?.trim() || undefined;
  const port = rawPort === undefined ? undefined : Number(rawPort);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65_536)) {
    throw new MoleculeError(
      `MOLECULE_PORT must be a port number from 0 (any free port) to 65535 (got ${JSON.stringify(rawPort)})`,
      { code: "invalid_argument" },
    );
  }
  const token = read("MOLECULE_WORKSPACE_TOKEN");
  return {
    platformUrl: read("MOLECULE_PLATFORM_URL", "MOLECULE_URL"),
    workspaceId: read("MOLECULE_WORKSPACE_ID", "WORKSPACE_ID"),
    token,
    tokenFile: token === undefined ? read("MOLECULE_WORKSPACE_TOKEN_FILE") : undefined,
    publicUrl: read("MOLECULE_PUBLIC_URL", "MOLECULE_REPORTED_URL"),
    port,
    orgId: read("MOLECULE_ORG_ID"),
    warnings,
  };
}

/**
 * The org id a client sends: `orgId` when passed (`""`: none), else `MOLECULE_ORG_ID` (trimmed;
 * unset or blank: none).
 */
export function orgIdOf(orgId: string | undefined): string | undefined {
  if (orgId !== undefined) return orgId || undefined;
  return envVar("MOLECULE_ORG_ID")?.trim() || undefined;
}
