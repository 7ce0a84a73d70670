// Which platform contract the emulator speaks, resolved once: `compat: "latest"` names one of the
// dated contracts, and every route branches on the resolved value through `Platform` (`latest`,
// `august`), never on the option itself.
import type { Compat } from "./types.js";

/**
 * The dated contracts: `2026-04` (the April-2026 server, real-server-2026-04.json), `2026-05`
 * (the May-2026 server at enteros-core 50c3bdfd, platform-api.md §8: what `latest` meant until
 * the August recordings) and `2026-08` (the August-2026 server at aeec8e47,
 * real-server-2026-08.json).
 */
export type Contract = "2026-04" | "2026-05" | "2026-08";

/** The contract `compat: "latest"` (the default) speaks: the August-2026 server users run today. */
const LATEST_CONTRACT: Contract = "2026-08";

/** The values `compat` accepts. */
export const COMPATS: readonly Compat[] = ["latest", "2026-04", "2026-05", "2026-08"];

/** Whether `v` is a value `compat` accepts. */
export function isCompat(v: unknown): v is Compat {
  return (COMPATS as readonly unknown[]).includes(v);
}

/** The dated contract a `compat` option speaks. */
export function resolveContract(compat: Compat): Contract {
  return compat === "latest" ? LATEST_CONTRACT : compat;
}

/** Whether the contract is the August-2026 server's. */
export function isAugust(contract: Contract): boolean {
  return contract === "2026-08";
}
