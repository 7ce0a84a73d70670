// How often the transcript route may ask the platform about a bearer it does not know, kept per
// address so that a stranger's flood never spends the platform's own share: the platform's
// addresses (where its canvas reads are relayed from) have a budget of their own; every other
// address has a small one, and all of them together one more. The owner's token never needs a
// budget (it is compared locally, transcript.ts).
import { lookupAddresses } from "../runtime/index.js";

/** Starts of the last 60 s, oldest first. */
class Window {
  readonly #starts: number[] = [];

  /** Seconds until a start is free again under `max`, or `0` when one is free now. */
  wait(now: number, max: number): number {
    while (this.#starts.length > 0 && this.#starts[0]! <= now - 60_000) this.#starts.shift();
    if (this.#starts.length < max) return 0;
    return Math.max(1, Math.ceil((this.#starts[0]! + 60_000 - now) / 1000));
  }

  take(now: number): void {
    this.#starts.push(now);
  }
}

/** Addresses other than the platform's whose windows are kept (the least recently used goes). */
const MAX_ADDRESSES = 1024;

/**
 * The budgets of platform checks: `perMinute` in any 60 s for the platform's addresses, the same
 * for all other addresses together, and a third of it for any one of those; so a flood from one
 * address leaves the others two thirds, and no flood leaves the platform's relay less than all of
 * its own.
 */
export class BearerCheckBudget {
  readonly #perMinute: number;
  readonly #perAddress: number;
  readonly #platform = new Window();
  readonly #others = new Window();
  readonly #byAddress = new Map<string, Window>();
  #platformAddresses = new Set<string>();
  /** Resolves once the platform's addresses are known (await it before {@link spend}). */
  readonly ready: Promise<void>;

  constructor(perMinute: number, platformUrl: string) {
    this.#perMinute = perMinute;
    this.#perAddress = Math.max(1, Math.ceil(perMinute / 3));
    this.ready = lookupAddresses(new URL(platformUrl).hostname).then((found) => {
      this.#platformAddresses = new Set(found.map(bare));
    });
  }

  /**
   * Counts a platform check for a request from `address` and returns `undefined`, or returns the
   * seconds to wait when its budget is spent (nothing is counted then).
   */
  spend(address: string | undefined): number | undefined {
    const now = performance.now(); // monotonic: a wall clock step neither refills nor drains it
    const from = bare(address ?? "");
    if (this.#platformAddresses.has(from)) {
      const wait = this.#platform.wait(now, this.#perMinute);
      if (wait > 0) return wait;
      this.#platform.take(now);
      return undefined;
    }
    let own = this.#byAddress.get(from);
    if (own === undefined) {
      if (this.#byAddress.size >= MAX_ADDRESSES)
        this.#byAddress.delete(this.#byAddress.keys().next().value as string);
      own = new Window();
    }
    this.#byAddress.delete(from);
    this.#byAddress.set(from, own); // most recently used last
    const wait = Math.max(own.wait(now, this.#perAddress), this.#others.wait(now, this.#perMinute));
    if (wait > 0) return wait;
    own.take(now);
    this.#others.take(now);
    return undefined;
  }
}

/** An IPv4 address as such (`::ffff:127.0.0.1` is `127.0.0.1`). */
function bare(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}
