// The start-up registration of an agent that does not take pushed messages (delivery "poll" or
// "none"): a poll agent where the platform has poll delivery; without poll delivery (the baseline
// contract) not registered when the workspace has a URL, else refused.
import type { AgentCard } from "../../a2a/index.js";
import { heartbeatsEvery, type Logger, MoleculeError } from "../../transport/index.js";
import type { AgentPlatformClient } from "../types.js";
import type { StartStep } from "./lifecycle.js";

/**
 * Registers for `mode` (see the file comment); `pollDelivery`: what the capability probe said.
 * True when it registered: the platform then records a heartbeat (`last_heartbeat_at`, status
 * online), so the rate budget keeps room for the next one, due `heartbeatMs` later.
 */
export async function registerWithoutPush(
  client: AgentPlatformClient,
  card: AgentCard,
  mode: "poll" | "none",
  pollDelivery: boolean,
  step: StartStep,
  logger: Logger,
  heartbeatMs: number,
): Promise<boolean> {
  if (pollDelivery) {
    await step("register", (signal) =>
      client.register({
        agentCard: card,
        deliveryMode: "poll",
        signal: heartbeatsEvery(signal, heartbeatMs),
      }),
    );
    return true;
  }
  if (mode === "none" || (await hasUrl(client, step)) !== false) {
    logger.warn?.(
      "this platform has no poll delivery (baseline contract): not registering; " +
        "the workspace must already have a URL for messages to reach the activity feed",
    );
    return false;
  }
  // No URL: the platform answers every message to it 503 "workspace has no URL".
  throw new MoleculeError(
    'delivery "poll" was asked for, but this platform has no poll delivery (the April 2026 ' +
      'contract): use push (delivery: { mode: "push", publicUrl }; MOLECULE_DELIVERY=push or ' +
      "--delivery push), or leave delivery unset to pick what the platform has",
    { code: "poll_delivery_unsupported", retryable: false },
  );
}

/** Whether the workspace has a URL on the platform (`undefined`: the client cannot tell). */
async function hasUrl(client: AgentPlatformClient, step: StartStep): Promise<boolean | undefined> {
  const read = client.getWorkspace?.bind(client);
  if (!read) return undefined;
  return !!(await step("workspace read", () => read())).url;
}
