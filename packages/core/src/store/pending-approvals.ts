// Where an ApprovalWaiter keeps the approval requests it waits on (issue #81): the request's id,
// and the reference and digest that let it resume only its own request for the same input. A
// local file or memory by default; the agent's store (`AgentStore.pendingApprovalsFor`) when it
// has one, so a restarted agent, or another replica on a shared store, resumes the same request.
import { dirname, mkdir, PROCESS_ID, readFile, rename, writeFile } from "../runtime/index.js";
import { describe, MoleculeError } from "../transport/index.js";

/** One approval request a waiter waits on (see {@link PendingApprovalStore}). */
export interface PendingApprovalRecord {
  /** The wait's key (`ApprovalWaitOptions.key`, or a hash of the request's text). */
  key: string;
  /** The platform's id of the request; `null` while it is being opened. */
  approvalId: string | null;
  /** The action the person is asked about (as shown). */
  action: string;
  /** When the record was written (ISO 8601). */
  createdAt: string;
  /**
   * The request's fresh reference (its reason's last line): only the row with it is adopted when
   * the request's id was not saved (absent in records of SDK versions before it: never resumed).
   */
  ref?: string | undefined;
  /** SHA-256 of what the request asks: only a request for the same digest is resumed. */
  digest?: string | undefined;
}

/**
 * Where an `ApprovalWaiter` keeps the approval requests it waits on: the agent's store
 * (`AgentStore.pendingApprovalsFor`: memoryStore, fileStore, the PostgreSQL store, shared by a
 * workspace's replicas) or its own file. At most {@link PENDING_APPROVALS_KEPT} records are kept
 * (the oldest go first).
 */
export interface PendingApprovalStore {
  /** Every record kept, oldest first. */
  list(): Promise<PendingApprovalRecord[]>;
  /** The record kept under `key`. */
  get(key: string): Promise<PendingApprovalRecord | undefined>;
  /** Keeps `record` under its key (replacing one kept there). Resolves once saved. */
  put(record: PendingApprovalRecord): Promise<void>;
  /**
   * Forgets the record under `key` when it is still the one of request `approvalId` (`null`: the
   * one being opened).
   */
  delete(key: string, approvalId: string | null): Promise<void>;
}

/** Records kept at most per store (per workspace on a shared one): the oldest go first. */
export const PENDING_APPROVALS_KEPT = 1000;

type Entry = Omit<PendingApprovalRecord, "key">;

/** The file's format (version 1, as SDK versions before the store wrote it). */
interface PendingFile {
  version: 1;
  pending: Record<string, Entry>;
}

/** The records of `f`, oldest first. */
function recordsOf(f: PendingFile): PendingApprovalRecord[] {
  return Object.entries(f.pending).map(([key, v]) => ({ ...v, key }));
}

/** Puts `record` in `f` and drops the oldest past {@link PENDING_APPROVALS_KEPT}. */
function putIn(f: PendingFile, record: PendingApprovalRecord): void {
  const { key, ...entry } = record;
  f.pending[key] = entry;
  const keys = Object.keys(f.pending);
  for (const old of keys.slice(0, Math.max(0, keys.length - PENDING_APPROVALS_KEPT)))
    delete f.pending[old];
}

/** In memory: a restart forgets the records (a new `memoryStore()` or `file: false`). */
export class MemoryPendingApprovals implements PendingApprovalStore {
  readonly #f: PendingFile = { version: 1, pending: {} };

  async list(): Promise<PendingApprovalRecord[]> {
    return recordsOf(this.#f);
  }

  async get(key: string): Promise<PendingApprovalRecord | undefined> {
    const e = this.#f.pending[key];
    return e === undefined ? undefined : { ...e, key };
  }

  async put(record: PendingApprovalRecord): Promise<void> {
    putIn(this.#f, record);
  }

  async delete(key: string, approvalId: string | null): Promise<void> {
    if (this.#f.pending[key]?.approvalId === approvalId) delete this.#f.pending[key];
  }
}

/** In a JSON file (written atomically: temp file and rename), one change at a time. */
export class FilePendingApprovals implements PendingApprovalStore {
  readonly #file: string;
  #writes: Promise<void> = Promise.resolve();

  /** @param file the file (created with its folder on the first write) */
  constructor(file: string) {
    this.#file = file;
  }

  async list(): Promise<PendingApprovalRecord[]> {
    return recordsOf(await this.#load());
  }

  async get(key: string): Promise<PendingApprovalRecord | undefined> {
    const e = (await this.#load()).pending[key];
    return e === undefined ? undefined : { ...e, key };
  }

  put(record: PendingApprovalRecord): Promise<void> {
    return this.#save((f) => putIn(f, record));
  }

  delete(key: string, approvalId: string | null): Promise<void> {
    return this.#save((f) => {
      if (f.pending[key]?.approvalId === approvalId) delete f.pending[key];
    });
  }

  async #load(): Promise<PendingFile> {
    await this.#writes;
    return await this.#read();
  }

  async #read(): Promise<PendingFile> {
    let text: string;
    try {
      text = await readFile(this.#file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, pending: {} };
      throw new MoleculeError(
        `cannot read the pending approvals file ${this.#file}: ${describe(err)}`,
        { code: "store_error", cause: err },
      );
    }
    let f: PendingFile;
    try {
      f = JSON.parse(text) as PendingFile;
    } catch (err) {
      throw new MoleculeError(
        `the pending approvals file ${this.#file} is corrupt: fix or delete it (pending requests are then opened again)`,
        { code: "store_error", cause: err },
      );
    }
    const version: unknown = (f as { version?: unknown } | null)?.version;
    if (typeof version === "number" && version > 1) {
      // A newer SDK's format (a rollback): refused and left as it is (as the state file's).
      throw new MoleculeError(
        `the pending approvals file ${this.#file} is in format version ${version}, which this version of @molecule-ai/agent-core does not know (it reads version 1): a newer SDK wrote it. It is left untouched. Run the newer SDK version again (after a rollback: upgrade), or move the file aside to open its requests again.`,
        { code: "store_format_unknown" },
      );
    }
    try {
      if (f.version !== 1 || typeof f.pending !== "object" || f.pending === null)
        throw new Error("shape");
      return f;
    } catch (err) {
      throw new MoleculeError(
        `the pending approvals file ${this.#file} is corrupt: fix or delete it (pending requests are then opened again)`,
        { code: "store_error", cause: err },
      );
    }
  }

  /** Applies `change` to the file (atomically: temp file + rename), one write at a time. */
  #save(change: (f: PendingFile) => void): Promise<void> {
    const run = async (): Promise<void> => {
      const f = await this.#read();
      change(f);
      await mkdir(dirname(this.#file), { recursive: true, mode: 0o700 });
      const tmp = `${this.#file}.${PROCESS_ID}.${Date.now()}.tmp`;
      await writeFile(tmp, JSON.stringify(f), { mode: 0o600 });
      await rename(tmp, this.#file);
    };
    const p = this.#writes.then(run);
    this.#writes = p.catch(() => undefined);
    return p;
  }
}
