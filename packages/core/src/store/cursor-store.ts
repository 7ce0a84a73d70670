// Cursor stores: where poll delivery persists its position and its de-duplication window.
import { type AnswerTask, isAnswerFailure } from "../a2a/index.js";
import {
  basename,
  dirname,
  join,
  mkdir,
  open,
  PROCESS_ID,
  randomHex,
  readFile,
  rename,
  rm,
} from "../runtime/index.js";
import { MoleculeError, requireFileSystem } from "../transport/index.js";
import type { CursorState, CursorStore, InFlightEntry, OutboxRecord } from "../inbound/index.js";

/** What went wrong with an agent's store (see {@link MoleculeStoreError}). */
export type StoreErrorCode =
  | "store_unreadable"
  | "store_unwritable"
  | "store_stopped"
  | "store_in_use";

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
 *   default store's lock): two agents on one workspace would each handle every message.
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

/** `err`'s errno code and message, as a sentence part. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return code ? `${code}: ${message}` : message;
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

interface Sidecar extends CursorState {
  version: 1;
  /** The cursor file's content before the save that wrote this sidecar (crash detection). */
  previousCursor?: string;
}

/**
 * Stores the cursor in a file compatible with the Python reference SDK's `--cursor-file` (the
 * plain last activity id, no newline) and the rest of the state in a JSON sidecar next to it
 * (`<path>.state.json`). Both are written atomically (temp file, fsync, rename, fsync of the
 * directory). A cursor file written by the reference SDK is read as the starting cursor.
 *
 * Save order is sidecar first, then the cursor file; the sidecar remembers the cursor file's
 * previous content, so `load` can tell a crash between the two writes (the sidecar wins) from a
 * cursor file rewritten by another tool (the cursor file wins, the de-dup window is kept).
 */
export class FileCursorStore implements CursorStore {
  /** Path of the cursor file (the reference-compatible plain cursor). */
  readonly path: string;
  /** Path of the JSON sidecar holding the de-dup window and the in-flight journal. */
  readonly statePath: string;
  #lastCursor: string | undefined;

  /** @param path the cursor file; the sidecar is `<path>.state.json` */
  constructor(path: string) {
    requireFileSystem("FileCursorStore", "use memoryStore() or a shared store (e.g. PostgreSQL)");
    if (typeof path !== "string" || path.trim() === "") {
      throw new MoleculeError(
        "FileCursorStore needs a file path, e.g. new FileCursorStore('./cursor').",
        { code: "invalid_argument" },
      );
    }
    this.path = path;
    this.statePath = `${path}.state.json`;
  }

  /**
   * Loads the state, reconciling the cursor file with the sidecar. A file that exists but cannot
   * be read, or a sidecar that is not a complete JSON object (truncated, corrupted), throws a
   * `store_unreadable` {@link MoleculeStoreError}: the sidecar may hold unsent answers and
   * delivery counts, so it is never silently replaced by the plain cursor.
   */
  async load(): Promise<CursorState | undefined> {
    const cursorText = await this.#read(this.path);
    const cursor = cursorText === undefined ? undefined : cursorText.trim() || undefined;
    const sidecarText = await this.#read(this.statePath);
    let sidecar: Sidecar | undefined;
    if (sidecarText !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(sidecarText);
      } catch (err) {
        throw this.#unreadable(`is not valid JSON (${fsReason(err)}): truncated or corrupted`, err);
      }
      sidecar = parseSidecar(parsed);
      if (!sidecar) throw this.#unreadable("does not hold a JSON object");
    }
    this.#lastCursor = cursor;
    if (!sidecar) return cursor === undefined ? undefined : { cursor };
    const { version: _v, previousCursor, ...state } = sidecar;
    if (state.cursor === cursor) return state;
    if (cursor === previousCursor) {
      // Crash between the sidecar write and the cursor file write: the sidecar is the newer one.
      this.#lastCursor = previousCursor;
      return state;
    }
    // The cursor file was written by someone else (e.g. the reference SDK): trust it.
    const merged: CursorState = { ...state };
    delete merged.cursorAt; // the time belonged to the sidecar's cursor, not this one
    if (cursor === undefined) delete merged.cursor;
    else merged.cursor = cursor;
    return merged;
  }

  /**
   * Atomically writes the sidecar, then the cursor file. A failure (disk full, read-only folder)
   * throws a `store_unwritable` {@link MoleculeStoreError}; the files keep their previous state.
   */
  async save(state: CursorState): Promise<void> {
    let file = this.statePath;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      const sidecar: Sidecar = { version: 1, ...state };
      if (this.#lastCursor !== undefined) sidecar.previousCursor = this.#lastCursor;
      await atomicWrite(this.statePath, JSON.stringify(sidecar));
      if (state.cursor !== this.#lastCursor) {
        file = this.path;
        if (state.cursor === undefined) await rm(this.path, { force: true });
        else await atomicWrite(this.path, state.cursor);
        this.#lastCursor = state.cursor;
      }
    } catch (err) {
      throw new MoleculeStoreError(
        "store_unwritable",
        `cannot write the agent's state file ${file} (${fsReason(err)}). The agent takes no new messages until it can save again; free disk space or make ${dirname(file)} writable.`,
        { path: file, cause: err },
      );
    }
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

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : undefined;
}

function parseSidecar(value: unknown): Sidecar | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const out: Sidecar = { version: 1 };
  if (typeof v.cursor === "string") out.cursor = v.cursor;
  if (typeof v.previousCursor === "string") out.previousCursor = v.previousCursor;
  if (typeof v.cursorAt === "string") out.cursorAt = v.cursorAt;
  if (typeof v.startedAt === "string") out.startedAt = v.startedAt;
  const a = stringArray(v.seenActivityIds);
  if (a) out.seenActivityIds = a;
  const m = stringArray(v.seenMessageIds);
  if (m) out.seenMessageIds = m;
  const outbox = parseOutboxRecords(v.outbox);
  if (outbox && outbox.length > 0) out.outbox = outbox;
  if (Array.isArray(v.inFlight)) {
    out.inFlight = records(v.inFlight)
      .map((e) => {
        const entry: InFlightEntry = {};
        if (typeof e.activityId === "string") entry.activityId = e.activityId;
        if (typeof e.messageId === "string") entry.messageId = e.messageId;
        if (count(e.deliveries)) entry.deliveries = e.deliveries;
        return entry;
      })
      .filter((e) => e.activityId !== undefined || e.messageId !== undefined);
  }
  const push = records(v.pushDeliveries).filter(
    (e) => typeof e.messageId === "string" && count(e.deliveries),
  );
  if (push.length > 0) {
    out.pushDeliveries = push.map((e) => ({
      messageId: e.messageId as string,
      ...(typeof e.content === "string" ? { content: e.content } : {}),
      deliveries: e.deliveries as number,
    }));
  }
  const dead = records(v.deadLetters).filter(
    (e) => (e.delivery === "poll" || e.delivery === "push") && count(e.deliveries),
  );
  if (dead.length > 0) {
    out.deadLetters = dead.map((e) => ({
      delivery: e.delivery as "poll" | "push",
      ...(typeof e.activityId === "string" ? { activityId: e.activityId } : {}),
      ...(typeof e.messageId === "string" ? { messageId: e.messageId } : {}),
      ...(typeof e.content === "string" ? { content: e.content } : {}),
      deliveries: e.deliveries as number,
      deadAt: typeof e.deadAt === "string" ? e.deadAt : "",
    }));
  }
  return out;
}

function records(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value)
    ? value.filter((e): e is Record<string, unknown> => !!e && typeof e === "object")
    : [];
}

function count(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
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

// The persisted reply outbox (see `CursorState.outbox`): answers not sent yet.
function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads outbox records from stored JSON, dropping malformed entries. */
function parseOutboxRecords(value: unknown): OutboxRecord[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: OutboxRecord[] = [];
  for (const v of value) {
    if (!isRecord(v) || typeof v.id !== "string" || typeof v.text !== "string") continue;
    const to = isRecord(v.to) ? v.to : undefined;
    if (!to) continue;
    const source = to.source;
    if (source !== "canvas_user" && source !== "peer_agent" && source !== "unknown") continue;
    const rec: OutboxRecord = {
      id: v.id,
      text: v.text,
      to: { source, sourceId: typeof to.sourceId === "string" ? to.sourceId : null },
      queuedAt: typeof v.queuedAt === "string" ? v.queuedAt : new Date().toISOString(),
    };
    for (const k of ["activityId", "messageId", "contextId"] as const) {
      if (typeof to[k] === "string") rec.to[k] = to[k];
    }
    const task = isRecord(v.task) ? v.task : undefined;
    if (task && typeof task.id === "string" && typeof task.state === "string") {
      rec.task = { id: task.id, state: task.state as AnswerTask["state"] };
      if (typeof task.error === "number") rec.task.error = task.error;
    }
    if (isAnswerFailure(v.failure)) rec.failure = v.failure;
    out.push(rec);
  }
  return out;
}
