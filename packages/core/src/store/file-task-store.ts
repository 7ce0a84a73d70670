// The A2A task store of `fileStore`: an agent's tasks (an `input-required` question waiting for its
// answer included) and their push notification configs in files next to the cursor, so they
// survive a restart. The tasks are the bounded in-memory store's (the least recently changed
// dropped first). The files are kept as the state file is (state-journal.ts): a snapshot, and a
// journal beside it where each change appends one line holding only what changed (the task saved
// or canceled, the webhooks of one task, the tasks dropped), so a change costs the size of its task,
// never of the whole store. Every task keeps the workspace it was saved for. A file that cannot be
// read or parsed is a `store_unreadable` error on every call (never replaced by an empty store); a
// failed write is `store_unwritable`.
//
// The snapshot (`path`) is JSON lines: `{"version":2,"journal":"<file>"}`, then one stored entry a
// line (written and read a line at a time: no single string holds the store). Journal lines are
// `JournalRecord`s over the keys `t:<taskId>` (the entry: task, workspace, change order) and
// `p:<taskId>` (its webhooks). A version-1 file (one JSON object) is read, and replaced by a
// snapshot at the first change.
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
  rename,
  rm,
  writeNow,
} from "../runtime/index.js";
import { requireFileSystem } from "../transport/index.js";
import { MemoryTaskStore } from "../a2a/index.js";
import type { A2ATask, A2ATaskStore, TaskCancelResult } from "../a2a/index.js";
import type { TaskListPage, TaskListQuery, TaskPushConfig } from "../a2a/index.js";
import { fsReason, MoleculeStoreError, unknownFormatError } from "./cursor-store.js";
import { applyRecord, JournalError, type JournalRecord } from "./state-journal.js";
import { fenced, type HeldLease } from "./held-lease.js";

/** Tasks a file task store keeps (the least recently changed are dropped first). */
const FILE_TASKS_KEPT = 1_000;
/** The journal is folded into a new snapshot once it is larger than this and than the snapshot. */
const COMPACT_MIN_BYTES = 1 << 20;
/** How long after a change its journal line is synced to the disk. */
const SYNC_AFTER_MS = 1_000;

type Entry = ReturnType<MemoryTaskStore["entries"]>[number];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A stored push notification config, or undefined when it is not one. */
function pushConfigOf(v: unknown): TaskPushConfig | undefined {
  if (!isRecord(v) || typeof v.id !== "string" || typeof v.url !== "string") return;
  if (v.version !== "0.3" && v.version !== "1.0") return;
  return v as unknown as TaskPushConfig;
}

/** One stored entry, or undefined when it is not one. */
function entryOf(v: unknown): Entry | undefined {
  if (!isRecord(v) || typeof v.workspaceId !== "string" || typeof v.seq !== "number") return;
  const t = v.task;
  if (!isRecord(t) || t.kind !== "task" || typeof t.id !== "string" || t.id === "") return;
  if (typeof t.contextId !== "string" || !isRecord(t.status)) return;
  if (typeof t.status.state !== "string") return;
  const entry: Entry = { task: t as unknown as A2ATask, workspaceId: v.workspaceId, seq: v.seq };
  if (v.push !== undefined) {
    const push = Array.isArray(v.push) ? v.push.map(pushConfigOf) : [undefined];
    if (push.some((c) => c === undefined)) return;
    entry.push = push as TaskPushConfig[];
  }
  return entry;
}

/** The lines of `buf` (a torn last line, without its newline, is left out when `tornTail`). */
function* linesOf(buf: Uint8Array, tornTail: boolean): Generator<string> {
  const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let from = 0;
  while (from < text.length) {
    let end = text.indexOf(10, from);
    if (end === -1) {
      if (tornTail) return;
      end = text.length;
    }
    if (end > from) yield text.toString("utf8", from, end);
    from = end + 1;
  }
}

/** Whether `name` is a journal of the snapshot named `base`. */
function isJournalOf(base: string, name: string): boolean {
  return name.startsWith(`${base}.`) && /^[0-9a-f]+\.log$/.test(name.slice(base.length + 1));
}

/** See the file comment. */
export class FileTaskStore implements A2ATaskStore {
  /** The snapshot file (its journal is beside it). */
  readonly path: string;
  readonly #max: number;
  #tasks: Promise<MemoryTaskStore> | undefined;
  /** Tasks dropped by the last change (recorded in its line). */
  #evicted: string[] = [];
  /** The journal's file name, once there is a snapshot naming one (else the next write makes it). */
  #journal: string | undefined;
  #journalBytes = 0;
  #snapshotBytes = 0;
  #fd: number | undefined;
  /** A write failed: the next one writes a new snapshot. */
  #broken = false;
  /** Writes, one at a time. */
  #chain: Promise<void> = Promise.resolve();
  #syncTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #lease: HeldLease | undefined;

  /**
   * @param path the snapshot file; @param max tasks kept (default {@link FILE_TASKS_KEPT});
   * @param lease what each write asks first (see `FileCursorStoreOptions.lease`)
   */
  constructor(path: string, max = FILE_TASKS_KEPT, lease?: HeldLease) {
    requireFileSystem("FileTaskStore", "use memoryStore() or a shared store (e.g. PostgreSQL)");
    this.path = path;
    this.#max = max;
    this.#lease = lease;
  }

  async get(taskId: string, workspaceId: string): Promise<A2ATask | undefined> {
    return (await this.#load()).get(taskId, workspaceId);
  }

  async save(task: A2ATask, workspaceId: string): Promise<void> {
    const tasks = await this.#load();
    tasks.save(task, workspaceId);
    const entry = tasks.entry(task.id);
    if (entry?.task === task && entry.workspaceId === workspaceId) {
      await this.#record({ s: { [`t:${task.id}`]: stored(entry) } });
    } else if (this.#evicted.length > 0) {
      await this.#record({});
    }
  }

  async cancel(taskId: string, workspaceId: string): Promise<TaskCancelResult> {
    const tasks = await this.#load();
    const result = tasks.cancel(taskId, workspaceId);
    if (result.status === "canceled") {
      await this.#record({ s: { [`t:${taskId}`]: stored(tasks.entry(taskId)!) } });
    }
    return result;
  }

  /** Reads the files (once): a `store_unreadable` error when they cannot be read or parsed. */
  async check(): Promise<void> {
    await this.#load();
  }

  async list(workspaceId: string, query: TaskListQuery): Promise<TaskListPage> {
    return (await this.#load()).list(workspaceId, query);
  }

  async savePushConfig(
    taskId: string,
    workspaceId: string,
    config: TaskPushConfig,
  ): Promise<boolean> {
    const tasks = await this.#load();
    if (!tasks.savePushConfig(taskId, workspaceId, config)) return false;
    await this.#record({ s: { [`p:${taskId}`]: tasks.entry(taskId)!.push } });
    return true;
  }

  async pushConfigs(taskId: string, workspaceId: string): Promise<TaskPushConfig[]> {
    return (await this.#load()).pushConfigs(taskId, workspaceId);
  }

  async deletePushConfig(taskId: string, workspaceId: string, configId: string): Promise<void> {
    const tasks = await this.#load();
    const before = tasks.pushConfigs(taskId, workspaceId).length;
    tasks.deletePushConfig(taskId, workspaceId, configId);
    if (tasks.pushConfigs(taskId, workspaceId).length === before) return;
    const push = tasks.entry(taskId)?.push;
    await this.#record(
      push === undefined ? { d: [`p:${taskId}`] } : { s: { [`p:${taskId}`]: push } },
    );
  }

  /**
   * Syncs the journal to the disk and closes it (the next change opens it again). Throws a
   * `store_unwritable` {@link MoleculeStoreError} when the disk refuses.
   */
  async flush(): Promise<void> {
    clearTimeout(this.#syncTimer);
    this.#syncTimer = undefined;
    await this.#chain;
    await this.#sync();
  }

  /** The tasks, read from the files on first use (a failed read is retried by the next call). */
  #load(): Promise<MemoryTaskStore> {
    this.#tasks ??= this.#read().catch((err: unknown) => {
      this.#tasks = undefined;
      throw err;
    });
    return this.#tasks;
  }

  async #read(): Promise<MemoryTaskStore> {
    const tasks = new MemoryTaskStore(this.#max, (id) => this.#evicted.push(id));
    const snapshot = await this.#readFile(this.path);
    if (snapshot === undefined) return tasks;
    const state: Record<string, unknown> = {};
    let journal: string | undefined;
    let first = true;
    let v1: unknown[] | undefined;
    try {
      for (const line of linesOf(snapshot, false)) {
        const v: unknown = JSON.parse(line);
        if (first) {
          first = false;
          if (isRecord(v) && v.version === 1 && Array.isArray(v.tasks)) {
            v1 = v.tasks;
            break;
          }
          if (isRecord(v) && typeof v.version === "number" && v.version > 2) {
            throw unknownFormatError(this.path, "the agent's A2A task file", v.version, "1 or 2");
          }
          if (!isRecord(v) || v.version !== 2 || typeof v.journal !== "string") {
            throw this.#unreadable("does not hold a version 1 or 2 task list");
          }
          if (!isJournalOf(basename(this.path), v.journal)) {
            throw this.#unreadable("names a journal that is not one of its own");
          }
          journal = v.journal;
          continue;
        }
        const entry = entryOf(v);
        if (entry === undefined) throw this.#unreadable("holds an entry that is not a stored task");
        put(state, entry);
      }
    } catch (err) {
      if (err instanceof MoleculeStoreError) throw err;
      throw this.#unreadable(`is not valid JSON (${fsReason(err)}): truncated or corrupted`, err);
    }
    if (first) throw this.#unreadable("is empty: truncated");
    for (const v of v1 ?? []) {
      const entry = entryOf(v);
      if (entry === undefined) throw this.#unreadable("holds an entry that is not a stored task");
      put(state, entry);
    }
    if (journal !== undefined) {
      const file = join(dirname(this.path), journal);
      const text = (await this.#readFile(file)) ?? new Uint8Array();
      try {
        const lines = [...linesOf(text, true)];
        for (const [i, line] of lines.entries()) {
          let rec: unknown;
          try {
            rec = JSON.parse(line);
          } catch {
            if (i === lines.length - 1) break; // a torn last line: a write not finished
            throw new JournalError(`line ${i + 1} is not valid JSON`);
          }
          applyRecord(state, rec);
        }
      } catch (err) {
        if (!(err instanceof JournalError)) throw err;
        throw this.#unreadable(`has a corrupted journal ${journal} (${err.message})`, err);
      }
      this.#journal = journal;
      this.#journalBytes = text.byteLength;
      this.#snapshotBytes = snapshot.byteLength;
    }
    const entries: Entry[] = [];
    for (const [key, v] of Object.entries(state)) {
      if (!key.startsWith("t:")) continue;
      const push = state[`p:${key.slice(2)}`];
      const entry = entryOf(push === undefined ? v : { ...(v as object), push });
      if (entry === undefined) throw this.#unreadable("holds an entry that is not a stored task");
      entries.push(entry);
    }
    tasks.restore(entries.sort((a, b) => a.seq - b.seq));
    this.#evicted = [];
    return tasks;
  }

  /**
   * Records one change (with the tasks it dropped): appended to the journal as one line, after the
   * writes before it; or, the first time, when the journal outgrew the snapshot, or after a failed
   * write, a new snapshot of every task.
   */
  #record(rec: JournalRecord): Promise<void> {
    if (this.#evicted.length > 0) {
      rec.d = [...(rec.d ?? []), ...this.#evicted.flatMap((id) => [`t:${id}`, `p:${id}`])];
      this.#evicted = [];
    }
    const line = `${JSON.stringify(rec)}\n`;
    const next = this.#chain.then(async () => {
      await fenced(this.#lease, this.path);
      let file = this.path;
      try {
        const tasks = await this.#load();
        if (
          this.#journal === undefined ||
          this.#broken ||
          this.#journalBytes > Math.max(COMPACT_MIN_BYTES, this.#snapshotBytes)
        ) {
          await this.#compact(tasks);
          return;
        }
        file = join(dirname(this.path), this.#journal);
        this.#broken = true; // until the line is written whole
        this.#fd ??= openAppend(file);
        writeNow(this.#fd, line);
        this.#broken = false;
        this.#journalBytes += Buffer.byteLength(line);
        this.#scheduleSync();
      } catch (err) {
        this.#closeJournal();
        throw new MoleculeStoreError(
          "store_unwritable",
          `cannot write the agent's A2A task file ${file} (${fsReason(err)}): the task's new state is not saved and would be lost on a restart. Free disk space or make ${dirname(this.path)} writable.`,
          { path: file, cause: err },
        );
      }
    });
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /**
   * Writes every task as a new snapshot naming a new, empty journal (temp file, sync, rename), then
   * removes the old journal. Each entry is written as its own line.
   */
  async #compact(tasks: MemoryTaskStore): Promise<void> {
    this.#broken = true;
    this.#closeJournal();
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true });
    const base = basename(this.path);
    const journal = `${base}.${randomHex(6)}.log`;
    const tmp = join(dir, `.${base}.${PROCESS_ID}.${randomHex(6)}.tmp`);
    let bytes = 0;
    const fh = await open(tmp, "w", 0o600);
    try {
      try {
        const write = async (text: string): Promise<void> => {
          bytes += Buffer.byteLength(text);
          await fh.write(text);
        };
        await write(`${JSON.stringify({ version: 2, journal })}\n`);
        for (const e of tasks.entries()) {
          await write(
            `${JSON.stringify(e.push === undefined ? stored(e) : { ...stored(e), push: e.push })}\n`,
          );
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    this.#journal = journal;
    this.#journalBytes = 0;
    this.#snapshotBytes = bytes;
    this.#broken = false;
    for (const name of await readdir(dir)) {
      if (name !== journal && isJournalOf(base, name)) await rm(join(dir, name), { force: true });
    }
  }

  /** Syncs the journal within {@link SYNC_AFTER_MS} of a change, then closes it. */
  #scheduleSync(): void {
    if (this.#syncTimer !== undefined) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined;
      this.#chain = this.#chain.then(() => this.#sync()).catch(() => undefined);
    }, SYNC_AFTER_MS);
    this.#syncTimer.unref?.();
  }

  async #sync(): Promise<void> {
    const fd = this.#fd;
    if (fd === undefined) return;
    try {
      await datasyncFd(fd);
    } catch (err) {
      this.#broken = true; // the next change writes a new snapshot
      throw new MoleculeStoreError(
        "store_unwritable",
        `cannot sync the agent's A2A task journal beside ${this.path} to the disk (${fsReason(err)}); it is written whole at the next change. Check the disk.`,
        { path: this.path, cause: err },
      );
    } finally {
      if (this.#fd === fd) this.#closeJournal();
    }
  }

  #closeJournal(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) closeNow(fd);
  }

  async #readFile(path: string): Promise<Uint8Array | undefined> {
    try {
      return (await readFile(path)) as Uint8Array;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new MoleculeStoreError(
        "store_unreadable",
        `cannot read the agent's A2A task file ${path} (${fsReason(err)}). Fix its permissions (or the disk); its tasks cannot be read, continued or canceled until then.`,
        { path, cause: err },
      );
    }
  }

  #unreadable(what: string, cause?: unknown): MoleculeStoreError {
    return new MoleculeStoreError(
      "store_unreadable",
      `the agent's A2A task file ${this.path} ${what}. Its tasks (questions waiting for an answer among them) cannot be read, so it is never replaced: restore it from a backup, or move it aside to start without them.`,
      { path: this.path, cause },
    );
  }
}

/** An entry as a journal line or snapshot line holds it (its webhooks apart). */
function stored(e: Entry): { task: A2ATask; workspaceId: string; seq: number } {
  return { task: e.task, workspaceId: e.workspaceId, seq: e.seq };
}

/** Puts a read entry into the flat state (`t:` and `p:` keys). */
function put(state: Record<string, unknown>, e: Entry): void {
  state[`t:${e.task.id}`] = stored(e);
  if (e.push !== undefined) state[`p:${e.task.id}`] = e.push;
}
