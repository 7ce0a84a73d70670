// The file system of the file stores (tokens, cursors, tasks, pending approvals). Node's on Node,
// Bun and Deno; the edge build swaps in fs.web.ts, where process.ts's `hasFileSystem` is false and
// the stores refuse at construction (`module_unavailable`, transport's requireFileSystem).
export {
  chmod,
  mkdir,
  open,
  readFile,
  realpath,
  rename,
  rm,
  unlink,
  writeFile,
} from "node:fs/promises";
export { homedir } from "node:os";
export { basename, dirname, join, resolve, sep } from "node:path";
