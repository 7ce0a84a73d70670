// The store of an agent given no `store` option, on poll delivery: files beside its token file, so
// a restart resumes where the last run stopped (DESIGN §4.3), held by one agent at a time.
import { hasFileSystem, join, stateRoot } from "../runtime/index.js";
import { MoleculeError } from "../transport/index.js";
import type { MoleculeStoreError } from "./cursor-store.js";
import { takeStateLock } from "./state-lock.js";
import { fileStore, type LocalStore } from "./store.js";

/**
 * The folder of a workspace's own files: `<MOLECULE_STATE_DIR>/<workspaceId>`, by default
 * `~/.molecule/<workspaceId>` (where the token file is). A workspace id that could leave the
 * folder (`/`, `\`, `.`, `..`, NUL) is refused.
 */
function workspaceStateDir(workspaceId: string): string {
  if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(workspaceId) || workspaceId.includes("..")) {
    throw new MoleculeError(
      `workspace id ${JSON.stringify(workspaceId.slice(0, 80))} cannot name a state folder; pass an explicit store (e.g. fileStore(path))`,
      { code: "invalid_argument" },
    );
  }
  return join(stateRoot(), workspaceId);
}

/** The default store, open and locked for this agent. */
export interface DefaultStore {
  readonly store: LocalStore;
  /** The state file (its sidecar and task file beside it). */
  readonly path: string;
  /** Gives the folder back (the lock file is removed if this agent still holds it). */
  release(): Promise<void>;
}

/** Options of {@link openDefaultStore}. */
export interface DefaultStoreOptions {
  /** Stops waiting for another agent's lapsing lease. */
  signal?: AbortSignal;
  /** Told in one line when the start waits to see whether another agent's lease is alive. */
  onWait?: (message: string) => void;
  /** Called if the folder's lock is lost while held (store/state-lock.ts): stop the agent. */
  onLost?: (error: MoleculeStoreError) => void;
  /** Told in one line when the agent finds its lease may have lapsed (store/state-lock.ts). */
  onLate?: (message: string) => void;
}

/**
 * Opens the default store of `workspaceId`'s agent: `fileStore(<state dir>/inbound)`, held by
 * this agent through the lease in `inbound.lock` (store/state-lock.ts). `undefined` where the
 * runtime has no file system (an edge worker: the agent then resumes from its checkpoint in the
 * activity log). Throws a {@link MoleculeStoreError}: `store_in_use` when another live agent holds
 * the folder, `store_unwritable` when the folder cannot be created, each naming the fix. Its
 * files are checked when the agent opens its state.
 */
export async function openDefaultStore(
  workspaceId: string,
  options: DefaultStoreOptions = {},
): Promise<DefaultStore | undefined> {
  if (!hasFileSystem) return undefined;
  const dir = workspaceStateDir(workspaceId);
  const path = join(dir, "inbound");
  const lock = await takeStateLock(dir, `${path}.lock`, options);
  const store = fileStore(path, { lease: lock });
  return { store, path, release: async () => await lock.release() };
}
