// Push delivery start-up: the built-in server (or the caller's route), registration, read-back.
import { endpointKey, generatePathSecret, loadPushServer } from "../../a2a/index.js";
import type { A2AServer } from "../../a2a/index.js";
import type { A2AHandlerContext, A2AHandlerResult } from "../../a2a/index.js";
import type { A2AMessage, A2ATaskStore, AgentCard } from "../../a2a/index.js";
import { type Logger, MoleculeOptionError } from "../../transport/index.js";
import { checkRegisteredUrl } from "./registered-url.js";
import type { PushTranscript } from "../../org/index.js";
import type { StartStep } from "../lifecycle/lifecycle.js";
import type { AgentPlatformClient, PushDeliveryOptions } from "../types.js";
import type { AgentFiles } from "./agent-files.js";
import { PlatformBearer, type PlatformPushAuth } from "./platform-bearer.js";

/** What {@link startPush} needs from the agent. */
export interface StartPushInput {
  opts: PushDeliveryOptions;
  client: AgentPlatformClient;
  card: AgentCard;
  /** The start step the registration runs in; undefined when the agent does not register. */
  register: StartStep | undefined;
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
  /** Receives the server as soon as it listens, so a failed registration still closes it. */
  onServer: (server: A2AServer) => void;
  /** The transcript the built-in server serves (its route, and the card that advertises it). */
  transcript?: PushTranscript | undefined;
  /** The agent's files: the built-in server serves the platform's chat-file forwards. */
  files: AgentFiles;
  /** Aborted when the agent is stopped: ends the wait of `opts.registerWhen`. */
  signal: AbortSignal;
  /** What the agent knows of its platform's bearer: every POST is judged by it from the first. */
  auth: PlatformPushAuth;
}

/**
 * Starts the push server (unless `server: false`), registers its URL and checks that the platform
 * holds it. The path secret defaults to the client's `pushPathSecret()` (derived from the token,
 * stable across restarts), else a fresh random one. Returns the registered URL.
 */
export async function startPush(input: StartPushInput): Promise<string> {
  const { opts, client } = input;
  // What a previous run learned about the platform's bearer, before the first request is judged.
  await input.auth.open();
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
      opts.pathSecret === false
        ? false
        : (opts.pathSecret ?? (await client.pushPathSecret?.()) ?? generatePathSecret());
    // The platform's chat-file forwards go below the registered URL (`<url>/internal/...`).
    const files = input.files.routes(pathSecret === false ? "/" : `/${pathSecret}`);
    const transcript = input.transcript?.route;
    // Question tasks are named under a key from the path secret: stable across restarts.
    const taskKey = endpointKey(pathSecret, "task");
    let registered: string | undefined;
    const bearer = new PlatformBearer(input.auth, () => registered);
    // The server's code loads here, on a push agent's start (core's root import does not load it).
    const { startA2AServer } = await loadPushServer();
    const server = await startA2AServer({
      agentCard: input.card,
      onMessage: (message, ctx) => input.onMessage(message, ctx, taskKey),
      workspaceId: client.workspaceId, // its A2A tasks are stored for it (and only its answered)
      host: opts.host ?? "127.0.0.1",
      port: opts.port ?? 0,
      pathSecret,
      ...(opts.maxBodyBytes !== undefined ? { maxBodyBytes: opts.maxBodyBytes } : {}),
      ...(opts.maxBodyBytesInFlight !== undefined
        ? { maxBodyBytesInFlight: opts.maxBodyBytesInFlight }
        : {}),
      ...(opts.publicUrl !== undefined ? { publicUrl: opts.publicUrl } : {}),
      ...(input.taskStore !== undefined ? { taskStore: input.taskStore } : {}),
      ...(opts.streaming === true ? { streaming: true } : {}),
      extraRoutes: async (req, res) =>
        (await bearer.handleNode(req, res)) ||
        (await files.handleNode(req, res)) ||
        (transcript ? await transcript(req, res) : false),
      ...(opts.maxConnections !== undefined ? { maxConnections: opts.maxConnections } : {}),
      ...(opts.headersTimeoutMs !== undefined ? { headersTimeoutMs: opts.headersTimeoutMs } : {}),
      ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
    });
    input.onServer(server);
    url = server.url; // includes the secret path segment (also under publicUrl)
    registered = url;
  }
  input.auth.registeredUrl = url;
  const step = input.register;
  if (step) {
    await opts.registerWhen?.(input.signal);
    const card = input.transcript ? input.transcript.card(input.card, url) : input.card;
    await step("register", (signal) =>
      client.register({ url, agentCard: card, deliveryMode: "push", signal }),
    );
    input.auth.heard("register");
    await checkRegisteredUrl(client, url, input.logger);
  }
  return url;
}
