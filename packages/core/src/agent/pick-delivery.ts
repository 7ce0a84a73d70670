// The delivery an agent entry point (an example, `molecule-agent connect`) should use.
import type { AgentPlatformClient, PushDeliveryOptions } from "./types.js";

/**
 * Push when a public URL is given or the platform has no poll delivery (the April-2026
 * contract), else poll (no inbound port, fine behind NAT). Pass the result as `delivery`.
 *
 * @example
 * const env = readMoleculeEnv();
 * const delivery = await pickDelivery(client, { publicUrl: env.publicUrl, port: env.port });
 * const agent = new RemoteAgent({ client, handler, delivery });
 */
export async function pickDelivery(
  client: Pick<AgentPlatformClient, "capabilities">,
  push: Omit<PushDeliveryOptions, "mode"> = {},
): Promise<"poll" | PushDeliveryOptions> {
  const options: PushDeliveryOptions = { mode: "push" };
  for (const [key, value] of Object.entries(push)) {
    if (value !== undefined) Object.assign(options, { [key]: value });
  }
  if (options.publicUrl) return options;
  return (await client.capabilities()).pollDelivery ? "poll" : options;
}
