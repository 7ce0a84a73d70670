// Cutting a streaming call mid-task, on events only: a handler makes chunk `i` only once the test
// allowed it (Pacer), and the test cuts the caller's connection once it has read a given chunk
// (cutAndGoOn, with a CuttingProxy).
import type { CuttingProxy } from "./cutting-proxy.js";
import { waitFor } from "./wait.js";

/** Lets a handler make chunk `i` only once the test allowed it. */
export class Pacer {
  #allowed = 0;
  #waiting: Array<() => void> = [];

  /** Chunks below `n` may be made. */
  allow(n: number): void {
    this.#allowed = Math.max(this.#allowed, n);
    for (const wake of this.#waiting.splice(0)) wake();
  }

  /** Resolves once chunk `i` may be made. */
  async until(i: number): Promise<void> {
    while (i >= this.#allowed) await new Promise<void>((r) => this.#waiting.push(r));
  }
}

/**
 * Cuts every connection after the caller read chunk `k` (with `outage`, the next two connections
 * are refused too), lets the handler make chunk `k + 1` at once (made while the caller is away),
 * and the chunks below `upTo` once the caller is back (a connection forwarded after the cut): a
 * task canceled at the cut never gets them.
 */
export function cutAndGoOn(
  proxy: CuttingProxy,
  pacer: Pacer,
  k: number,
  upTo: number,
  outage = false,
): void {
  const forwarded = proxy.accepted - proxy.refused;
  if (outage) {
    proxy.down();
    const refused = proxy.refused;
    void waitFor(() => proxy.refused >= refused + 2).then(() => proxy.up());
  } else proxy.cut();
  pacer.allow(Math.min(k + 2, upTo));
  void waitFor(() => proxy.accepted - proxy.refused > forwarded).then(() => pacer.allow(upTo));
}
