// What the store and the agent see of a state folder's lock once this process holds it; apart from
// its class (held-lock.ts) so that the public declarations naming it load none of the runtime's.
/** A state folder's lock, held by this process. */
export interface StateLock {
  /** The lock file. */
  readonly file: string;
  /** This holding's random id, as the lock file names it. */
  readonly holder: string;
  /** Whether this process still holds it (false once released or lost). */
  readonly held: boolean;
  /**
   * Whether this process may act for the folder now: resolves `true` at once, without I/O, while
   * its last confirmed refresh began less than two thirds of the bound ago (by the monotonic
   * clock), so no other agent can have taken the folder; else once a refresh confirmed the lease
   * again. Resolves `false` once the lock is lost or given up (`onLost` is called): start nothing.
   */
  proven(): Promise<boolean>;
  /** Stops refreshing and removes the lock file if it is still this holding's. Idempotent. */
  release(): Promise<void>;
}
