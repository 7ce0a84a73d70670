// What a RemoteAgent's dispatcher calls (the user's handler, the reply outbox, dead letters, the
// observer, the poll loop's wake-up), as one object whose methods are shared by every agent: an
// agent holds this object instead of a closure per callback.
import type { InboundMessage } from "../../inbound/index.js";
import type { Logger } from "../../transport/index.js";
import type { Answers } from "../answer/answers.js";
import type { Router } from "../route/router.js";
import type { AttemptInfo, DispatcherOptions } from "./dispatcher.js";
import type { AgentObserver, MessageTrack } from "../../events/index.js";
import type { AgentPlatformClient, RemoteAgentOptions } from "../types.js";

/** The {@link DispatcherOptions} of one agent. */
export class DispatchHooks<C extends AgentPlatformClient> implements DispatcherOptions {
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs = 30_000;
  /** The running poll loop, woken when a handler slot frees up (poll delivery only). */
  poll: { wake(): void } | undefined;

  constructor(
    readonly options: RemoteAgentOptions<C>,
    readonly client: C,
    readonly logger: Logger,
    readonly router: Router,
    readonly answers: Answers,
    readonly observer: AgentObserver,
  ) {
    this.concurrency = options.concurrency ?? 4;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.retryBaseMs = options.retryBaseMs ?? 500;
  }

  async run(msg: InboundMessage, info: AttemptInfo): Promise<string | void> {
    return await this.options.handler(msg, {
      signal: info.signal,
      client: this.client,
      attempt: info.attempt,
      redelivered: info.redelivered,
      delivery: msg.activityId === undefined ? "push" : "poll",
      logger: this.logger,
      callPeer: this.router.callPeerFrom(msg),
    });
  }

  /** Queues the answer in the reply outbox (which frees the handler slot). */
  async reply(msg: InboundMessage, text: string): Promise<void> {
    await this.answers.enqueueReply(msg, text);
  }

  async onDeadLetter(msg: InboundMessage, error: unknown): Promise<void> {
    await this.answers.deadLetter(msg, error);
  }

  onSlotFree(): void {
    this.poll?.wake();
  }

  track(msg: InboundMessage, redelivered: boolean): MessageTrack {
    return this.observer.track(msg, redelivered);
  }
}
