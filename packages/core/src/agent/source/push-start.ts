// Push delivery start-up: the built-in server (or the caller's route), registration, read-back.
import { startA2AServer } from "../../a2a/index.js";
import type { A2AServer, StartA2AServerOptions } from "../../a2a/index.js";
import type { A2AHandlerContext, A2AHandlerResult } from "../../a2a/index.js";
import type { A2AMessage, A2ATaskStore, AgentCard } from "../../a2a/index.js";
import type { Logger } from "../../transport/index.js";
import { MoleculeOptionError } from "../../transport/index.js";
import { serverLimits } from "./push-limits.js";
import { checkRegisteredUrl } from "./registered-url.js";
import type { AgentPlatformClient, PushDeliveryOptions } from "../types.js";

/** What {@link startPush} needs from the agent. */
export interface StartPushInput {
  opts: PushDeliveryOptions;
  client: AgentPlatformClient;
  card: AgentCard;
  /** Registers `url` with the platform; omitted when the agent does not register. */
  register?: (url: string) => Promise<void>;
  logger: Logger;
  /** The push pipeline (`ctx` carries the task whose cancel aborts the handler). */
  onMessage: (message: A2AMessage, ctx: A2AHandlerContext) => Promise<A2AHandlerResult>;
  /** The store's A2A task store, when it has one. */
  taskStore: A2ATaskStore | undefined;
  /** The agent's workspace: its A2A tasks are stored for it (and only its tasks answered). */
  workspaceId: string;
  /** Receives the server as soon as it listens, so a failed registration still closes it. */
  onServer: (server: A2AServer) => void;
  /** Routes the built-in server serves besides A2A (the transcript). */
  extraRoutes?: StartA2AServerOptions["extraRoutes"];
}

/**
 * Starts the push server (unless `server: false`), registers its URL and checks that the platform
 * holds it. The path secret defaults to the client's `pushPathSecret()` (derived from the token,
 * stable across restarts), else a fresh random one. Returns the registered URL.
 */
export async function startPush(input: StartPushInput): Promise<string> {
  const { opts, client } = input;
  let url: string;
  if (opts.server === false) {
    if (!opts.publicUrl) {
      throw new MoleculeOptionError(
        "delivery.publicUrl",
        "RemoteAgent push delivery with server:false needs publicUrl (the URL where you mounted agent.handleA2A).",
      );
    }
    // The secret path segment the handler from createPushHandler() checks.
    url =
      opts.pathSecret === undefined || opts.pathSecret === false
        ? opts.publicUrl
        : `${opts.publicUrl.replace(/\/+$/, "")}/${opts.pathSecret}`;
  } else {
    // `pathSecret: false`: a public A2A agent (no capability segment).
    const pathSecret =
      opts.pathSecret === false ? false : (opts.pathSecret ?? (await client.pushPathSecret?.()));
    const server = await startA2AServer({
      agentCard: input.card,
      onMessage: input.onMessage,
      workspaceId: input.workspaceId,
      host: opts.host ?? "127.0.0.1",
      port: opts.port ?? 0,
      ...(pathSecret !== undefined ? { pathSecret } : {}),
      ...(opts.maxBodyBytes !== undefined ? { maxBodyBytes: opts.maxBodyBytes } : {}),
      ...(opts.publicUrl !== undefined ? { publicUrl: opts.publicUrl } : {}),
      ...(input.taskStore !== undefined ? { taskStore: input.taskStore } : {}),
      ...(opts.streaming === true ? { streaming: true } : {}),
      ...(input.extraRoutes !== undefined ? { extraRoutes: input.extraRoutes } : {}),
      ...serverLimits(opts),
    });
    input.onServer(server);
    url = server.url; // includes the secret path segment (also under publicUrl)
  }
  if (input.register) {
    await input.register(url);
    await checkRegisteredUrl(client, url, input.logger);
  }
  return url;
}
