// `molecule-platform-emulator --workspace <spec>`: the workspaces created at start-up and the
// `export MOLECULE_…` lines an agent (every example, `molecule-agent connect`) needs to run as one.
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { EmulatorError } from "./errors.js";
import type { EmulatorAdmin } from "./types.js";

/** One `--workspace name[,parent=<name>][,role=<role>]`. */
export interface WorkspaceSpec {
  name: string;
  parent?: string;
  role?: string;
}

/** A workspace ready for an agent: its id and a fresh token. */
export interface StartupWorkspace extends WorkspaceSpec {
  id: string;
  token: string;
  /** `true` when it already existed (a `--state-file` org): a new token was minted for it. */
  reused: boolean;
}

const NAME_RE = /^[\w.-]{1,64}$/;

/** Parses `name[,parent=<name>][,role=<role>]`; a parent must be declared before its children. */
export function parseWorkspaceSpecs(values: readonly string[]): WorkspaceSpec[] {
  const out: WorkspaceSpec[] = [];
  for (const value of values) {
    const [name = "", ...rest] = value.split(",");
    const bad = (why: string): EmulatorError =>
      new EmulatorError(
        `--workspace ${JSON.stringify(value)}: ${why} (expected name[,parent=<name>][,role=<role>], e.g. --workspace researcher,parent=coordinator)`,
        { code: "invalid_argument" },
      );
    if (!NAME_RE.test(name)) throw bad("the name must be 1-64 letters, digits, '.', '_' or '-'");
    if (out.some((s) => s.name === name)) throw bad(`workspace "${name}" is declared twice`);
    const spec: WorkspaceSpec = { name };
    for (const kv of rest) {
      const eq = kv.indexOf("=");
      const key = eq === -1 ? kv : kv.slice(0, eq);
      const v = eq === -1 ? "" : kv.slice(eq + 1);
      if (v === "") throw bad(`"${kv}" needs a value`);
      if (key === "parent") {
        if (!out.some((s) => s.name === v))
          throw bad(`parent "${v}" must be declared by an earlier --workspace`);
        spec.parent = v;
      } else if (key === "role") spec.role = v;
      else throw bad(`unknown key "${key}"`);
    }
    out.push(spec);
  }
  return out;
}

/**
 * Creates each workspace (children under their parent) for poll delivery, as
 * `AdminClient.createExternalWorkspace` does without a URL: calls made before its agent is up are
 * stored for it (a workspace created without a mode is push, whose calls wait in the platform's
 * queue on 2026-08 and are refused `503` on 2026-05); an agent that registers with a push URL
 * switches it to push. Or reuses one of the same name that a `--state-file` org already holds and
 * mints it a new token (the old ones stay valid).
 */
export async function createStartupWorkspaces(
  admin: EmulatorAdmin,
  specs: readonly WorkspaceSpec[],
): Promise<StartupWorkspace[]> {
  const existing = specs.length === 0 ? [] : await admin.listWorkspaces();
  const ids = new Map<string, string>();
  const out: StartupWorkspace[] = [];
  for (const spec of specs) {
    const parentId = spec.parent === undefined ? undefined : ids.get(spec.parent);
    const kept = existing.find((w) => w["name"] === spec.name && w["status"] !== "removed");
    let id: string;
    let token: string;
    if (kept !== undefined) {
      id = String(kept["id"]);
      token = await admin.createToken(id);
    } else {
      const created = await admin.createWorkspace({
        name: spec.name,
        deliveryMode: "poll",
        ...(spec.role !== undefined ? { role: spec.role } : {}),
        ...(parentId !== undefined ? { parentId } : {}),
      });
      id = created.id;
      token = created.token;
    }
    ids.set(spec.name, id);
    out.push({ ...spec, id, token, reused: kept !== undefined });
  }
  return out;
}

/**
 * The `export` lines an agent running as `ws` needs (the variables `readMoleculeEnv()` reads),
 * with `MOLECULE_ORG_ID` when the emulator runs as a SaaS tenant (`--org-id`).
 */
function exportLines(platformUrl: string, ws: StartupWorkspace, orgId?: string): string[] {
  return [
    `export MOLECULE_PLATFORM_URL=${platformUrl}`,
    `export MOLECULE_WORKSPACE_ID=${ws.id}`,
    `export MOLECULE_WORKSPACE_TOKEN=${ws.token}`,
    ...(orgId !== undefined ? [`export MOLECULE_ORG_ID=${orgId}`] : []),
  ];
}

/** The start-up banner section of one workspace: a comment line and its `export` lines. */
export function describeWorkspace(
  platformUrl: string,
  ws: StartupWorkspace,
  envFile?: string,
  orgId?: string,
): string {
  const about = [
    ws.parent !== undefined ? `child of "${ws.parent}"` : "top level",
    ...(ws.role !== undefined ? [`role ${ws.role}`] : []),
    ...(ws.reused ? ["kept from the state file, new token"] : []),
  ].join(", ");
  const lines = [
    `# workspace "${ws.name}" (${about}): paste into the shell that runs its agent`,
    ...exportLines(platformUrl, ws, orgId),
  ];
  if (envFile !== undefined) lines.push(`# or: source ${envFile}`);
  return `${lines.join("\n")}\n`;
}

/** Writes `<dir>/<name>.env` (mode 0600: it holds the token) per workspace; returns the paths. */
export async function writeEnvFiles(
  dir: string,
  platformUrl: string,
  workspaces: readonly StartupWorkspace[],
  orgId?: string,
): Promise<Map<string, string>> {
  await mkdir(dir, { recursive: true });
  const paths = new Map<string, string>();
  for (const ws of workspaces) {
    const file = join(dir, `${ws.name}.env`);
    await writeFile(file, `${exportLines(platformUrl, ws, orgId).join("\n")}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    paths.set(ws.name, file);
  }
  return paths;
}
