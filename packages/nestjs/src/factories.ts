import { RemoteAgent } from "@molecule-ai/agent-core";
import type { PlatformClient } from "@molecule-ai/agent-core";
import type { HandlerContext, InboundMessage, RemoteAgentOptions } from "@molecule-ai/agent-core";
import type { ResolvedConfig } from "./config.js";
import { HeartbeatClockClient } from "./heartbeat-clock.js";
import { nestLogger } from "./logging.js";
import { MoleculeAgentConfigError } from "./errors.js";

/** Drops `undefined` values so core's defaults apply. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Builds the `PlatformClient` from the validated configuration. */
export function createClient({ options }: ResolvedConfig): HeartbeatClockClient {
  return new HeartbeatClockClient(
    compact({
      platformUrl: options.platformUrl,
      workspaceId: options.workspaceId,
      token: options.token,
      tokenStore: options.tokenStore,
      orgId: options.orgId,
      timeoutMs: options.timeoutMs,
      logger: options.logger ?? nestLogger(options.verboseLogs),
    }),
  );
}

/** Maps the module's delivery option to `RemoteAgent`'s. */
export function agentDelivery(
  { delivery }: ResolvedConfig,
  pushSecret: string | undefined,
): RemoteAgentOptions["delivery"] {
  switch (delivery.mode) {
    case "off":
      return "none";
    case "poll":
      return "poll";
    case "push":
      // The route lives in this Nest app: no built-in server, register <publicUrl>/<secret>.
      if (pushSecret === undefined) {
        throw new MoleculeAgentConfigError("MoleculeAgentModule: no push path secret.");
      }
      return { mode: "push", server: false, publicUrl: `${delivery.publicUrl}/${pushSecret}` };
  }
}

/** Builds the `RemoteAgent` whose handler is the module's dispatcher. */
export function createAgent(
  config: ResolvedConfig,
  client: PlatformClient,
  pushSecret: string | undefined,
  handler: (msg: InboundMessage, ctx: HandlerContext<PlatformClient>) => Promise<string | void>,
): RemoteAgent<PlatformClient> {
  const { options, delivery } = config;
  const logger = options.logger ?? nestLogger(options.verboseLogs);
  return new RemoteAgent<PlatformClient>(
    compact({
      client,
      handler,
      agentCard: options.agentCard,
      delivery: agentDelivery(config, pushSecret),
      concurrency: options.concurrency,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      pollIntervalMs: delivery.mode === "poll" ? delivery.intervalMs : undefined,
      cursorStore: delivery.mode === "poll" ? delivery.cursorStore : undefined,
      store: options.store,
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
    }),
  );
}
