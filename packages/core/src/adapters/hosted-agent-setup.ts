// From validated hosted-agent options to what core builds: the PlatformClient's options, the push
// path secret, and the RemoteAgent's options (push on a route of the host app, no own server).
import { generatePathSecret } from "../a2a/index.js";
import type { HandlerContext, RemoteAgentOptions } from "../agent/index.js";
import type { InboundMessage } from "../inbound/index.js";
import type { PlatformClient, PlatformClientOptions } from "../platform/index.js";
import { MoleculeOptionError } from "../transport/index.js";
import type { Logger } from "../transport/index.js";
import type { HostedAgentConfig } from "./hosted-agent-options.js";

/** Drops `undefined` values so core's defaults apply. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The `PlatformClient` options of a hosted agent. */
export function hostedClientOptions(
  { options }: HostedAgentConfig,
  logger: Logger,
): PlatformClientOptions {
  const { platformUrl, workspaceId, token, tokenStore, orgId, timeoutMs } = options;
  return compact({ platformUrl, workspaceId, token, tokenStore, orgId, timeoutMs, logger });
}

/**
 * The push route's path secret, as `RemoteAgent` picks it: `delivery.secret` if given, else the
 * one derived from the workspace token (`client.pushPathSecret()`, the same in every run with that
 * token, so a restarted app serves the URL it registered before), else a fresh random one (no
 * token yet, before the first registration). `undefined` unless delivery is push.
 */
export async function hostedPushSecret(
  { delivery }: HostedAgentConfig,
  client: Pick<PlatformClient, "pushPathSecret">,
): Promise<string | undefined> {
  if (delivery.mode !== "push") return undefined;
  return delivery.secret ?? (await client.pushPathSecret()) ?? generatePathSecret();
}

/** What {@link hostedAgentOptions} needs besides the configuration. */
export interface HostedAgentParts<C extends PlatformClient> {
  client: C;
  handler: (msg: InboundMessage, ctx: HandlerContext<C>) => Promise<string | void>;
  logger: Logger;
  /** From {@link hostedPushSecret}; required with push delivery. */
  pushSecret: string | undefined;
  /** Push delivery: what registration waits for (the host's server listening), see `PushDeliveryOptions.registerWhen`. */
  registerWhen?: ((signal: AbortSignal) => Promise<void>) | undefined;
}

/**
 * The `RemoteAgent` options of a hosted agent. Push delivery registers `<publicUrl>/<secret>` and
 * starts no server: the app routes `<path>/<secret>` to `agent.createPushHandler()`. Delivery left
 * unset is `RemoteAgent`'s own choice (poll, or push to a server of its own). A pause is waited
 * out unless `onPause: "end"`. A dead letter is logged as an error unless `onDeadLetter` is given.
 */
export function hostedAgentOptions<C extends PlatformClient>(
  { options, delivery }: HostedAgentConfig,
  { client, handler, logger, pushSecret, registerWhen }: HostedAgentParts<C>,
): RemoteAgentOptions<C> {
  let agentDelivery: RemoteAgentOptions["delivery"] = "none";
  if (delivery.mode === "auto") agentDelivery = undefined;
  if (delivery.mode === "poll") agentDelivery = "poll";
  if (delivery.mode === "push") {
    if (pushSecret === undefined) {
      throw new MoleculeOptionError("pushSecret", "Push delivery needs its path secret.");
    }
    const { publicUrl } = delivery;
    agentDelivery = { mode: "push", server: false, publicUrl, pathSecret: pushSecret };
    if (registerWhen) agentDelivery.registerWhen = registerWhen;
  }
  return compact({
    client,
    handler,
    agentCard: options.agentCard,
    delivery: agentDelivery,
    concurrency: options.concurrency,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    pollIntervalMs: delivery.mode === "poll" ? delivery.intervalMs : undefined,
    cursorStore: delivery.mode === "poll" ? delivery.cursorStore : undefined,
    store: options.store,
    whenPaused: options.whenPaused,
    onPause: options.onPause ?? "wait",
    maxAttempts: options.maxAttempts,
    drainTimeoutMs: options.drainTimeoutMs,
    logger,
    onDeadLetter:
      options.onDeadLetter ??
      ((msg, error) => {
        const id = msg.messageId ?? msg.activityId ?? "(no id)";
        logger.error?.(
          `Inbound message ${id} from ${msg.sourceId ?? msg.source} was dead-lettered: ${
            error instanceof Error ? error.message : String(error)
          }`,
        );
      }),
  });
}
