// The file store's state: a plain cursor file compatible with the Python reference SDK, a JSON
// sidecar holding the rest, and a journal of the changes since the sidecar was written.
import {
  basename,
  closeNow,
  datasyncFd,
  dirname,
  join,
  mkdir,
  open,
  openAppend,
  PROCESS_ID,
  randomHex,
  readdir,
  readFile,
  rm,
  writeNow,
} from "../runtime/index.js";
import { MoleculeError, requireFileSystem } from "../transport/index.js";
import type { CursorState, CursorStore } from "../inbound/index.js";
import { atomicWrite, fsReason, MoleculeStoreError, unknownFormatError } from "./cursor-store.js";
import { parseSidecar, type Sidecar } from "./sidecar.js";
import { applyRecord, diffState, JournalError, readJournal } from "./state-journal.js";
import type { StateLock } from "./state-lock.js";
import { fenced, type HeldLease } from "./held-lease.js";

/** The journal is folded into a new sidecar once it is larger than this... */
const COMPACT_MIN_BYTES = 1 << 20;
/** ...and than this many times the sidecar. */
const COMPACT_FACTOR = 4;
/** How long after a save its journal line is synced to the disk (and the cursor file rewritten). */
const SYNC_AFTER_MS = 1_000;

/** Options of {@link FileCursorStore}. */
export interface FileCursorStoreOptions {
  /**
   * Sync every save to the disk before it resolves, so that a power loss or an operating-system
   * crash loses no save either (a disk sync per save: milliseconds each, on the message's path).
   * Default `false`: a save is written to the file (a killed process loses nothing) and synced
   * within a second (see {@link FileCursorStore}).
   */
  syncEverySave?: boolean;
  /**
   * The lease the state folder is held under (`takeStateLock`'s lock; the agent's default store
   * sets it): each write asks it first, and is refused with `store_in_use` once it is lost, so a
   * process paused past its lease writes nothing over what the agent that took the folder wrote.
   */
  lease?: Pick<StateLock, "proven"> | undefined;
}

/** Whether `name` is a journal of the store whose cursor file is named `base`. */
function isJournalOf(base: string, name: string): boolean {
  const prefix = `${base}.state.`;
  return name.startsWith(prefix) && /^[0-9a-f]+\.log$/.test(name.slice(prefix.length));
}

/**
 * Stores the cursor in a file compatible with the Python reference SDK's `--cursor-file` (the
 * plain last activity id, no newline) and the rest of the state in a JSON sidecar next to it
 * (`<path>.state.json`), the version-1 format every release reads. A cursor file written by the
 * reference SDK is read as the starting cursor.
 *
 * A save appends one line to a journal beside the sidecar (`<path>.state.<id>.log`, named by the
 * sidecar): what changed since the previous save, a few hundred bytes, written before the save
 * resolves. A process that dies (kill -9, a crash, out of memory) loses nothing: what was written is
 * in the file. The journal is synced to the disk within a second of a save, and the plain cursor
 * file rewritten then (it trails the journal by that second). So a power loss or an
 * operating-system crash can lose the saves of that last second: messages settled in it are handed
 * to a handler again after the restart (without `redelivered`), answers queued in it are sent again
 * under the same id, and the cursor is never past a message whose settlement was lost. Pass
 * `syncEverySave: true` to sync each save before it resolves instead.
 *
 * The first save of a store object, and every save once the journal outgrows the sidecar, writes
 * the whole state as a new sidecar naming a new, empty journal (temp file, sync, rename, sync of the
 * folder), then the cursor file, then removes the old journal; `load` reads the sidecar and applies
 * its journal. The sidecar remembers the cursor file's previous content and the journal each value
 * it gave the cursor file, so `load` can tell a cursor file of its own (the journal wins) from one
 * rewritten by another tool (the cursor file wins, the de-dup window is kept).
 */
export class FileCursorStore implements CursorStore {
  /** Path of the cursor file (the reference-compatible plain cursor). */
  readonly path: string;
  /** Path of the JSON sidecar holding the de-dup window and the in-flight journal. */
  readonly statePath: string;
  readonly #syncEverySave: boolean;
  readonly #lease: HeldLease | undefined;
  /** The cursor file's content as this store last read or wrote it. */
  #fileCursor: string | undefined;
  /** The state as last saved, which the next save is compared with (none: it writes it whole). */
  #base: CursorState | undefined;
  /** The file name of the journal the sidecar names. */
  #journal = "";
  /** The journal, open for appending while saves come (closed by the sync after they stop). */
  #fd: number | undefined;
  #journalBytes = 0;
  #sidecarBytes = 0;
  /** Saves, one at a time. */
  #chain: Promise<void> = Promise.resolve();
  #compacting = false;
  #syncTimer: ReturnType<typeof setTimeout> | undefined;
  #syncing: Promise<void> | undefined;
  /** Saved since the last sync. */
  #dirty = false;
  /** A background sync failed: the next save writes the whole state (and fails if it cannot). */
  #syncError: unknown;

  /** @param path the cursor file; the sidecar is `<path>.state.json` */
  constructor(path: string, options: FileCursorStoreOptions = {}) {
    requireFileSystem("FileCursorStore", "use memoryStore() or a shared store (e.g. PostgreSQL)");
    if (typeof path !== "string" || path.trim() === "") {
      throw new MoleculeError(
        "FileCursorStore needs a file path, e.g. new FileCursorStore('./cursor').",
        { code: "invalid_argument" },
      );
    }
    this.path = path;
    this.statePath = `${path}.state.json`;
    this.#syncEverySave = options.syncEverySave === true;
    this.#lease = options.lease;
  }

  /**
   * Loads the state: the sidecar, its journal applied, reconciled with the cursor file. A file that
   * exists but cannot be read, a sidecar that is not a complete JSON object (truncated, corrupted)
   * or a journal with a corrupted line before its end throws a `store_unreadable`
   * {@link MoleculeStoreError}: the state may hold unsent answers and delivery counts, so it is
   * never silently replaced by the plain cursor. A last journal line the process or the machine did
   * not finish writing is left out.
   */
  async load(): Promise<CursorState | undefined> {
    for (let attempt = 0; ; attempt++) {
      const cursorText = await this.#read(this.path);
      const cursor = cursorText === undefined ? undefined : cursorText.trim() || undefined;
      const sidecarText = await this.#read(this.statePath);
      if (sidecarText === undefined) {
        this.#fileCursor = cursor;
        return cursor === undefined ? undefined : { cursor };
      }
      let raw: unknown;
      try {
        raw = JSON.parse(sidecarText);
      } catch (err) {
        throw this.#unreadable(`is not valid JSON (${fsReason(err)}): truncated or corrupted`, err);
      }
      if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
        throw this.#unreadable("does not hold a JSON object");
      }
      const fields = raw as Record<string, unknown>;
      // A format from a newer SDK (a rollback): refused, never read as this one and overwritten.
      if (fields.version !== undefined && fields.version !== 1) {
        throw unknownFormatError(this.statePath, "the agent's state file", fields.version, "1");
      }
      const ours = new Set<string | undefined>([fileValue(fields.cursor)]);
      const journal = fields.journal;
      delete fields.journal;
      if (journal !== undefined) {
        if (typeof journal !== "string" || !isJournalOf(basename(this.path), journal)) {
          throw this.#unreadable("names a journal that is not one of its own");
        }
        const text = await this.#read(join(dirname(this.path), journal));
        // A reader beside a writer: the journal was folded into a newer sidecar meanwhile.
        if (
          text === undefined &&
          attempt < 3 &&
          (await this.#read(this.statePath)) !== sidecarText
        ) {
          continue;
        }
        try {
          for (const line of readJournal(text ?? "")) {
            const wrote = applyRecord(fields, line);
            if (wrote !== undefined) ours.add(wrote.file ?? undefined);
          }
        } catch (err) {
          if (!(err instanceof JournalError)) throw err;
          throw this.#unreadable(`has a corrupted journal ${journal} (${err.message})`, err);
        }
      }
      const sidecar = parseSidecar(fields);
      if (!sidecar) throw this.#unreadable("does not hold a JSON object");
      return this.#reconcile(cursor, sidecar, ours);
    }
  }

  /**
   * The state, with the cursor file's cursor when another tool wrote it (not one of `ours`, the
   * values this store gave it, nor its content before the last sidecar: a crash between the two).
   */
  #reconcile(cursor: string | undefined, sidecar: Sidecar, ours: Set<string | undefined>) {
    this.#fileCursor = cursor;
    const { version: _v, previousCursor, ...state } = sidecar;
    if (state.cursor === cursor || cursor === previousCursor || ours.has(cursor)) return state;
    // The cursor file was written by someone else (e.g. the reference SDK): trust it.
    const merged: CursorState = { ...state };
    delete merged.cursorAt; // the time belonged to the sidecar's cursor, not this one
    if (cursor === undefined) delete merged.cursor;
    else merged.cursor = cursor;
    return merged;
  }

  /**
   * Saves `state` (kept by reference: callers pass a fresh snapshot whose unchanged lists keep
   * their items): one journal line, or a new sidecar (see the class comment). Resolves once it is
   * written. A failure (disk full, read-only folder) throws a `store_unwritable`
   * {@link MoleculeStoreError}; what was saved before stays as it was.
   */
  save(state: CursorState): Promise<void> {
    const p = this.#chain.then(async () => await this.#save(state));
    this.#chain = p.catch(() => undefined);
    return p;
  }

  async #save(state: CursorState): Promise<void> {
    await fenced(this.#lease, this.statePath);
    let file = this.statePath;
    try {
      const base = this.#base;
      if (
        base === undefined ||
        this.#syncError !== undefined ||
        this.#journalBytes > Math.max(COMPACT_MIN_BYTES, COMPACT_FACTOR * this.#sidecarBytes)
      ) {
        this.#base = undefined; // until the new sidecar is written
        await this.#compact(state, (f) => (file = f));
        return;
      }
      const rec = diffState(base as Record<string, unknown>, state as Record<string, unknown>);
      if (rec === undefined) return;
      file = join(dirname(this.path), this.#journal);
      this.#base = undefined; // a failed append leaves a line the next sidecar supersedes
      const fd = this.#append(file, `${JSON.stringify(rec)}\n`);
      this.#base = state;
      if (this.#syncEverySave) await datasyncFd(fd);
      this.#scheduleSync();
    } catch (err) {
      throw new MoleculeStoreError(
        "store_unwritable",
        `cannot write the agent's state file ${file} (${fsReason(err)}). The agent takes no new messages until it can save again; free disk space or make ${dirname(file)} writable.`,
        { path: file, cause: err },
      );
    }
  }

  /** Appends `line` to the journal `file` (opened on first use); returns its descriptor. */
  #append(file: string, line: string): number {
    const fd = (this.#fd ??= openAppend(file));
    writeNow(fd, line);
    this.#journalBytes += line.length;
    return fd;
  }

  /** Closes the journal's descriptor (the next append opens it again). */
  #close(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) closeNow(fd);
  }

  /** Writes `state` as a new sidecar with an empty journal, then the cursor file. */
  async #compact(state: CursorState, writing: (file: string) => void): Promise<void> {
    this.#compacting = true;
    try {
      await this.#syncing; // it may be writing the cursor file
      clearTimeout(this.#syncTimer);
      this.#syncTimer = undefined;
      this.#dirty = false;
      const dir = dirname(this.path);
      await mkdir(dir, { recursive: true });
      const journal = `${basename(this.path)}.state.${randomHex(6)}.log`;
      const sidecar: Sidecar & { journal: string } = { version: 1, ...state, journal };
      if (this.#fileCursor !== undefined) sidecar.previousCursor = this.#fileCursor;
      const text = JSON.stringify(sidecar);
      await atomicWrite(this.statePath, text);
      this.#close();
      this.#journal = journal;
      this.#journalBytes = 0;
      this.#sidecarBytes = text.length;
      this.#syncError = undefined;
      writing(this.path);
      await this.#writeCursorFile(state.cursor);
      this.#base = state;
      writing(dir);
      await this.#removeOldJournals(dir);
    } finally {
      this.#compacting = false;
    }
  }

  /** Sets the cursor file to `cursor` (removed when undefined), atomically. */
  async #writeCursorFile(cursor: string | undefined): Promise<void> {
    if (cursor === this.#fileCursor) return;
    if (cursor === undefined) await rm(this.path, { force: true });
    else await atomicWrite(this.path, cursor);
    this.#fileCursor = cursor;
  }

  /** Removes the journals the sidecar no longer names (the previous one, and any a crash left). */
  async #removeOldJournals(dir: string): Promise<void> {
    const base = basename(this.path);
    for (const name of await readdir(dir)) {
      if (name !== this.#journal && isJournalOf(base, name))
        await rm(join(dir, name), { force: true });
    }
  }

  /** Syncs the journal within {@link SYNC_AFTER_MS}. */
  #scheduleSync(): void {
    this.#dirty = true;
    if (this.#syncTimer !== undefined || this.#syncing !== undefined) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined;
      void this.#sync();
    }, SYNC_AFTER_MS);
    this.#syncTimer.unref?.();
  }

  /**
   * Syncs the journal to the disk, then sets the cursor file to the cursor of the last save synced
   * (recorded in the journal first, so `load` knows the value for its own). A failure is kept: the
   * next save writes the whole state again, and fails if it cannot.
   */
  #sync(): Promise<void> {
    if (this.#compacting || this.#syncing !== undefined) return this.#syncing ?? Promise.resolve();
    this.#dirty = false;
    const file = join(dirname(this.path), this.#journal);
    const cursor = this.#base?.cursor; // synced with the lines written so far
    const run = async (): Promise<void> => {
      try {
        if (this.#lease && !(await this.#lease.proven())) return this.#close(); // lost: not ours
        const fd = (this.#fd ??= openAppend(file));
        await datasyncFd(fd);
        if (cursor !== this.#fileCursor) {
          this.#append(file, `${JSON.stringify({ f: cursor ?? null })}\n`);
          await this.#writeCursorFile(cursor);
        }
        if (!this.#dirty) this.#close(); // saves stopped: no descriptor stays open
      } catch (err) {
        this.#syncError ??= err;
        this.#close();
      }
    };
    const syncing = run().finally(() => {
      this.#syncing = undefined;
      if (this.#dirty) this.#scheduleSync();
    });
    this.#syncing = syncing;
    return syncing;
  }

  /**
   * Syncs what was saved to the disk and brings the cursor file up to date (the agent calls it when
   * it stops). Throws a `store_unwritable` {@link MoleculeStoreError} when the disk refuses.
   */
  async flush(): Promise<void> {
    await this.#chain;
    await this.#syncing;
    clearTimeout(this.#syncTimer);
    this.#syncTimer = undefined;
    if (this.#base !== undefined && (this.#dirty || this.#base.cursor !== this.#fileCursor)) {
      await this.#sync();
    }
    const err = this.#syncError;
    if (err === undefined) return;
    throw new MoleculeStoreError(
      "store_unwritable",
      `cannot sync the agent's state file ${this.statePath} to the disk (${fsReason(err)}); it is written whole at the next save. Check the disk.`,
      { path: this.statePath, cause: err },
    );
  }

  /**
   * Checks that the state loads and that the folder takes a new file (created, synced and removed;
   * the state files are not touched): a read-only or full folder fails here, at `start()`.
   */
  async check(): Promise<void> {
    await this.load();
    const dir = dirname(this.path);
    const probe = join(dir, `.${basename(this.path)}.${PROCESS_ID}.check.tmp`);
    try {
      await mkdir(dir, { recursive: true });
      const fh = await open(probe, "w", 0o600);
      try {
        await fh.writeFile("check", "utf8");
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rm(probe, { force: true });
    } catch (err) {
      await rm(probe, { force: true }).catch(() => undefined);
      throw new MoleculeStoreError(
        "store_unwritable",
        `the agent's store folder ${dir} cannot be written (${fsReason(err)}): the agent would run without saving its cursor, de-duplication and unsent answers. Make the folder writable (or free disk space), or pick another path for fileStore().`,
        { path: dir, cause: err },
      );
    }
  }

  async #read(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new MoleculeStoreError(
        "store_unreadable",
        `cannot read the agent's state file ${path} (${fsReason(err)}). Fix its permissions (or the disk), then start again.`,
        { path, cause: err },
      );
    }
  }

  #unreadable(what: string, cause?: unknown): MoleculeStoreError {
    return new MoleculeStoreError(
      "store_unreadable",
      `the agent's state file ${this.statePath} ${what}. It may hold answers not sent yet and delivery counts, so the agent does not start without it. Restore it from a backup, or move it aside to start from the cursor file ${this.path} alone (answers queued in it are then lost, and messages in flight are not marked redelivered).`,
      { path: this.statePath, cause },
    );
  }
}

/** A sidecar's `cursor` as the cursor file would hold it. */
function fileValue(cursor: unknown): string | undefined {
  return typeof cursor === "string" ? cursor : undefined;
}
