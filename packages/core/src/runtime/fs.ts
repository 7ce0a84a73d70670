// The file system of the file stores (tokens, cursors, tasks, pending approvals). Node's on Node,
// Bun and Deno; the edge build swaps in fs.web.ts, where process.ts's `hasFileSystem` is false and
// the stores refuse at construction (`module_unavailable`, transport's requireFileSystem).
import { closeSync, openSync, writeFileSync } from "node:fs";

export {
  chmod,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  unlink,
  writeFile,
} from "node:fs/promises";
export { homedir } from "node:os";
export { basename, dirname, join } from "node:path";

/**
 * Appends `text` to `path` (created with mode 0600) at once, on the calling thread: for a small
 * record one open, write and close (microseconds into the page cache) instead of three thread-pool
 * round trips. A process killed afterwards keeps what was written; it is not synced to the disk.
 */
export function appendNow(path: string, text: string): void {
  const fd = openSync(path, "a", 0o600);
  try {
    writeFileSync(fd, text, "utf8");
  } finally {
    closeSync(fd);
  }
}
