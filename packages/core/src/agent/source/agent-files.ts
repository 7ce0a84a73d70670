// An agent's files: which parts of an inbound message become `msg.files`, the acknowledgement of
// a polled message's pending uploads once its handler succeeded (so a crash before it leaves them
// to the next start), and, with push delivery, what the platform's chat-file forwards reach: the
// ingest and file-read routes below the push URL, and the memory the files are kept in.
import { ChatFileRoutes, IngestedFiles, MessageFiles } from "../../files/index.js";
import type { InboundMessage } from "../../inbound/index.js";
import { type Logger, MoleculeOptionError } from "../../transport/index.js";
import type { AgentPlatformClient, RemoteAgentOptions } from "../types.js";

/** See the file comment. */
export class AgentFiles {
  readonly #client: AgentPlatformClient;
  readonly #store: IngestedFiles;
  readonly #messages: MessageFiles;
  readonly #logger: Logger;

  constructor(client: AgentPlatformClient, options: RemoteAgentOptions["files"], logger: Logger) {
    for (const key of ["maxBytes", "keepMs"] as const) {
      const v = options?.[key];
      if (v !== undefined && !(Number.isSafeInteger(v) && v > 0))
        throw new MoleculeOptionError(
          `files.${key}`,
          `RemoteAgent: files.${key} must be a positive integer (got ${v}).`,
        );
    }
    this.#client = client;
    this.#logger = logger;
    this.#store = new IngestedFiles({
      maxBytes: options?.maxBytes,
      keepMs: options?.keepMs,
      onDrop: (name) =>
        logger.warn?.("a chat file was dropped to make room for newer ones (files.maxBytes)", {
          name,
        }),
    });
    this.#messages = new MessageFiles(client.workspaceId, client.files, this.#store, logger);
  }

  /** Sets `msg.files` (when it has any) before its handler runs. */
  attach(msg: InboundMessage, delivery: "poll" | "push"): void {
    const files = this.#messages.of(msg, delivery);
    if (files.length > 0) msg.files = files;
  }

  /** The handler of polled `msg` succeeded: its pending uploads are acknowledged, each once. */
  acknowledge(msg: InboundMessage): Promise<void> {
    return this.#messages.acknowledge(msg.files);
  }

  /** The chat-file routes below a push endpoint's path (its `basePath` and path secret). */
  routes(endpointPath: string): ChatFileRoutes {
    const client = this.#client;
    return new ChatFileRoutes({
      endpointPath,
      secret: () => client.files?.inboundSecret,
      store: this.#store,
      logger: this.#logger,
    });
  }
}
