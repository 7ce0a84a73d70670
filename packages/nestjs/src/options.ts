import type { Logger } from "@molecule-ai/agent-core";
import { resolveHostedAgentOptions } from "@molecule-ai/agent-core/adapters";
import type {
  HostedAgentConfig,
  HostedAgentOptions,
  HostedDelivery,
  HostedPollDelivery,
  HostedPushDelivery,
} from "@molecule-ai/agent-core/adapters";
import { MoleculeAgentConfigError } from "./errors.js";

/** Push delivery: the platform POSTs inbound A2A messages to a route this Nest app serves. */
export type PushDeliveryConfig = HostedPushDelivery;

/** Poll delivery: the agent fetches inbound messages from the platform (works behind NAT). */
export type PollDeliveryConfig = HostedPollDelivery;

/** How inbound messages reach the `@OnPeerMessage()` handlers. */
export type DeliveryConfig = HostedDelivery;

/**
 * Options of {@link MoleculeAgentModule.forRoot} (and the value `forRootAsync`'s factory returns):
 * the workspace, delivery and limits (core's `HostedAgentOptions`) plus logging.
 */
export interface MoleculeAgentModuleOptions extends HostedAgentOptions {
  /**
   * A logger for the client and the agent. Default: Nest's `Logger` (context `MoleculeAgent`):
   * the module's lifecycle lines (connected, draining, stopped) at `log`, warnings and errors.
   */
  logger?: Logger;
  /**
   * Also log every platform request, poll and heartbeat (Nest `debug`) and the runtime's notes
   * (Nest `verbose`). Default false: a healthy app logs one line per lifecycle step.
   */
  verboseLogs?: boolean;
}

/** Module-definition extras of {@link MoleculeAgentModule}. */
export interface MoleculeAgentModuleExtras {
  /** Registers the module globally (default `true`), so `PlatformClient` is injectable everywhere. */
  isGlobal?: boolean;
}

/** Validated options with delivery normalized (injected under `MOLECULE_AGENT_CONFIG`). */
export type ResolvedConfig = HostedAgentConfig<MoleculeAgentModuleOptions>;

const HINT =
  "Pass it to MoleculeAgentModule.forRoot({ ... }) or return it from forRootAsync's useFactory.";

function fail(message: string): never {
  throw new MoleculeAgentConfigError(`MoleculeAgentModule: ${message}`);
}

/** Validates the options (throws {@link MoleculeAgentConfigError} naming the problem). */
export function resolveOptions(
  options: MoleculeAgentModuleOptions | undefined | null,
): ResolvedConfig {
  return resolveHostedAgentOptions(options, { fail, hint: HINT });
}
