import { generatePathSecret } from "@molecule-ai/agent-core";
import { resolveOptions } from "./options.js";
import type { MoleculeAgentModuleOptions, ResolvedDelivery } from "./options.js";

/** Internal injection token of the validated configuration. */
export const MOLECULE_AGENT_CONFIG = Symbol("MOLECULE_AGENT_CONFIG");

/** Validated options; for push delivery the secret is always set. */
export interface ResolvedConfig {
  options: MoleculeAgentModuleOptions;
  delivery:
    | Exclude<ResolvedDelivery, { mode: "push" }>
    | (Extract<ResolvedDelivery, { mode: "push" }> & { secret: string });
}

/** Validates the module options once (throws `MoleculeAgentConfigError`) and fills in defaults. */
export function createConfig(raw: MoleculeAgentModuleOptions): ResolvedConfig {
  const { options, delivery } = resolveOptions(raw);
  if (delivery.mode !== "push") return { options, delivery };
  return { options, delivery: { ...delivery, secret: delivery.secret ?? generatePathSecret() } };
}
