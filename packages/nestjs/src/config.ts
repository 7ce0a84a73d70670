import { resolveOptions } from "./options.js";
import type { MoleculeAgentModuleOptions, ResolvedDelivery } from "./options.js";

/** Internal injection token of the validated configuration. */
export const MOLECULE_AGENT_CONFIG = Symbol("MOLECULE_AGENT_CONFIG");

/** Validated options (the push secret, when not given, is resolved by `resolvePushSecret`). */
export interface ResolvedConfig {
  options: MoleculeAgentModuleOptions;
  delivery: ResolvedDelivery;
}

/** Validates the module options once (throws `MoleculeAgentConfigError`) and fills in defaults. */
export function createConfig(raw: MoleculeAgentModuleOptions): ResolvedConfig {
  return resolveOptions(raw);
}
