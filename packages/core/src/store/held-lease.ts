// Fencing for what reaches a state folder (issue 115): a file store given the lease its folder is
// held under (`StateLock`, store/state-lock.ts) asks it before each write, so a holder that was
// paused past its lease and lost the folder writes nothing over what the agent that took it wrote.
// Asking costs no I/O while the lease is current (store/lease-clock.ts).
import { MoleculeStoreError } from "./cursor-store.js";

/** A lease this process holds (`takeStateLock`'s lock): what its work and its writes ask first. */
export interface HeldLease {
  /** Resolves `true` while the lease is proven current, `false` once it is lost. */
  proven(): Promise<boolean>;
}

/** Resolves once `lease` (if any) is proven; throws `store_in_use` naming `file` once it is lost. */
export async function fenced(lease: HeldLease | undefined, file: string): Promise<void> {
  if (lease === undefined || (await lease.proven())) return;
  throw new MoleculeStoreError(
    "store_in_use",
    `this agent no longer holds the lease its state is written under, so its write of ${file} is refused (another agent took the folder and writes it now); stop this agent`,
    { path: file },
  );
}
