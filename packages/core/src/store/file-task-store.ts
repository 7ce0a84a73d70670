// The A2A task store of `fileStore`: an agent's tasks (an `input-required` question waiting for its
// answer included) and their push notification configs in a JSON file next to the cursor, so they
// survive a restart. The tasks are the
// bounded in-memory store's (the least recently used dropped first), read once from the file and
// written back whole, atomically (temp file, fsync, rename), after each change. Every task keeps
// the workspace it was saved for. A file that cannot be read or parsed is a `store_unreadable`
// error on every call (never replaced by an empty store); a failed write is `store_unwritable`.
import { dirname, mkdir, readFile } from "../runtime/index.js";
import { requireFileSystem } from "../transport/index.js";
import { MemoryTaskStore } from "../a2a/index.js";
import type { A2ATask, A2ATaskStore, TaskCancelResult } from "../a2a/index.js";
import type { TaskListPage, TaskListQuery, TaskPushConfig } from "../a2a/index.js";
import { atomicWrite, fsReason, MoleculeStoreError } from "./cursor-store.js";

/** Tasks a file task store keeps (the least recently used are dropped first). */
const FILE_TASKS_KEPT = 1_000;

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

/** See the file comment. */
export class FileTaskStore implements A2ATaskStore {
  /** The JSON file holding the tasks. */
  readonly path: string;
  readonly #max: number;
  #tasks: Promise<MemoryTaskStore> | undefined;
  /** The last write, and the one queued behind it (which writes the newest state). */
  #chain: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;

  /** @param path the tasks file; @param max tasks kept (default {@link FILE_TASKS_KEPT}) */
  constructor(path: string, max = FILE_TASKS_KEPT) {
    requireFileSystem("FileTaskStore", "use memoryStore() or a shared store (e.g. PostgreSQL)");
    this.path = path;
    this.#max = max;
  }

  async get(taskId: string, workspaceId: string): Promise<A2ATask | undefined> {
    return (await this.#load()).get(taskId, workspaceId);
  }

  async save(task: A2ATask, workspaceId: string): Promise<void> {
    const tasks = await this.#load();
    tasks.save(task, workspaceId);
    await this.#write(tasks);
  }

  async cancel(taskId: string, workspaceId: string): Promise<TaskCancelResult> {
    const tasks = await this.#load();
    const result = tasks.cancel(taskId, workspaceId);
    if (result.status === "canceled") await this.#write(tasks);
    return result;
  }

  /** Reads the file (once): a `store_unreadable` error when it cannot be read or parsed. */
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
    await this.#write(tasks);
    return true;
  }

  async pushConfigs(taskId: string, workspaceId: string): Promise<TaskPushConfig[]> {
    return (await this.#load()).pushConfigs(taskId, workspaceId);
  }

  async deletePushConfig(taskId: string, workspaceId: string, configId: string): Promise<void> {
    const tasks = await this.#load();
    const before = tasks.pushConfigs(taskId, workspaceId).length;
    tasks.deletePushConfig(taskId, workspaceId, configId);
    if (tasks.pushConfigs(taskId, workspaceId).length !== before) await this.#write(tasks);
  }

  /** The tasks, read from the file on first use (a failed read is retried by the next call). */
  #load(): Promise<MemoryTaskStore> {
    this.#tasks ??= this.#read().catch((err: unknown) => {
      this.#tasks = undefined;
      throw err;
    });
    return this.#tasks;
  }

  async #read(): Promise<MemoryTaskStore> {
    const tasks = new MemoryTaskStore(this.#max);
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return tasks;
      throw new MoleculeStoreError(
        "store_unreadable",
        `cannot read the agent's A2A task file ${this.path} (${fsReason(err)}). Fix its permissions (or the disk); its tasks cannot be read, continued or canceled until then.`,
        { path: this.path, cause: err },
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw this.#unreadable(`is not valid JSON (${fsReason(err)}): truncated or corrupted`, err);
    }
    if (!isRecord(parsed) || parsed.version !== 1 || !Array.isArray(parsed.tasks)) {
      throw this.#unreadable("does not hold a version 1 task list");
    }
    const entries: Entry[] = [];
    for (const v of parsed.tasks) {
      const entry = entryOf(v);
      if (entry === undefined) throw this.#unreadable("holds an entry that is not a stored task");
      entries.push(entry);
    }
    tasks.restore(entries);
    return tasks;
  }

  /** Writes the tasks after the write in progress, once for every change queued meanwhile. */
  #write(tasks: MemoryTaskStore): Promise<void> {
    if (this.#queued !== undefined) return this.#queued;
    const next = this.#chain
      .catch(() => undefined)
      .then(async () => {
        this.#queued = undefined;
        await this.#persist(tasks);
      });
    this.#queued = next;
    this.#chain = next;
    return next;
  }

  async #persist(tasks: MemoryTaskStore): Promise<void> {
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await atomicWrite(this.path, JSON.stringify({ version: 1, tasks: tasks.entries() }));
    } catch (err) {
      throw new MoleculeStoreError(
        "store_unwritable",
        `cannot write the agent's A2A task file ${this.path} (${fsReason(err)}): the task's new state is not saved and would be lost on a restart. Free disk space or make ${dirname(this.path)} writable.`,
        { path: this.path, cause: err },
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
