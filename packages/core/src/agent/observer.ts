// The one channel of what an agent does: each step becomes a typed event for `agent.on()`, a line in
// the agent's logger, and (for warnings nobody listens to) a process warning.
import type { InboundGapWarning } from "../inbound/index.js";
import type { Logger } from "../transport/index.js";
import { describe, MoleculeError } from "../transport/index.js";
import type { InboundMessage } from "../inbound/index.js";
import {
  activeContext,
  ATTR,
  failSpan,
  traceInbound,
  withContext,
} from "../observability/index.js";
import type { TraceContext } from "../observability/index.js";
import { MoleculeReplyError, MoleculeTurnLimitError } from "./errors.js";
import { logEvent } from "./event-log.js";
import { AgentEventBus } from "./events.js";
import type { AgentEvent, AgentEventMap, AgentEventName } from "./events.js";
import { stderrLogger } from "./default-logger.js";
import { HeartbeatWatch } from "./liveness.js";
import type { HeartbeatLateWarning } from "./liveness.js";
import type { AgentDeliveryMode, AgentEndReason, RemoteAgentOptions } from "./types.js";

/** The agent options the observer reads. */
type ObservedOptions = Pick<
  RemoteAgentOptions,
  "logger" | "onEvent" | "pollIntervalMs" | "heartbeatIntervalMs" | "onHeartbeatLate"
> & { client: { workspaceId: string } };
import type { EventWakeupsUnavailableWarning } from "./wakeup-warning.js";

/** How one message's handling ended (the dispatcher's outcome, as the observer needs it). */
export type TrackOutcome =
  | { status: "handled"; reply: string | undefined }
  | { status: "dead-lettered"; error: unknown }
  | { status: "aborted" }
  | { status: "canceled" };

/** What the dispatcher reports about one message. */
export interface MessageTrack {
  /** Runs the whole handling of the message (every attempt, its answer queued) in its context. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** A handler attempt failed; `retryInMs` is undefined when it is not retried. */
  failed(attempt: number, error: unknown, retryInMs: number | undefined): void;
  /** Queuing its answer failed; `retryInMs` is undefined when it is not retried. */
  replyFailed(attempt: number, error: unknown, retryInMs: number | undefined): void;
  /** Handling ended. */
  end(outcome: TrackOutcome): void;
}

/** Options of {@link AgentObserver}. */
export interface AgentObserverOptions {
  workspaceId: string;
  logger: Logger;
  /** True when `logger` is the built-in stderr logger (a process warning then says it alone). */
  defaultLogger: boolean;
  onEvent?: ((event: AgentEvent) => void) | undefined;
  /** The poll period (reported in `connected`). */
  pollIntervalMs: number;
  /** The user's callback of late heartbeats (else a process warning when nobody listens). */
  onHeartbeatLate?: ((warning: HeartbeatLateWarning) => void) | undefined;
}

type Fields<K extends AgentEventName> = Omit<AgentEventMap[K], "type" | "workspaceId">;

function deadLetterReason(error: unknown): AgentEventMap["deadLettered"]["reason"] {
  if (error instanceof MoleculeReplyError) return "reply_failed";
  if (error instanceof MoleculeTurnLimitError) return "turn_limit";
  if (error instanceof MoleculeError && error.code === "delivery_limit") return "delivery_limit";
  return "handler_failed";
}

/** The events, log lines and process warnings of one agent. */
export class AgentObserver {
  readonly bus: AgentEventBus;
  readonly #o: AgentObserverOptions;
  /** The trace context each message was handled in (its answer is sent in it). */
  #contexts: WeakMap<InboundMessage, TraceContext> | undefined;

  /** The observer of an agent with these options (its logger: `logger`, else {@link stderrLogger}). */
  static of(options: ObservedOptions): AgentObserver {
    return new AgentObserver({
      workspaceId: options.client.workspaceId,
      logger: options.logger ?? stderrLogger(),
      defaultLogger: options.logger === undefined,
      onEvent: options.onEvent,
      pollIntervalMs: options.pollIntervalMs ?? 5_000,
      onHeartbeatLate: options.onHeartbeatLate,
    });
  }

  /** The agent's logger. */
  get logger(): Logger {
    return this.#o.logger;
  }

  /** The agent's heartbeat watch, reporting late heartbeats here. */
  heartbeatWatch(options: ObservedOptions): HeartbeatWatch {
    return new HeartbeatWatch({
      workspaceId: this.#o.workspaceId,
      intervalMs: options.heartbeatIntervalMs ?? 30_000,
      logger: this.#o.logger,
      sink: this,
    });
  }

  /** During start: the delivery chosen (`probed`: from the platform's capabilities). */
  deliveryChosen(
    delivery: AgentDeliveryMode,
    probed: boolean,
    caps: { pollDelivery: boolean } | undefined,
  ): void {
    this.emit("deliveryChosen", {
      delivery,
      source: probed ? "capabilities" : "option",
      ...(caps ? { pollDelivery: caps.pollDelivery } : {}),
    });
  }

  /** `start()` succeeded; `began` is its `performance.now()`. */
  connected(
    delivery: AgentDeliveryMode,
    began: number,
    pushUrl: string | undefined,
    eventWakeups: boolean,
  ): void {
    this.emit("connected", {
      delivery,
      ...(pushUrl !== undefined ? { pushUrl } : {}),
      ...(delivery === "poll" ? { pollIntervalMs: this.#o.pollIntervalMs } : {}),
      eventWakeups,
      startupMs: performance.now() - began,
    });
  }

  /** The agent begins to end. */
  stopping(reason: AgentEndReason, activeTasks: number, pendingReplies: number): void {
    this.emit("stopping", { reason, activeTasks, pendingReplies });
  }

  /** The agent ended. */
  stopped(reason: AgentEndReason, error: unknown, uptimeMs: number): void {
    this.emit("stopped", { reason, uptimeMs, ...(error === undefined ? {} : { error }) });
  }

  constructor(options: AgentObserverOptions) {
    this.#o = options;
    this.bus = new AgentEventBus(options.onEvent, options.logger);
  }

  /** Logs and emits an event. */
  emit<K extends AgentEventName>(type: K, fields: Fields<K>): void {
    const event = { type, workspaceId: this.#o.workspaceId, ...fields } as unknown as AgentEvent;
    logEvent(this.#o.logger, event);
    this.bus.emit(event);
  }

  /**
   * Emits a warning event; returns true when nobody took it (no listener, no `callback`), so the
   * caller emits a process warning. The built-in logger then stays quiet: the warning says it.
   */
  #warn<K extends AgentEventName>(type: K, fields: Fields<K>, callback: boolean): boolean {
    const event = { type, workspaceId: this.#o.workspaceId, ...fields } as unknown as AgentEvent;
    const heard = this.bus.emit(event);
    const unheard = !callback && !heard;
    if (!(unheard && this.#o.defaultLogger)) logEvent(this.#o.logger, event);
    return unheard;
  }

  /** A dead letter; true when a process warning should say it (no `onDeadLetter`, no listener). */
  deadLettered(message: InboundMessage, error: unknown, hasCallback: boolean): boolean {
    return this.#warn(
      "deadLettered",
      { message, error, reason: deadLetterReason(error) },
      hasCallback,
    );
  }

  /** A failed answer send. */
  replyFailed(message: InboundMessage, attempt: number, error: unknown, retryInMs?: number): void {
    this.emit("replyFailed", {
      message,
      attempt,
      error,
      willRetry: retryInMs !== undefined,
      ...(retryInMs !== undefined ? { retryInMs } : {}),
    });
  }

  /** A late heartbeat: `onHeartbeatLate` (the user's option) or a process warning when nobody listens. */
  heartbeatLate(warning: HeartbeatLateWarning): void {
    const onLate = this.#o.onHeartbeatLate;
    const { lateByMs, intervalMs } = warning;
    if (this.#warn("heartbeatLate", { lateByMs, intervalMs, warning }, onLate !== undefined)) {
      process.emitWarning(warning);
    }
    onLate?.(warning);
  }

  /** A gap in poll delivery. */
  inboundGap(warning: InboundGapWarning): void {
    const { reason, cursor, oldestReturned } = warning;
    if (this.#warn("inboundGap", { reason, cursor, oldestReturned, warning }, false)) {
      process.emitWarning(warning);
    }
  }

  /** The store cannot save: no new work until it can (a process warning when nobody listens). */
  storeUnwritable(error: unknown): void {
    if (this.#warn("storeUnwritable", { error }, false)) {
      process.emitWarning(
        `the agent's store cannot save; no new messages until it can: ${describe(error)}`,
        "MoleculeStoreWarning",
      );
    }
  }

  /** The store saves again. */
  storeWritable(downMs: number): void {
    this.#warn("storeWritable", { downMs }, false);
  }

  /** Poll delivery without event wake-ups. */
  wakeupsUnavailable(warning: EventWakeupsUnavailableWarning): void {
    const { reason, pollIntervalMs } = warning;
    if (this.#warn("wakeupsUnavailable", { reason, pollIntervalMs, warning }, false)) {
      process.emitWarning(warning);
    }
  }

  /** Runs `fn` in the trace context `msg` was handled in (for its answer's send). */
  inContextOf<T>(msg: InboundMessage, fn: () => T): T {
    return withContext(this.#contexts?.get(msg), fn);
  }

  /**
   * Starts tracking one message through the dispatcher: its events, and its
   * `molecule.handle_message` span (a child of the sender's, from the message's trace context).
   */
  track(msg: InboundMessage, redelivered: boolean): MessageTrack {
    const delivery = msg.activityId === undefined ? "push" : "poll";
    const started = performance.now();
    let failures = 0;
    let span:
      | { addEvent(name: string, attributes: Record<string, string | number>): unknown }
      | undefined;
    const run = <T>(fn: () => Promise<T>): Promise<T> =>
      traceInbound(
        this.#o.workspaceId,
        msg,
        redelivered,
        async (s) => {
          span = s;
          const ctx = s ? activeContext() : undefined;
          if (ctx) (this.#contexts ??= new WeakMap()).set(msg, ctx);
          return await fn();
        },
        (s, result) => {
          const outcome = result as TrackOutcome;
          s.setAttribute(ATTR.attempts, outcome.status === "handled" ? failures + 1 : failures);
          s.setAttribute(ATTR.outcome, outcome.status);
          // Its attempts' errors are events already: the status says how it ended.
          if (outcome.status === "dead-lettered") failSpan(s, outcome.error, failures === 0);
        },
      );
    return {
      run,
      failed: (attempt, error, retryInMs) => {
        failures = attempt;
        span?.addEvent("exception", {
          "exception.type": error instanceof Error ? error.name : "Error",
          "exception.message": describe(error),
          "molecule.handler.attempt": attempt,
        });
        if (retryInMs !== undefined) {
          this.emit("retried", { message: msg, delivery, attempt, error, retryInMs });
        } else if (attempt === 1) {
          // Not retried (non-retryable, or maxAttempts 1): its first error is still logged here.
          this.#o.logger.warn?.(`inbound handler failed; not retried: ${describe(error)}`, {
            messageId: msg.messageId,
            activityId: msg.activityId,
          });
        }
      },
      replyFailed: (attempt, error, retryInMs) => this.replyFailed(msg, attempt, error, retryInMs),
      end: (outcome) => {
        if (outcome.status === "canceled") {
          this.#o.logger.info?.("inbound message canceled (tasks/cancel): its answer is dropped", {
            messageId: msg.messageId,
          });
        }
        if (outcome.status !== "handled") return;
        this.emit("handled", {
          message: msg,
          delivery,
          attempts: failures + 1,
          durationMs: performance.now() - started,
          replied: outcome.reply !== undefined,
          redelivered,
        });
      },
    };
  }
}
