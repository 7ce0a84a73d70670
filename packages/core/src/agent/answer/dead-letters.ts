// Dead letters: a message that ends without being handled (its handler failed on every attempt,
// its conversation went over the turn limit, it was delivered too often, or its answer could not
// be delivered) is said once: a `deadLettered` event, a report to the platform (an `error` row in
// the workspace's activity log, which the canvas shows), then the user's `onDeadLetter`, else a
// process warning when nothing heard it. The reply outbox (answers.ts) calls it, and queues the
// answer that tells a waiting sender its message will not be answered ({@link failureAnswer}).
import { emitWarning } from "../../runtime/index.js";
import type { AnswerFailure } from "../../a2a/index.js";
import { type AgentObserver, deadLetterReason } from "../../events/index.js";
import type { InboundMessage, OutboxRecord } from "../../inbound/index.js";
import type { Logger } from "../../transport/index.js";
import { backoffDelay, describe, MoleculeError, platformRefused } from "../../transport/index.js";
import { sleep } from "../../transport/index.js";
import type { ActivityReport } from "../../platform/index.js";

/** How long a dead-letter report may take (ms): twice the platform's rate-limit window. */
const REPORT_TIMEOUT_MS = 150_000;
/** The first and the longest wait before a report held through the path is sent again (ms). */
const REPORT_RETRY_BASE_MS = 1_000;
const REPORT_RETRY_MAX_MS = 30_000;
/** Longest error text reported to the platform. */
const MAX_REPORT_DETAIL = 1_000;

/** What a failure answer says of each reason its message was dead-lettered. */
const FAILURE_WHY: Record<AnswerFailure, string> = {
  handler_failed: "its handler failed on every attempt",
  turn_limit: "its conversation went over this agent's turn limit",
  delivery_limit: "it was delivered too many times without finishing",
};

/**
 * The handler ran and returned an answer, but the answer could not be delivered to the sender
 * (handed to `onDeadLetter`). The handler is not run again for it.
 */
export class MoleculeReplyError extends MoleculeError {
  constructor(message: string, cause: unknown) {
    super(message, { code: "reply_failed", retryable: false, cause });
  }
}

/**
 * An error that says retrying cannot help: `retryable === false` (every `MoleculeError` carries
 * the flag; set it on your own errors, e.g. a routing error). Plain errors are retried.
 */
export function isPermanent(err: unknown): boolean {
  return !!err && typeof err === "object" && (err as { retryable?: unknown }).retryable === false;
}

/** The answer that tells a message's sender it will never be answered, and why. */
export interface FailureAnswer {
  text: string;
  reason: AnswerFailure;
}

/** `RemoteAgentOptions.onDeadLetter`: the user's hand for a message that failed every attempt. */
type OnDeadLetter = (msg: InboundMessage, error: unknown) => void | Promise<void>;

/** What a dead letter needs of the agent's platform client (`AgentPlatformClient`): its report. */
interface DeadLetterClient {
  reportActivity?(
    report: ActivityReport,
    opts?: { signal?: AbortSignal; timeoutMs?: number; background?: boolean },
  ): Promise<void>;
}

/** The dead letters of one agent: said, reported to the platform, handed to `onDeadLetter`. */
export class DeadLetters {
  readonly #client: DeadLetterClient;
  readonly #onDeadLetter: OnDeadLetter | undefined;
  readonly #observer: AgentObserver;
  readonly #logger: Logger;
  /** Reports in flight (sent in the background, awaited by {@link reported}). */
  readonly #reports = new Set<Promise<void>>();
  /** Aborted when the agent stops: a report held through the path's failure is not sent again. */
  readonly #stopping: AbortSignal | undefined;

  constructor(
    client: DeadLetterClient,
    options: { onDeadLetter?: OnDeadLetter | undefined },
    observer: AgentObserver,
    stopping?: AbortSignal,
  ) {
    this.#client = client;
    this.#onDeadLetter = options.onDeadLetter;
    this.#observer = observer;
    this.#logger = observer.logger;
    this.#stopping = stopping;
  }

  /**
   * A `deadLettered` event, a report to the platform (an `error` row in this workspace's activity
   * log naming the message, which the canvas shows), then the user's `onDeadLetter`. It is said in one
   * line, by the agent's logger; a process warning (`MOLECULE_DEAD_LETTER`) only when the logger
   * has no `error` and neither a listener nor the callback takes it.
   */
  async deadLetter(msg: InboundMessage, error: unknown): Promise<void> {
    const user = this.#onDeadLetter;
    const unheard = this.#observer.deadLettered(msg, error, user !== undefined);
    // In the background: a rate-limited or unreachable platform must not hold a handler slot.
    const report = this.#report(msg, error).finally(() => this.#reports.delete(report));
    this.#reports.add(report);
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
    emitWarning(
      `Molecule inbound message ${msg.messageId ?? msg.activityId ?? "?"} was dead-lettered: ${what} (pass onDeadLetter to handle it): ${describe(error)}`,
      {
        code: code === "conversation_turn_limit" ? "MOLECULE_TURN_LIMIT" : "MOLECULE_DEAD_LETTER",
      },
    );
  }

  /**
   * The answer that tells the sender of a polled message dead-lettered with `error` that it will
   * never be answered (the sender may be waiting in `callPeer`, or a person on the canvas), sent
   * through the outbox like any answer. None for an answer (answers are never answered), for a
   * message whose own answer could not be delivered (the failure would not be either), for a
   * pushed message (its A2A result carries the failure) or one whose sender is not known.
   */
  failureAnswer(msg: InboundMessage, error: unknown): FailureAnswer | undefined {
    if (msg.activityId === undefined || msg.isReply) return undefined;
    if (msg.source !== "canvas_user" && !(msg.source === "peer_agent" && msg.sourceId)) {
      return undefined;
    }
    const reason = deadLetterReason(error);
    if (reason === "reply_failed") return undefined;
    const text = `This agent could not handle the message (${reason}: ${FAILURE_WHY[reason]}); it will not be answered.`;
    return { text, reason };
  }

  /**
   * Dead-letters the answer `record` to `msg`, undeliverable after `attempts` (`cause` the last
   * failure); a failure answer ({@link failureAnswer}) is only logged.
   */
  async undeliverable(
    msg: InboundMessage,
    record: OutboxRecord,
    attempts: number,
    cause: unknown,
  ): Promise<void> {
    if (record.failure !== undefined) {
      this.#logger.warn?.("the failure answer of a dead-lettered message could not be delivered", {
        messageId: msg.messageId,
        error: describe(cause),
      });
      return;
    }
    const error = new MoleculeReplyError(
      `the reply to message ${msg.messageId ?? msg.activityId ?? "?"} (to ${msg.sourceId ?? msg.source}) could ` +
        `not be delivered after ${attempts} attempt(s)` +
        (platformRefused(cause) ? " (the platform refused it for good)" : "") +
        `; the handler succeeded and is not run again: ${describe(cause)}`,
      cause,
    );
    try {
      await this.deadLetter(msg, error);
    } catch (err) {
      this.#logger.error?.("onDeadLetter threw for a failed reply", { error: describe(err) });
    }
  }

  /** Resolves once the reports in flight now are sent or have failed. */
  async reported(): Promise<void> {
    await Promise.allSettled(this.#reports);
  }

  /**
   * Reports a dead letter to the platform; a failed report is logged (the message stays settled),
   * one that failed on the path to the platform (transport/path-failure.ts) is sent again with
   * backoff until it goes or the agent stops, said by the path warnings.
   */
  async #report(msg: InboundMessage, error: unknown): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const err = await this.#reportOnce(msg, error);
      if (err === undefined) return void this.#observer.path.passed();
      // The path to the platform failing is said once per cause by the path warnings.
      const stopping = this.#stopping;
      if (!this.#observer.path.failed(err) || stopping === undefined) {
        this.#logger.warn?.("could not report a dead letter to the platform", {
          messageId: msg.messageId ?? msg.activityId ?? "?",
          error: describe(err),
        });
        return;
      }
      await sleep(backoffDelay(attempt, REPORT_RETRY_BASE_MS, REPORT_RETRY_MAX_MS), stopping);
      if (stopping.aborted) return;
    }
  }

  /** One report of a dead letter: `undefined` once sent, else why not. */
  async #reportOnce(msg: InboundMessage, error: unknown): Promise<unknown> {
    if (this.#client.reportActivity === undefined) return undefined;
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
      return undefined;
    } catch (err) {
      return err;
    }
  }
}
