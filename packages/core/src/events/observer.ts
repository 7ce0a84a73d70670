// The one channel of what an agent does: each step becomes a typed event for `agent.on()`, a line in
// the agent's logger, and (for warnings nobody listens to) a process warning.
import { emitWarning } from "../runtime/index.js";
import type { InboundGapWarning } from "../inbound/index.js";
import type { Logger } from "../transport/index.js";
import { describe, hideUrlSecret, MoleculeError, pathFailureOf } from "../transport/index.js";
import { type InboundMessage, deliveryOf } from "../inbound/index.js";
import {
  activeContext,
  ATTR,
  exceptionAttributes,
  failSpan,
  traceInbound,
  withContext,
} from "../observability/index.js";
import type { TraceContext } from "../observability/index.js";
import { AgentEventBus } from "./events.js";
import type { AgentEvent, AgentEventMap, AgentEventName } from "./events.js";
import { stderrLogger } from "./default-logger.js";
import { LINES_PER_SECOND, LineBudget } from "./line-budget.js";
import { PathWarnings } from "./path-warnings.js";
import type { AgentDeliveryMode, AgentEndReason } from "./events.js";
import type { EventWakeupsUnavailableWarning, HeartbeatLateWarning } from "./warnings.js";

/** The agent options the observer reads (those of `RemoteAgentOptions`). */
interface ObservedOptions {
  client: { workspaceId: string };
  logger?: Logger | undefined;
  onEvent?: ((event: AgentEvent) => void) | undefined;
  pollIntervalMs?: number | undefined;
  onHeartbeatLate?: ((warning: HeartbeatLateWarning) => void) | undefined;
}

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

/**
 * Why a message was dead-lettered, as the `deadLettered` event and the platform report say it: by
 * the error's code (`MoleculeReplyError`, `MoleculeTurnLimitError`, `MoleculeDeliveryLimitError`).
 */
export function deadLetterReason(error: unknown): AgentEventMap["deadLettered"]["reason"] {
  const code = error instanceof MoleculeError ? error.code : undefined;
  if (code === "reply_failed") return "reply_failed";
  if (code === "conversation_turn_limit") return "turn_limit";
  if (code === "delivery_limit") return "delivery_limit";
  return "handler_failed";
}

/** The events, log lines and process warnings of one agent. */
export class AgentObserver {
  readonly bus: AgentEventBus;
  readonly #o: AgentObserverOptions;
  /** What the agent says while the path to its platform fails (one line per cause a minute). */
  readonly path: PathWarnings;
  /** The trace context each message was handled in (its answer is sent in it). */
  #contexts: WeakMap<InboundMessage, TraceContext> | undefined;
  /** The `handled` lines: at most {@link LINES_PER_SECOND} a second, the rest counted. */
  readonly #lines = new LineBudget(LINES_PER_SECOND, (skipped) => {
    const { info, debug } = this.#o.logger;
    (info ?? debug)?.(
      `${skipped} more ${skipped === 1 ? "message" : "messages"} handled in the last second without a line each (at most ${LINES_PER_SECOND} such lines a second; a "handled" listener sees every message)`,
      { workspaceId: this.#o.workspaceId, skipped },
    );
  });

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

  /** The workspace was paused (`true`) or resumed (`false`) while the agent waits it out. */
  paused(paused: boolean): void {
    if (paused) this.emit("paused", {});
    else this.emit("resumed", {});
  }

  /** The agent begins to end. */
  stopping(reason: AgentEndReason, activeTasks: number, pendingReplies: number): void {
    this.emit("stopping", { reason, activeTasks, pendingReplies });
  }

  /** The agent ended. */
  stopped(reason: AgentEndReason, error: unknown, uptimeMs: number): void {
    this.#lines.close();
    this.emit("stopped", { reason, uptimeMs, ...(error === undefined ? {} : { error }) });
  }

  constructor(options: AgentObserverOptions) {
    this.#o = options;
    this.bus = new AgentEventBus(options.onEvent, options.logger);
    this.path = new PathWarnings(options.logger, options.workspaceId);
  }

  /** Logs (unless `log` is false) and emits an event. */
  emit<K extends AgentEventName>(type: K, fields: Fields<K>, log = true): void {
    const event = { type, workspaceId: this.#o.workspaceId, ...fields } as unknown as AgentEvent;
    if (log) logEvent(this.#o.logger, event);
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

  /**
   * A dead letter, said in one line: by the logger (the default one too), else (a logger without
   * `error`, e.g. `{}`) by a process warning, which it returns true for, unless a listener or
   * `onDeadLetter` takes it.
   */
  deadLettered(message: InboundMessage, error: unknown, hasCallback: boolean): boolean {
    const fields = { message, error, reason: deadLetterReason(error) };
    const event = { type: "deadLettered", workspaceId: this.#o.workspaceId, ...fields } as const;
    const heard = this.bus.emit(event);
    logEvent(this.#o.logger, event);
    return !hasCallback && !heard && this.#o.logger.error === undefined;
  }

  /** A delegation result the platform pushed into the inbox (never the handler's). */
  delegationResult(message: InboundMessage): void {
    const r = message.delegationResult;
    if (!r) return;
    this.emit("delegationResult", {
      delegationId: r.delegationId,
      status: r.status,
      text: r.text,
      ...(r.error !== undefined ? { error: r.error } : {}),
      message,
    });
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
      emitWarning(warning);
    }
    onLate?.(warning);
  }

  /** A gap in poll delivery. */
  inboundGap(warning: InboundGapWarning): void {
    const { reason, cursor, oldestReturned } = warning;
    if (this.#warn("inboundGap", { reason, cursor, oldestReturned, warning }, false)) {
      emitWarning(warning);
    }
  }

  /** The store cannot save: no new work until it can (a process warning when nobody listens). */
  storeUnwritable(error: unknown): void {
    if (this.#warn("storeUnwritable", { error }, false)) {
      emitWarning(
        `the agent's store cannot save; no new messages until it can: ${describe(error)}`,
        "MoleculeStoreWarning",
      );
    }
  }

  /** A direct child asked a person for approval. */
  approvalEscalated(e: Omit<AgentEventMap["approvalEscalated"], "type" | "workspaceId">): void {
    this.emit("approvalEscalated", e);
  }

  /** The store saves again. */
  storeWritable(downMs: number): void {
    this.#warn("storeWritable", { downMs }, false);
  }

  /** Poll delivery without event wake-ups (`said`: by the path warnings, so the event only). */
  wakeupsUnavailable(warning: EventWakeupsUnavailableWarning, said = false): void {
    const { reason, pollIntervalMs } = warning;
    if (said)
      return void this.emit("wakeupsUnavailable", { reason, pollIntervalMs, warning }, false);
    if (this.#warn("wakeupsUnavailable", { reason, pollIntervalMs, warning }, false)) {
      emitWarning(warning);
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
    const delivery = deliveryOf(msg);
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
        (s) => {
          span = s;
          const ctx = s ? activeContext() : undefined;
          if (ctx) (this.#contexts ??= new WeakMap()).set(msg, ctx);
          return fn();
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
          ...exceptionAttributes(error, describe(error)), // bounded: a thrown message may be huge
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
        // Every message ends here: its event is built only for a listener or a logger that prints
        // its line (info, debug for an answer; at most LINES_PER_SECOND lines a second).
        const { info, debug } = this.#o.logger;
        const logs = (msg.isReply ? debug : info) !== undefined && this.#lines.take();
        if (!logs && this.bus.listenerCount("handled") === 0) return;
        const fields: Fields<"handled"> = {
          message: msg,
          delivery,
          attempts: failures + 1,
          durationMs: performance.now() - started,
          replied: outcome.reply !== undefined,
          redelivered,
        };
        this.emit("handled", fields, logs);
      },
    };
  }
}

// How each agent event reads in the agent's logger: one line, a level, token-free metadata.
type Level = "debug" | "info" | "warn" | "error";

function ids(msg: InboundMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (msg.messageId !== undefined) out["messageId"] = msg.messageId;
  if (msg.activityId !== undefined) out["activityId"] = msg.activityId;
  const from = msg.sourceId ?? msg.claimedSourceId;
  if (from) out["from"] = from;
  return out;
}

function line(event: AgentEvent): [Level, string, Record<string, unknown>] {
  const ws = { workspaceId: event.workspaceId };
  switch (event.type) {
    case "deliveryChosen":
      return [
        "debug",
        "delivery chosen",
        { ...ws, delivery: event.delivery, source: event.source },
      ];
    case "connected": {
      const how =
        event.delivery === "push"
          ? `push at ${event.pushUrl ? hideUrlSecret(event.pushUrl, "***") : "(your route)"}`
          : event.delivery === "poll"
            ? `poll every ${event.pollIntervalMs} ms, event wake-ups ${event.eventWakeups ? "on" : "off"}`
            : "no delivery";
      return [
        "info",
        `connected as ${event.workspaceId} (${how}) in ${Math.round(event.startupMs)} ms`,
        { ...ws, delivery: event.delivery },
      ];
    }
    case "handled": {
      // One line per message at info (an answer to this agent's own call at debug): who sent it
      // and how long it took, never its text (messages may carry what logs must not keep).
      const m = event.message;
      const ms = Math.round(event.durationMs);
      const tries = event.attempts > 1 ? `, ${event.attempts} attempts` : "";
      const what = m.isReply ? "answer" : event.replied ? "answered" : "handled (no answer)";
      return [
        m.isReply ? "debug" : "info",
        `${what} message ${m.messageId ?? m.activityId ?? "(no id)"} from ${m.sourceId ?? m.source} in ${ms} ms${tries}`,
        { ...ids(m), attempts: event.attempts, durationMs: ms, replied: event.replied },
      ];
    }
    case "retried":
      // The first failure of a message is a warning; its further retries are detail.
      return [
        event.attempt === 1 ? "warn" : "debug",
        `inbound handler failed (attempt ${event.attempt}); retrying in ${event.retryInMs} ms: ${describe(event.error)}`,
        { ...ids(event.message), attempt: event.attempt },
      ];
    case "deadLettered":
      return [
        "error",
        `inbound message dead-lettered (${event.reason}): ${describe(event.error)}`,
        ids(event.message),
      ];
    case "replyFailed":
      // Held through the path's failure: the path warnings say it, once per cause.
      return [
        !event.willRetry || (event.attempt === 1 && pathFailureOf(event.error) === undefined)
          ? "warn"
          : "debug",
        `reply failed (attempt ${event.attempt}); ${event.willRetry ? `retrying in ${event.retryInMs} ms` : "giving up"}: ${describe(event.error)}`,
        ids(event.message),
      ];
    case "heartbeatLate":
      return [
        "warn",
        "heartbeat late",
        { ...ws, lateByMs: event.lateByMs, intervalMs: event.intervalMs },
      ];
    case "inboundGap":
      return [
        "warn",
        event.warning.message,
        { reason: event.reason, cursor: event.cursor, oldestReturned: event.oldestReturned },
      ];
    case "wakeupsUnavailable":
      return [
        "warn",
        event.warning.message,
        { ...ws, pollIntervalMs: event.pollIntervalMs, reason: event.reason },
      ];
    case "storeUnwritable":
      return [
        "error",
        `the store cannot save, taking no new messages until it can: ${describe(event.error)}`,
        ws,
      ];
    case "delegationResult":
      return [
        "info",
        `delegation ${event.delegationId} ${event.status} (its result was pushed into the inbox)`,
        { ...ids(event.message), delegationId: event.delegationId, status: event.status },
      ];
    case "approvalEscalated":
      return [
        "info",
        "a child workspace asked a person for approval",
        { ...ws, approvalId: event.approvalId, fromWorkspaceId: event.fromWorkspaceId },
      ];
    case "storeWritable":
      return [
        "warn",
        `the store saves again after ${Math.round(event.downMs)} ms; taking new messages`,
        ws,
      ];
    case "paused":
      return [
        "info",
        `workspace ${event.workspaceId} was paused: taking no messages until it is resumed`,
        ws,
      ];
    case "resumed":
      return ["info", `workspace ${event.workspaceId} was resumed: taking messages again`, ws];
    case "stopping": {
      const busy = event.activeTasks + event.pendingReplies > 0;
      return [
        busy ? "info" : "debug",
        busy
          ? `stopping (${event.reason}): draining ${event.activeTasks} running handler(s) and ${event.pendingReplies} queued answer(s)`
          : `stopping (${event.reason})`,
        { ...ws, reason: event.reason },
      ];
    }
    case "stopped":
      return [
        event.reason === "stopped" ? "info" : "warn",
        `stopped (${event.reason})${event.error === undefined ? "" : `: ${describe(event.error)}`}`,
        { ...ws, reason: event.reason, uptimeMs: Math.round(event.uptimeMs) },
      ];
  }
}

/** Writes `event` to `logger` at its level (see the README's events table). */
function logEvent(logger: Logger, event: AgentEvent): void {
  const [level, msg, meta] = line(event);
  logger[level]?.(msg, meta);
}
