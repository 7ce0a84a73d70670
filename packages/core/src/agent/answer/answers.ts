// Answer, the last stage of every inbound message: a polled message's answer leaves the handler
// slot through the reply outbox (a pushed message's answer is its A2A result, returned by the push
// source), and a message that ends without being handled is reported as a dead letter.
import type { InboundMessage } from "../../inbound/index.js";
import type { Logger } from "../../transport/index.js";
import { describe } from "../../transport/index.js";
import { MoleculeError, MoleculeOptionError } from "../../transport/index.js";
import { type AgentObserver, deadLetterReason } from "../../events/index.js";
import type { AgentStateStore } from "../../store/index.js";
import type { AgentPlatformClient, RemoteAgentOptions } from "../types.js";
import { MoleculeReplyError, ReplyOutbox } from "./outbox.js";
import { PollTasks, type Refusal } from "./poll-tasks.js";
import { A2AErrorCode } from "../../a2a/index.js";
import type { A2ATaskStore } from "../../a2a/index.js";

/** How long a dead-letter report to the platform may take (ms). */
const REPORT_TIMEOUT_MS = 5_000;
/** Longest error text reported to the platform. */
const MAX_REPORT_DETAIL = 1_000;

/** The reply outbox and dead-letter reporting of one agent. */
export class Answers {
  readonly #client: AgentPlatformClient;
  readonly #options: Pick<RemoteAgentOptions, "onDeadLetter">;
  readonly #observer: AgentObserver;
  readonly #logger: Logger;
  readonly #outbox: ReplyOutbox;
  /** The tasks of questions asked by polled messages' handlers. */
  readonly #tasks: PollTasks;
  /** Where the outbox is persisted (poll delivery: attached at start). */
  #state: AgentStateStore | undefined;

  constructor(
    client: AgentPlatformClient,
    options: Pick<
      RemoteAgentOptions,
      "replyConcurrency" | "maxAttempts" | "retryBaseMs" | "onDeadLetter"
    >,
    observer: AgentObserver,
    tasks?: A2ATaskStore,
  ) {
    const concurrency = options.replyConcurrency ?? 8;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new MoleculeOptionError(
        "replyConcurrency",
        `RemoteAgent: replyConcurrency must be a positive integer (got ${concurrency}).`,
      );
    }
    this.#client = client;
    this.#options = options;
    this.#observer = observer;
    this.#logger = observer.logger;
    this.#tasks = new PollTasks(client.workspaceId, tasks);
    this.#outbox = new ReplyOutbox({
      concurrency,
      maxAttempts: Math.max(1, options.maxAttempts ?? 3),
      retryBaseMs: options.retryBaseMs ?? 500,
      retryMaxMs: 30_000,
      logger: this.#logger,
      send: async (record, to, signal) =>
        await observer.inContextOf(to, () =>
          client.reply(to, record.text, {
            signal,
            messageId: record.id,
            ...(record.task ? { task: record.task } : {}),
          }),
        ),
      persist: async (records) => await this.#state?.saveOutbox(records),
      onDeadLetter: async (msg, error) => await this.deadLetter(msg, error),
      onFailed: (msg, attempt, error, retryInMs) =>
        observer.replyFailed(msg, attempt, error, retryInMs),
    });
  }

  /** Answers not delivered yet. */
  get pendingReplies(): number {
    return this.#outbox.size;
  }

  /** Persists the outbox in `store` from now on, and resends what a previous run left there. */
  async attach(store: AgentStateStore): Promise<void> {
    this.#state = store;
    this.#outbox.restore(await store.loadOutbox());
  }

  /**
   * Queues the answer to a polled message; resolves once it is persisted (it may then settle). A
   * question (`askForInput`) or the answer to one goes with its task, stored first.
   */
  async enqueueReply(msg: InboundMessage, text: string): Promise<void> {
    await this.#outbox.enqueue(msg, text, await this.#tasks.answered(msg, text));
  }

  /**
   * Whether a polled message may run: true unless it continues a task (`taskId`) it may not (not
   * this agent's question to that sender, or finished); the refusal is then queued as its answer.
   */
  async admitTask(msg: InboundMessage): Promise<boolean> {
    let refusal: Refusal | undefined;
    try {
      refusal = await this.#tasks.check(msg);
    } catch (err) {
      // The store cannot tell: the sender is told to retry, as the A2A endpoint tells it.
      this.#logger.error?.("the task store could not be read for a continued task", {
        taskId: msg.taskId,
        error: describe(err),
      });
      refusal = {
        text: `the task store of this agent is unavailable, so task ${msg.taskId} cannot be continued now; try again later`,
        task: { id: msg.taskId ?? "", state: "unknown", error: A2AErrorCode.InternalError },
      };
    }
    if (refusal === undefined) return true;
    await this.#outbox.enqueue(msg, refusal.text, refusal.task);
    return false;
  }

  /**
   * Whether a redelivered message (in flight when a previous run died) already has its answer in
   * the outbox: its handler finished then, so it is settled without running again.
   */
  answered(msg: InboundMessage): boolean {
    return this.#outbox.has(msg);
  }

  /**
   * A `deadLettered` event, a report to the platform (an `error` row in this workspace's activity
   * log naming the message, which the canvas shows), then the user's `onDeadLetter`; without both
   * a listener and the callback, a process warning (`MOLECULE_DEAD_LETTER`).
   */
  async deadLetter(msg: InboundMessage, error: unknown): Promise<void> {
    const user = this.#options.onDeadLetter;
    const unheard = this.#observer.deadLettered(msg, error, user !== undefined);
    await this.#report(msg, error);
    if (user) return await user(msg, error);
    if (!unheard) return;
    // By code: MoleculeReplyError, MoleculeTurnLimitError, MoleculeDeliveryLimitError.
    const code = error instanceof MoleculeError ? error.code : undefined;
    const what =
      code === "reply_failed"
        ? "its reply could not be delivered"
        : code === "conversation_turn_limit"
          ? "its conversation went over the turn limit"
          : code === "delivery_limit"
            ? "it was delivered maxDeliveries times and never settled"
            : "its handler failed after every retry";
    process.emitWarning(
      `Molecule inbound message ${msg.messageId ?? msg.activityId ?? "?"} was dead-lettered: ${what} (pass onDeadLetter to handle it): ${describe(error)}`,
      {
        code: code === "conversation_turn_limit" ? "MOLECULE_TURN_LIMIT" : "MOLECULE_DEAD_LETTER",
      },
    );
  }

  /** Reports a dead letter to the platform; a failed report is logged (the message stays settled). */
  async #report(msg: InboundMessage, error: unknown): Promise<void> {
    if (this.#client.reportActivity === undefined) return;
    const reason = deadLetterReason(error);
    const id = msg.messageId ?? msg.activityId ?? "?";
    try {
      await this.#client.reportActivity(
        {
          activityType: "error",
          method: msg.method,
          status: "error",
          summary: `dead letter (${reason}): message ${id.slice(0, 128)}`,
          errorDetail: describe(error).slice(0, MAX_REPORT_DETAIL),
          // The sender the platform authenticated (polled messages); a pushed one's is only claimed.
          ...(msg.sourceId !== null ? { targetId: msg.sourceId } : {}),
          requestBody: {
            dead_letter: {
              reason,
              activity_id: msg.activityId ?? null,
              message_id: msg.messageId ?? null,
              context_id: msg.contextId ?? null,
            },
          },
        },
        { signal: AbortSignal.timeout(REPORT_TIMEOUT_MS) },
      );
    } catch (err) {
      this.#logger.warn?.("could not report a dead letter to the platform", {
        messageId: id,
        error: describe(err),
      });
    }
  }

  /** Resolves true once every queued answer is delivered or dead-lettered, false after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<boolean> {
    const idle = await this.#outbox.idle(timeoutMs);
    await this.#state?.flush();
    return idle;
  }

  /**
   * Gives queued answers `drainMs`, then stops the outbox. Unsent answers stay persisted when
   * `persistent`; otherwise each one is dead-lettered, never dropped.
   */
  async stop(drainMs: number, persistent: boolean): Promise<void> {
    const outbox = this.#outbox;
    if (!(await outbox.idle(drainMs))) {
      this.#logger.warn?.("drain timeout: answers are still in the reply outbox", {
        count: outbox.size,
      });
    }
    const unsent = outbox.stop();
    await this.#state?.flush();
    if (persistent) return;
    for (const msg of unsent) {
      await this.deadLetter(
        msg,
        new MoleculeReplyError(
          `the agent stopped before the reply to message ${msg.messageId ?? msg.activityId ?? "?"} was delivered; pass a persistent cursorStore to resend it on the next start`,
          undefined,
        ),
      ).catch(() => undefined);
    }
  }
}
