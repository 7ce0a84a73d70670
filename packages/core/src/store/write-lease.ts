// Fencing for what reaches a state folder (issue 115): a file store given the lease its folder is
// held under (`StateLock`, store/state-lock.ts) asks it before each write, so a holder that was
// paused past its lease and lost the folder writes nothing over what the agent that took it wrote.
// Asking costs no I/O while the lease is current (store/lease-clock.ts).
import { MoleculeStoreError } from "./cursor-store.js";

/** A lease a store's writes are made under: `takeStateLock`'s lock. */
export interface WriteLease {
  /** Resolves `true` while the lease is proven current, `false` once it is lost. */
  proven(): Promise<boolean>;
}

/** Resolves once `lease` (if any) is proven; throws `store_in_use` naming `file` once it is lost. */
export async function fenced(lease: WriteLease | undefined, file: string): Promise<void> {
  if (lease === undefined || (await lease.proven())) return;
  throw new MoleculeStoreError(
    "store_in_use",
    `this agent no longer holds the lease its state is written under, so its write of ${file} is refused (another agent took the folder and writes it now); stop this agent`,
    { path: file },
  );
}
