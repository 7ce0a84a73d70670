// The file system of the file stores (tokens, cursors, tasks, pending approvals). Node's on Node,
// Bun and Deno; the edge build swaps in fs.web.ts, where process.ts's `hasFileSystem` is false and
// the stores refuse at construction (`module_unavailable`, transport's requireFileSystem).
// Taken with `process.getBuiltinModule`, not ESM imports: node:fs's ESM facade reads every export
// (~4 ms on a cold import), and `fs.promises` and node:os load on first use (~2.5 ms more).
import type * as NodeFsPromises from "node:fs/promises";

const fs = process.getBuiltinModule("node:fs");
const path = process.getBuiltinModule("node:path");

type Promises = typeof NodeFsPromises;
/** `fs.promises[name]`, looked up at the call (so `fs.promises` loads on the first one). */
function promised<K extends keyof Promises>(name: K): Promises[K] {
  return ((...args: unknown[]) =>
    (fs.promises[name] as (...a: unknown[]) => unknown)(...args)) as Promises[K];
}

export const chmod = promised("chmod");
export const mkdir = promised("mkdir");
export const open = promised("open");
export const readdir = promised("readdir");
export const readFile = promised("readFile");
export const realpath = promised("realpath");
export const rename = promised("rename");
export const rm = promised("rm");
export const unlink = promised("unlink");
export const writeFile = promised("writeFile");

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
