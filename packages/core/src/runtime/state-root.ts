// Where the SDK keeps a workspace's own files by default (its default store, pending approvals):
// one rule for every runtime (the edge build has no file system and never calls it).
import { homedir, join } from "./fs.js";
import { envVar } from "./process.js";

/** The folder of every workspace's own files: `MOLECULE_STATE_DIR`, else `~/.molecule`. */
export function stateRoot(): string {
  return envVar("MOLECULE_STATE_DIR") || join(homedir(), ".molecule");
}
