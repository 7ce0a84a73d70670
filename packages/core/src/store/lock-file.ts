// A state folder's lock file as its taker and its holder read it (store/state-lock.ts,
// store/held-lock.ts): one snapshot of it (inode and text, through one open file), and whether a
// path still names the file a handle has open.
import { open, stat, type FileHandle } from "../runtime/index.js";
import { fsReason, MoleculeStoreError } from "./cursor-store.js";

/** A lock file as read once: its inode and text. */
export interface Snapshot {
  ino: number;
  text: string;
}

/** Reads `path` through one open file (inode and text agree); undefined when it is missing. */
export async function snapshot(path: string): Promise<Snapshot | undefined> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, "r");
    const [st, text] = await Promise.all([fh.stat(), fh.readFile()]);
    return { ino: st.ino, text: text.toString("utf8") };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new MoleculeStoreError(
      "store_unreadable",
      `cannot read the lock ${path} of an agent's state folder (${fsReason(err)}); check the folder's permissions, or set MOLECULE_STATE_DIR to a folder of this user`,
      { path, cause: err },
    );
  } finally {
    await fh?.close();
  }
}

/** Whether `path` is still the file `fh` has open (same inode); false when it is missing. */
export async function sameFile(path: string, fh: FileHandle): Promise<boolean> {
  const [named, open] = await Promise.all([stat(path).catch(() => undefined), fh.stat()]);
  return named !== undefined && named.ino === open.ino && named.dev === open.dev;
}
