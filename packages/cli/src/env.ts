// The older environment variable names `molecule-agent` still accepts, mapped onto the current
// ones before the command line is parsed (so every `.env()` option sees them).
import { readMoleculeEnv } from "@molecule-ai/agent-core";

const CURRENT = {
  platformUrl: "MOLECULE_PLATFORM_URL",
  workspaceId: "MOLECULE_WORKSPACE_ID",
  publicUrl: "MOLECULE_PUBLIC_URL",
} as const;

/**
 * Sets `MOLECULE_PLATFORM_URL`, `MOLECULE_WORKSPACE_ID` and `MOLECULE_PUBLIC_URL` from their
 * deprecated names (`MOLECULE_URL`, `WORKSPACE_ID`, `MOLECULE_REPORTED_URL`) when only those are
 * set, and writes one deprecation warning per old name in use.
 */
export function adoptDeprecatedEnv(env: NodeJS.ProcessEnv, write: (text: string) => void): void {
  // MOLECULE_PORT is checked by --port, with the command's exit codes.
  const read = readMoleculeEnv({ ...env, MOLECULE_PORT: undefined });
  for (const [key, name] of Object.entries(CURRENT)) {
    const value = read[key as keyof typeof CURRENT];
    if (value !== undefined && !env[name]?.trim()) env[name] = value;
  }
  for (const warning of read.warnings) write(`[molecule] warning: ${warning}\n`);
}
