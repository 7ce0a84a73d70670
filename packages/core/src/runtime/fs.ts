// The file system of the file stores (tokens, cursors, tasks, pending approvals). Node's on Node,
// Bun and Deno; the edge build swaps in fs.web.ts, where process.ts's `hasFileSystem` is false and
// the stores refuse at construction (`module_unavailable`, transport's requireFileSystem).
// Taken with `process.getBuiltinModule`, not ESM imports: node:fs's ESM facade reads every export
// (~4 ms on a cold import), and node:os loads on first use. Node's callback API, not `fs.promises`:
// that module loads readline, the REPL's history, the directory and watcher modules with it (+1.2
// MiB of an idle agent's RSS against the callback API, issue 88), none of which the stores use.
import type * as NodeFs from "node:fs";
import type * as NodeFsPromises from "node:fs/promises";

const fs = process.getBuiltinModule("node:fs");
const path = process.getBuiltinModule("node:path");

type Promises = typeof NodeFsPromises;
/** `fn`, whose last argument is a Node callback `(err, value)`, as a promise of the value. */
function call<T>(fn: (...args: never[]) => void, args: unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) =>
    (fn as (...a: unknown[]) => void)(...args, (err: Error | null, value: T) =>
      err ? reject(err) : resolve(value),
    ),
  );
}
/** `fs[name]` (the callback API) with `fs.promises[name]`'s signature. */
function promised<K extends keyof Promises>(name: K, fn: unknown = fs[name as keyof typeof fs]) {
  return ((...args: unknown[]) => call(fn as (...a: never[]) => void, args)) as Promises[K];
}

export const chmod = promised("chmod");
export const link = promised("link");
const mkdirOnce = promised("mkdir");
export const readdir = promised("readdir");
export const readFile = promised("readFile");
// fs.promises.realpath is the native one (realpath(3)), not fs.realpath's walk in JavaScript.
export const realpath = promised("realpath", fs.realpath.native);
export const rename = promised("rename");
export const rm = promised("rm");
export const stat = promised("stat");
export const unlink = promised("unlink");
export const writeFile = promised("writeFile");

/**
 * `fs.promises.mkdir`, whose failure names the real cause. Where a recursive mkdir cannot create a
 * folder, Node may report ENOENT for the folder asked (a read-only file system does), whatever
 * stopped it; this one reports the error of creating the first missing folder in its nearest
 * existing parent, and names that parent: EROFS (a read-only file system), EACCES (no write
 * permission), ENOTDIR (a file in the way), ENOSPC.
 */
export async function mkdir(
  dir: string,
  options?: { recursive?: boolean; mode?: number },
): Promise<string | undefined> {
  try {
    return await mkdirOnce(dir, options);
  } catch (err) {
    if (!options?.recursive || (err as NodeJS.ErrnoException).code === "EEXIST") throw err;
    const cause = await nearestCause(path.resolve(dir), options.mode);
    if (cause === undefined) return await mkdirOnce(dir, options); // created meanwhile: once more
    throw cause;
  }
}

/**
 * Why `dir` cannot be created: the error of creating the first missing folder on its path (with
 * its nearest existing parent added to the message); `undefined` when that folder could be made.
 */
async function nearestCause(dir: string, mode: number | undefined): Promise<Error | undefined> {
  for (let child = dir, parent = path.dirname(dir); parent !== child;) {
    const found = await stat(parent).then(
      () => undefined,
      (err: NodeJS.ErrnoException) => err,
    );
    if (found?.code === "ENOENT") {
      [child, parent] = [parent, path.dirname(parent)];
      continue;
    }
    if (found) return found; // EACCES on the way, a file in the way (ENOTDIR)
    try {
      await mkdirOnce(child, { mode });
      return undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return undefined;
      (err as Error).message += ` (the nearest existing folder: ${parent})`;
      return err as Error;
    }
  }
  return undefined;
}

/** What core does with an open file (a `fs.promises` FileHandle's methods of those names). */
export interface FileHandle {
  /** Writes `text` at the file's position (one write). */
  write(text: string): Promise<void>;
  /** Writes all of `text` at byte `position` (pwrite(2): the file's position is not moved). */
  writeAt(text: string, position: number): Promise<void>;
  /** Writes all of `data` at the file's position. */
  writeFile(data: string | Uint8Array, encoding?: BufferEncoding): Promise<void>;
  /** Reads the rest of the file. */
  readFile(): Promise<Buffer>;
  stat(): Promise<NodeFs.Stats>;
  /** fsync(2). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** Opens `file` (`flags` and `mode` as fs.open's). */
export async function open(file: string, flags: string, mode?: number): Promise<FileHandle> {
  const fd = await call<number>(fs.open, [file, flags, mode]);
  return {
    write: (text) => call(fs.write, [fd, text]),
    writeAt: async (text, position) => {
      const bytes = Buffer.from(text, "utf8");
      let done = 0;
      while (done < bytes.length) {
        done += await call<number>(fs.write, [
          fd,
          bytes,
          done,
          bytes.length - done,
          position + done,
        ]);
      }
    },
    writeFile: (data, encoding) => call(fs.writeFile, [fd, data, encoding ?? null]),
    readFile: () => call(fs.readFile, [fd]),
    stat: () => call(fs.fstat, [fd]),
    sync: () => call(fs.fsync, [fd]),
    close: () => call(fs.close, [fd]),
  };
}

/** The user's home folder. */
export const homedir = (): string => process.getBuiltinModule("node:os").homedir();

export const { basename, dirname, join, resolve, sep } = path;

/**
 * Opens `path` for appending (created with mode 0600), on the calling thread; see {@link writeNow}.
 * Returns its file descriptor.
 */
export function openAppend(path: string): number {
  return fs.openSync(path, "a", 0o600);
}

/**
 * Writes all of `text` to `fd` at once, on the calling thread: for a small record one write into
 * the page cache (microseconds) instead of a thread-pool round trip. A process killed afterwards
 * keeps it; it is not synced to the disk.
 */
export function writeNow(fd: number, text: string): void {
  fs.writeFileSync(fd, text, "utf8");
}

/** Closes `fd` (see {@link openAppend}). */
export function closeNow(fd: number): void {
  fs.closeSync(fd);
}

/** Syncs `fd`'s data to the disk (in the thread pool). */
export function datasyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) =>
    fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())),
  );
}
