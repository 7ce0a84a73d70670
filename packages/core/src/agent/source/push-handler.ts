// The A2A handlers a RemoteAgent hands out for framework routes (`createPushHandler`): path,
// capability secret, public URL and body limit taken from the options or the push delivery. The
// A2A server's code loads on the handler's creation, in the background (`loadPushServer`): the
// path and its secret are checked at once, the endpoint is built when that code has loaded.
import { endpointKey, endpointPathOf, loadPushServer } from "../../a2a/index.js";
import type { A2AHandler } from "../../a2a/index.js";
import type { A2AHandlerContext, A2AHandlerResult } from "../../a2a/index.js";
import type { A2AMessage, A2ATaskStore, AgentCard } from "../../a2a/index.js";
import { type Logger, describe } from "../../transport/index.js";
import type { AgentPlatformClient, PushHandlerOptions, RemoteAgentOptions } from "../types.js";
import type { AgentFiles } from "./agent-files.js";
import { PlatformBearer, type PlatformPushAuth } from "./platform-bearer.js";

/** What {@link createAgentPushHandler} needs from the agent. */
export interface AgentPushHandlerInput {
  card: AgentCard;
  delivery: RemoteAgentOptions["delivery"];
  logger: Logger;
  /**
   * The push pipeline (`ctx` carries the task whose cancel aborts the handler; `taskKey` is the
   * endpoint's key its question tasks are named under, derived from the path secret).
   */
  onMessage: (
    message: A2AMessage,
    ctx: A2AHandlerContext,
    taskKey: string,
  ) => Promise<A2AHandlerResult>;
  /** The store's A2A task store, when it has one. */
  taskStore: A2ATaskStore | undefined;
  /**
   * The agent's client: its workspace (its A2A tasks are stored for it, and only its tasks
   * answered), and the inbound secret pushes must carry (see `PlatformBearer`).
   */
  client: Pick<AgentPlatformClient, "workspaceId" | "files">;
  /** The agent's files: the handler also serves the platform's chat-file forwards. */
  files: AgentFiles;
  /** What the agent knows of its platform's bearer: every POST is judged by it. */
  auth: PlatformPushAuth;
}

/**
 * A handler serving the agent's pipeline with `options` (defaults from the push delivery), and
 * below its endpoint the routes the platform forwards chat files to (`<endpoint>/internal/...`).
 */
export function createAgentPushHandler(
  input: AgentPushHandlerInput,
  options: PushHandlerOptions,
): A2AHandler {
  const delivery = typeof input.delivery === "object" ? input.delivery : undefined;
  // No secret given anywhere is refused by createA2AHandler (`false` opts out on purpose).
  const secret = options.pathSecret === undefined ? delivery?.pathSecret : options.pathSecret;
  const publicUrl =
    options.publicUrl ?? (delivery?.server === false ? delivery.publicUrl : undefined);
  const maxBodyBytes = options.maxBodyBytes ?? delivery?.maxBodyBytes;
  const maxBodyBytesInFlight = options.maxBodyBytesInFlight ?? delivery?.maxBodyBytesInFlight;
  const streaming = options.streaming ?? delivery?.streaming;
  // Throws MoleculeOptionError for an unset or malformed secret, as createA2AHandler would.
  const endpointPath = endpointPathOf(options.basePath, secret);
  const taskKey = endpointKey(secret as string | false, "task");
  let closed = false;
  const a2a = loadPushServer().then(async ({ createA2AHandler }) => {
    const handler = createA2AHandler({
      agentCard: input.card,
      onMessage: (message, ctx) => input.onMessage(message, ctx, taskKey),
      workspaceId: input.client.workspaceId,
      onError: (error) => input.logger.warn?.("push request failed", { error: describe(error) }),
      ...(options.basePath !== undefined ? { basePath: options.basePath } : {}),
      pathSecret: secret as string | false,
      ...(publicUrl !== undefined ? { publicUrl } : {}),
      ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
      ...(maxBodyBytesInFlight !== undefined ? { maxBodyBytesInFlight } : {}),
      ...(input.taskStore !== undefined ? { taskStore: input.taskStore } : {}),
      ...(streaming === true ? { streaming: true } : {}),
    });
    if (closed) await handler.close(); // closed before it loaded: it answers 503, as after close()
    return handler;
  });
  // A bad option the endpoint refuses (e.g. maxBodyBytes) fails every request; logged once here.
  a2a.catch((error: unknown) =>
    input.logger.error?.("push handler options refused", { error: describe(error) }),
  );
  const files = input.files.routes(endpointPath);
  const registered =
    publicUrl === undefined || secret === false || secret === undefined
      ? publicUrl
      : `${publicUrl.replace(/\/+$/, "")}/${secret as string}`;
  const bearer = new PlatformBearer(input.auth, () => registered);
  return {
    endpointPath,
    async handleNode(req, res, body) {
      if (await bearer.handleNode(req, res)) return;
      if (!(await files.handleNode(req, res, body))) await (await a2a).handleNode(req, res, body);
    },
    async handleFetch(request) {
      return (
        (await bearer.handleFetch(request)) ??
        (await files.handleFetch(request)) ??
        (await (await a2a).handleFetch(request))
      );
    },
    async close() {
      closed = true;
      await (await a2a.catch(() => undefined))?.close();
    },
  };
}
