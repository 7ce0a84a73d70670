// Which MCP server of this machine receives a workspace's messages: the first one writes its pid
// into `<stateDir>/<workspaceId>/mcp-inbox.lock`; another one that finds a live pid there takes no
// messages (two hosts would each get every message, and would share one state file).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** The lock file of one workspace's inbox. */
export class InboxLock {
  /** The lock file's path. */
  readonly path: string;
  #held = false;

  constructor(path: string) {
    this.path = path;
  }

  /** `pid <n>` of another live process that holds the lock, else undefined. */
  heldBy(): string | undefined {
    let pid: number;
    try {
      pid = Number(readFileSync(this.path, "utf8").trim());
    } catch {
      return undefined; // no lock file (or unreadable): nobody holds it
    }
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
    try {
      process.kill(pid, 0); // throws when no such process
      return `pid ${pid}`;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === "EPERM" ? `pid ${pid}` : undefined;
    }
  }

  /** Writes this process's pid (a stale lock of a dead process is replaced). */
  acquire(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path, `${process.pid}\n`);
    this.#held = true;
  }

  /** Removes the lock when this process holds it. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    try {
      if (readFileSync(this.path, "utf8").trim() === String(process.pid)) rmSync(this.path);
    } catch {
      // already gone
    }
  }
}
