// Cursor stores: where poll delivery persists its position and its de-duplication window.
import {
  basename,
  dirname,
  join,
  open,
  PROCESS_ID,
  randomHex,
  rename,
  rm,
} from "../runtime/index.js";
import { MoleculeError } from "../transport/index.js";
import type { CursorState, CursorStore } from "../inbound/index.js";

/** What went wrong with an agent's store (see {@link MoleculeStoreError}). */
export type StoreErrorCode =
  | "store_unreadable"
  | "store_unwritable"
  | "store_stopped"
  | "store_in_use"
  | "store_format_unknown";

/**
 * The agent's store cannot be read or written. `code` says which:
 * - `store_unreadable` (not retryable): the saved state exists but cannot be read or parsed
 *   (truncated, corrupted, no permission). `start()` fails with it rather than starting without
 *   the state (which may hold unsent answers); `path` names the file.
 * - `store_unwritable` (retryable): a save failed (disk full, read-only folder, database down).
 *   The agent stops taking new work until a save succeeds (events `storeUnwritable`, then
 *   `storeWritable`); `start()` fails with it when the store cannot be written at all.
 * - `store_stopped` (not retryable): the agent stopped while the save was still failing; what it
 *   had not saved is redelivered (as `redelivered`) after a restart.
 * - `store_in_use` (not retryable): another running agent keeps its state in the same folder (the
 *   default store's lease lock, store/state-lock.ts): two agents on one workspace would each handle
 *   every message. Also what an agent ends with when another agent took its folder.
 * - `store_format_unknown` (not retryable): the saved state is in a format this version of the SDK
 *   does not know (written by a newer version, after a rollback): it is left as it is, never
 *   wiped; run the newer version again, or move the file aside to start without it.
 */
export class MoleculeStoreError extends MoleculeError {
  /** The file or resource concerned. */
  readonly path: string | undefined;
  /** See the class comment. */
  declare readonly code: StoreErrorCode;

  constructor(
    code: StoreErrorCode,
    message: string,
    options: { path?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, { code, retryable: code === "store_unwritable", cause: options.cause });
    this.path = options.path;
  }
}

/**
 * The `store_format_unknown` error for `file`, whose format `version` this build does not read
 * (`known`: the versions it reads, as a sentence part, e.g. "1").
 */
export function unknownFormatError(
  file: string,
  what: string,
  version: unknown,
  known: string,
): MoleculeStoreError {
  return new MoleculeStoreError(
    "store_format_unknown",
    `${what} ${file} is in format version ${JSON.stringify(version)}, which this version of @molecule-ai/agent-core does not know (it reads version ${known}): a newer SDK wrote it. It is left untouched. Run the newer SDK version again (after a rollback: upgrade), or move the file aside to start without what it holds.`,
    { path: file },
  );
}

/** `err`'s errno code and message, as a sentence part (the code once: Node's messages start with it). */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.startsWith(`${code}:`) ? `${code}: ${message}` : message;
}

/** Keeps the cursor in memory: fine for tests and for agents that may replay after a restart. */
export class MemoryCursorStore implements CursorStore {
  #state: CursorState | undefined;

  /** @param initial an optional starting state */
  constructor(initial?: CursorState) {
    this.#state = initial;
  }

  /** Returns the last saved state. */
  async load(): Promise<CursorState | undefined> {
    return this.#state;
  }

  /** Stores `state` (kept by reference: callers pass a fresh snapshot). */
  async save(state: CursorState): Promise<void> {
    this.#state = state;
  }
}

/** Writes `content` to `path` so that a crash leaves either the old or the new file. */
export async function atomicWrite(path: string, content: string): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${PROCESS_ID}.${randomHex(6)}.tmp`);
  const fh = await open(tmp, "w", 0o600);
  try {
    try {
      await fh.writeFile(content, "utf8");
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  try {
    const d = await open(dir, "r");
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  }
}
