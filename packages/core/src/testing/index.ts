// @molecule-ai/agent-core/testing: a local platform with workspaces, for your own offline tests.
// Needs the optional peer @molecule-ai/platform-emulator, loaded only when a platform starts.
import type * as EmulatorModule from "@molecule-ai/platform-emulator";
import type { Emulator, EmulatorOptions } from "@molecule-ai/platform-emulator";
import { forgetRateBuckets, MoleculeError } from "../transport/index.js";
import { forgetSharedProbes, PlatformClient } from "../platform/index.js";

/** The environment variables `readMoleculeEnv()` (and the examples) read, for one workspace. */
export interface TestWorkspaceEnv {
  MOLECULE_PLATFORM_URL: string;
  MOLECULE_WORKSPACE_ID: string;
  MOLECULE_WORKSPACE_TOKEN: string;
  /** The tenant's org id, when the emulator runs as a SaaS tenant (`emulator: { orgId }`). */
  MOLECULE_ORG_ID?: string;
}

/** A workspace created on the test platform. */
export interface TestWorkspace {
  readonly id: string;
  readonly name: string;
  /** Its bearer token: keep it out of snapshots and logs, as in production. */
  readonly token: string;
  /** What to put in `process.env` (or pass to a child process) to run an agent as this workspace. */
  readonly env: TestWorkspaceEnv;
  /** A new `PlatformClient` for this workspace, closed by `platform.close()`. */
  client(): PlatformClient;
}

/** A running test platform; see {@link startTestPlatform}. */
export interface TestPlatform {
  /** The emulator: `url`, `admin`, `activity(id)`, `injectFault(...)`, ... */
  readonly emulator: Emulator;
  /** The platform's base URL (`MOLECULE_PLATFORM_URL`). */
  readonly url: string;
  /** The workspace created at start. */
  readonly workspace: TestWorkspace;
  /** `workspace.env`. */
  readonly env: TestWorkspaceEnv;
  /** Creates another workspace (a peer). Workspaces with the same parent (or none) may talk. */
  addWorkspace(
    name: string,
    options?: { role?: string; parentId?: string },
  ): Promise<TestWorkspace>;
  /** Closes every client it handed out, then the emulator. */
  close(): Promise<void>;
}

/** Options of {@link startTestPlatform}. */
export interface TestPlatformOptions {
  /** Name of the workspace created at start (default `"agent"`). */
  name?: string;
  /** Its role, shown to peers. */
  role?: string;
  /** Emulator options (`compat: "2026-04"` for the baseline platform, faults, clock, ...). */
  emulator?: EmulatorOptions;
}

/**
 * Starts `@molecule-ai/platform-emulator` on 127.0.0.1 (a free port) with one external workspace
 * and returns its environment, so an agent under test connects exactly as in production. Its
 * workspaces are created for poll delivery (as `AdminClient.createExternalWorkspace` creates them),
 * so a peer's call to one queues until its agent starts.
 *
 * @example
 * const platform = await startTestPlatform({ name: "support" });
 * const peer = await platform.addWorkspace("billing");
 * const agent = new RemoteAgent({ client: platform.workspace.client(), handler });
 * // ... await platform.close() in afterAll
 */
export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const emulator = await (await loadEmulator()).startEmulator(options.emulator);
  const clients = new Set<PlatformClient>();
  const addWorkspace = async (
    name: string,
    extra: { role?: string; parentId?: string } = {},
  ): Promise<TestWorkspace> => {
    // For poll, as `AdminClient.createExternalWorkspace` creates one without a URL: a platform's
    // default is push, whose calls with no URL wait in a queue (August) or are refused (May) until
    // the agent registers. An agent that starts with push delivery registers its URL and switches it.
    const created = await emulator.admin.createWorkspace({ name, deliveryMode: "poll", ...extra });
    const token = created.token ?? (await emulator.admin.createToken(created.id));
    const orgId = emulator.orgId;
    const env: TestWorkspaceEnv = {
      MOLECULE_PLATFORM_URL: emulator.url,
      MOLECULE_WORKSPACE_ID: created.id,
      MOLECULE_WORKSPACE_TOKEN: token,
      ...(orgId !== undefined ? { MOLECULE_ORG_ID: orgId } : {}),
    };
    return {
      id: created.id,
      name,
      token,
      env,
      client: () => {
        const client = new PlatformClient({
          platformUrl: emulator.url,
          workspaceId: created.id,
          token,
          orgId,
        });
        clients.add(client);
        return client;
      },
    };
  };
  try {
    const role = options.role !== undefined ? { role: options.role } : {};
    const workspace = await addWorkspace(options.name ?? "agent", role);
    return {
      emulator,
      url: emulator.url,
      workspace,
      env: workspace.env,
      addWorkspace,
      close: async () => {
        await Promise.all([...clients].map((c) => c.close()));
        await emulator.close();
      },
    };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

async function loadEmulator(): Promise<typeof EmulatorModule> {
  try {
    return await import("@molecule-ai/platform-emulator");
  } catch (error) {
    throw new MoleculeError(
      "startTestPlatform needs the platform emulator: npm install -D @molecule-ai/platform-emulator",
      { code: "missing_dependency", cause: error },
    );
  }
}

/**
 * Forgets what the SDK keeps for the whole process, across its clients: the rate budgets (by
 * platform, org and token) and the contract probes clients share for a minute. A new process starts
 * without them; call this before each test file when your runner shares modules between files
 * (Vitest's `isolate: false`), where a platform started by an earlier file may have had this
 * file's port.
 */
export function forgetProcessState(): void {
  forgetRateBuckets();
  forgetSharedProbes();
}
