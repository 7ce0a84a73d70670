// An agent's transcript for the canvas: the platform's `GET /workspaces/:id/transcript` relays
// `GET /transcript?since=&limit=` at the origin of the agent card's `url`, forwarding the caller's
// bearer as it is. This serves it to the agent's own token (compared here, no platform call) and
// to a bearer the platform accepts for this workspace (checked against the platform, the answer
// cached briefly; the bearer is never logged or kept: only its SHA-256 is, as the cache key).
// Checks of bearers not in the cache are rate-bounded per address (transcript-budget.ts), so no
// stranger can make the agent spend its own platform budget (the platform limits requests per IP,
// the agent's heartbeats among them) nor the share of the platform's own relay.
// shared/reference/platform-api-workspace-features.md §3.2.
// The route itself (createTranscriptHandler) is transcript-route.ts, loaded on first use.
import { MoleculeOptionError, type Logger } from "../transport/index.js";
import { TranscriptLog } from "./transcript-log.js";
import type { PushTranscript, TranscriptHandlerOptions } from "./transcript-route.js";

/**
 * Wraps a message handler so `log` records each message (on its first attempt) and each answer
 * it returns. What `RemoteAgent`'s `transcript` option does to its handler.
 */
export function recordTurns<
  M extends { text: string; sourceId: string | null },
  X extends { attempt: number },
>(
  handler: (msg: M, ctx: X) => string | void | Promise<string | void>,
  log: TranscriptLog,
): (msg: M, ctx: X) => Promise<string | void> {
  return async (msg, ctx) => {
    if (ctx.attempt === 1) log.add("user", msg.text, msg.sourceId ?? undefined);
    const answer = await handler(msg, ctx);
    if (typeof answer === "string" && answer !== "") log.add("agent", answer);
    return answer;
  };
}

/** `RemoteAgent`'s `transcript` option, when an object. */
type TranscriptOption = Pick<TranscriptHandlerOptions, "cacheMs" | "verifyPerMinute"> & {
  maxLines?: number;
  maxTextChars?: number;
};

/** The client fields an agent's transcript needs (a `PlatformClient` has them). */
interface TranscriptClient {
  workspaceId: string;
  platformUrl?: unknown;
  isOwnToken?: (bearer: string) => boolean;
}

/**
 * `RemoteAgent`'s `transcript` option: the log, the handler that records into it, and the route
 * its built-in push server serves. `of` returns `undefined` when the option is off.
 */
export class AgentTranscript {
  readonly log: TranscriptLog;
  readonly #option: TranscriptOption;
  readonly #client: TranscriptClient;
  readonly #logger: Logger;

  private constructor(option: TranscriptOption, client: TranscriptClient, logger: Logger) {
    this.log = new TranscriptLog(option);
    this.#option = option;
    this.#client = client;
    this.#logger = logger;
  }

  static of(
    option: boolean | TranscriptOption | undefined,
    client: TranscriptClient,
    logger: Logger,
  ): AgentTranscript | undefined {
    if (!option) return undefined;
    if (typeof client.platformUrl !== "string")
      throw new MoleculeOptionError(
        "transcript",
        "RemoteAgent: the transcript option needs a client with platformUrl (a PlatformClient).",
      );
    return new AgentTranscript(option === true ? {} : option, client, logger);
  }

  /** The route and card of a push agent's built-in server (`mode` "push", `server` not `false`), or `undefined` (and a warning) without one; the route's module loads here. */
  async forServer(mode: string, server: boolean | undefined): Promise<PushTranscript | undefined> {
    if (mode !== "push" || server === false) {
      this.#logger.warn?.(
        "transcript: only the built-in push server serves it; mount createTranscriptHandler({ log: agent.transcript, … }) on your server",
      );
      return undefined;
    }
    const { pushTranscript } = await import("./transcript-route.js");
    return pushTranscript({
      platformUrl: this.#client.platformUrl as string,
      workspaceId: this.#client.workspaceId,
      log: this.log,
      logger: this.#logger,
      ...(typeof this.#client.isOwnToken === "function"
        ? { isOwnToken: (bearer: string) => this.#client.isOwnToken!(bearer) }
        : {}),
      ...(this.#option.cacheMs !== undefined ? { cacheMs: this.#option.cacheMs } : {}),
      ...(this.#option.verifyPerMinute !== undefined
        ? { verifyPerMinute: this.#option.verifyPerMinute }
        : {}),
    });
  }
}
