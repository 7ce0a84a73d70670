// Which MCP server receives a workspace's messages: the one that holds the lease in
// `<stateDir>/<workspaceId>/mcp-inbox.lock` (core's `takeStateLock`: a random holder id refreshed
// in the file, so two servers that are both pid 1 in their containers, a pid of another PID
// namespace and a reused pid decide nothing). Another server that finds it held takes no messages
// (two would each get every message, and would share one state file); its other tools work.
import { join } from "node:path";
import { isMoleculeError, MoleculeError } from "@molecule-ai/agent-core";
import { takeStateLock } from "@molecule-ai/agent-core/store";
import type { MoleculeStoreError, StateLock } from "@molecule-ai/agent-core/store";

/** The lock file's name in a workspace's state folder. */
const INBOX_LOCK_FILE = "mcp-inbox.lock";

/** What a start found: this server holds the inbox, or another one does (the warning says so). */
export type InboxLockOutcome = { lock: StateLock } | { duplicate: string };

/** Options of {@link takeInboxLock}. */
export interface InboxLockOptions {
  /** Stops waiting for a lapsing lease (the take rejects). */
  signal: AbortSignal;
  /** Told once when the take waits (up to the lease bound) to see whether the holder is alive. */
  onWait: (message: string) => void;
  /** Called if the lock is lost while held: this server must stop taking messages. */
  onLost: (error: MoleculeStoreError) => void;
}

/**
 * Takes the inbox lock of `workspaceId` in its state folder `dir`: `{ lock }` once this server
 * holds it, `{ duplicate }` (one line: the folder, the lock file, its holder and when it will be
 * free, core's refusal) while another live server does. Rejects when the folder cannot be used
 * (`store_unwritable` or `store_unreadable`, naming `MOLECULE_MCP_STATE_DIR`) and when `signal`
 * aborts.
 */
export async function takeInboxLock(
  dir: string,
  workspaceId: string,
  options: InboxLockOptions,
): Promise<InboxLockOutcome> {
  try {
    const lock = await takeStateLock(dir, join(dir, INBOX_LOCK_FILE), {
      ...options,
      fix: "Stop the other server (this one takes no messages until it is restarted), or give each host its own workspace.",
    });
    return { lock };
  } catch (err) {
    if (isMoleculeError(err, "store_unwritable") || isMoleculeError(err, "store_unreadable")) {
      const why = (err.cause as NodeJS.ErrnoException | undefined)?.code ?? err.code;
      throw new MoleculeError(
        `cannot use the state folder ${dir} of workspace ${workspaceId}'s inbox or its lock ${INBOX_LOCK_FILE} (${why}): set MOLECULE_MCP_STATE_DIR (--state-dir) to a folder this user can write`,
        { code: err.code, cause: err },
      );
    }
    if (!isMoleculeError(err, "store_in_use")) throw err;
    return {
      duplicate: `Another molecule-mcp already receives workspace ${workspaceId}'s messages, so this server's inbox stays empty (its other tools work): ${err.message}`,
    };
  }
}
