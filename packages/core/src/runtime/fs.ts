// The file system of the file stores (tokens, cursors, tasks, pending approvals). Node's on Node,
// Bun and Deno; the edge build swaps in fs.web.ts, where process.ts's `hasFileSystem` is false and
// the stores refuse at construction (`module_unavailable`, transport's requireFileSystem).
import { closeSync, fdatasync, openSync, writeFileSync } from "node:fs";

export {
  chmod,
  mkdir,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  unlink,
  writeFile,
} from "node:fs/promises";
export { homedir } from "node:os";
export { basename, dirname, join, resolve, sep } from "node:path";

/**
 * Opens `path` for appending (created with mode 0600), on the calling thread; see {@link writeNow}.
 * Returns its file descriptor.
 */
export function openAppend(path: string): number {
  return openSync(path, "a", 0o600);
}

/**
 * Writes all of `text` to `fd` at once, on the calling thread: for a small record one write into
 * the page cache (microseconds) instead of a thread-pool round trip. A process killed afterwards
 * keeps it; it is not synced to the disk.
 */
export function writeNow(fd: number, text: string): void {
  writeFileSync(fd, text, "utf8");
}

/** Closes `fd` (see {@link openAppend}). */
export function closeNow(fd: number): void {
  closeSync(fd);
}

/** Syncs `fd`'s data to the disk (in the thread pool). */
export function datasyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}
