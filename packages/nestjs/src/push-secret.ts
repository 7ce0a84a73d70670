import { generatePathSecret } from "@molecule-ai/agent-core";
import type { PlatformClient } from "@molecule-ai/agent-core";
import type { ResolvedConfig } from "./config.js";

/** Internal injection token of the push route's path secret (`undefined` unless delivery is push). */
export const MOLECULE_AGENT_PUSH_SECRET = Symbol("MOLECULE_AGENT_PUSH_SECRET");

/**
 * The push route's path secret, as core's `RemoteAgent` picks it: `delivery.secret` if given, else
 * the one derived from the workspace token (`client.pushPathSecret()`, the same in every run with
 * that token, so a restarted app serves the URL it registered before), else a fresh random one
 * (no token yet, before the first registration).
 */
export async function resolvePushSecret(
  { delivery }: ResolvedConfig,
  client: PlatformClient,
): Promise<string | undefined> {
  if (delivery.mode !== "push") return undefined;
  return delivery.secret ?? (await client.pushPathSecret()) ?? generatePathSecret();
}
