// The store of an agent given no `store` option, on poll delivery: files beside its token file, so
// a restart resumes where the last run stopped (DESIGN §4.3), held by one agent at a time.
import {
  hasFileSystem,
  isProcessAlive,
  join,
  mkdir,
  open,
  PROCESS_ID,
  readFile,
  rm,
  stateRoot,
} from "../runtime/index.js";
import { MoleculeError } from "../transport/index.js";
import { fsReason, MoleculeStoreError } from "./cursor-store.js";
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

/** Lock files this process holds (an agent of this process is their holder). */
const held = new Set<string>();

/** The default store, open and locked for this agent. */
export interface DefaultStore {
  readonly store: LocalStore;
  /** The state file (its sidecar and task file beside it). */
  readonly path: string;
  /** Gives the folder back (the lock file is removed). */
  release(): Promise<void>;
}

/**
 * Opens the default store of `workspaceId`'s agent: `fileStore(<state dir>/inbound)`, locked by
 * `inbound.lock` (this process's id). `undefined` where the runtime has no file system (an edge
 * worker: the agent then resumes from its checkpoint in the activity log). Throws a
 * {@link MoleculeStoreError}: `store_in_use` when another live agent holds the folder,
 * `store_unwritable` when the folder cannot be created, each naming the fix. Its files are
 * checked when the agent opens its state.
 */
export async function openDefaultStore(workspaceId: string): Promise<DefaultStore | undefined> {
  if (!hasFileSystem) return undefined;
  const dir = workspaceStateDir(workspaceId);
  const path = join(dir, "inbound");
  const lock = `${path}.lock`;
  await takeLock(dir, lock);
  const store = fileStore(path);
  return { store, path, release: async () => await releaseLock(lock) };
}

async function takeLock(dir: string, lock: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (held.has(lock)) throw inUse(dir, "this process");
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const fh = await open(lock, "wx", 0o600);
      try {
        await fh.writeFile(`${PROCESS_ID}\n`, "utf8");
      } finally {
        await fh.close();
      }
      held.add(lock);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new MoleculeStoreError(
          "store_unwritable",
          `cannot create the agent's state folder ${dir} (${fsReason(err)}); set MOLECULE_STATE_DIR to a writable folder, or pass store: memoryStore() to keep the cursor in memory`,
          { path: dir, cause: err },
        );
      }
    }
    const pid = Number((await readFile(lock, "utf8").catch(() => "")).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== PROCESS_ID && isProcessAlive(pid)) {
      throw inUse(dir, `process ${pid}`);
    }
    // A lock left by a process that ended (or by this one, released without removing it).
    await rm(lock, { force: true });
  }
  throw inUse(dir, "another agent");
}

function inUse(dir: string, holder: string): MoleculeStoreError {
  return new MoleculeStoreError(
    "store_in_use",
    `another agent (${holder}) keeps its state in ${dir}: two agents on one workspace would each handle every message. Stop it, or run replicas on a shared store (createPostgresStore from @molecule-ai/postgres).`,
    { path: dir },
  );
}

async function releaseLock(lock: string): Promise<void> {
  if (!held.delete(lock)) return;
  const pid = Number((await readFile(lock, "utf8").catch(() => "")).trim());
  if (pid === PROCESS_ID) await rm(lock, { force: true }).catch(() => undefined);
}
