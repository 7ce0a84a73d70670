// Who hears a RemoteAgent's `approvalEscalated` events besides its listeners: the
// `onApprovalEscalated` option, else an adapter handler's own (`handler.onApprovalEscalated`).
import type { AgentEventMap } from "../../events/index.js";
import { describe, type Logger } from "../../transport/index.js";
import type { RemoteAgentOptions } from "../types.js";

/**
 * The listener for `approvalEscalated` events that calls the option's (or the handler's)
 * callback, logging its rejection; `undefined` when there is none.
 */
export function escalationListener(
  options: Pick<RemoteAgentOptions, "onApprovalEscalated"> & { handler: unknown },
  logger: Logger,
): ((event: AgentEventMap["approvalEscalated"]) => void) | undefined {
  const onEscalated =
    options.onApprovalEscalated ??
    (options.handler as { onApprovalEscalated?: RemoteAgentOptions["onApprovalEscalated"] })
      .onApprovalEscalated;
  if (typeof onEscalated !== "function") return undefined;
  return (e) => {
    void Promise.resolve(onEscalated(e)).catch((err: unknown) =>
      logger.warn?.("onApprovalEscalated failed", { error: describe(err) }),
    );
  };
}
