// The typed lifecycle and message events of a RemoteAgent, and the emitter behind `agent.on()`.
import type { InboundGapReason, InboundGapWarning } from "../inbound/index.js";
import type { InboundMessage } from "../inbound/index.js";
import type { Logger } from "../transport/index.js";
import { describe } from "../transport/index.js";
import type { EventWakeupsUnavailableWarning, HeartbeatLateWarning } from "./warnings.js";

/** How a running agent receives messages (`"none"` before `start()` or with delivery off). */
export type AgentDeliveryMode = "poll" | "push" | "none";

/** Why an agent ended. */
export type AgentEndReason = "stopped" | "paused" | "removed" | "unauthorized" | "error";

/**
 * Every event a `RemoteAgent` emits, by name. Each carries `type` (its name: switch on it in
 * `onEvent`) and `workspaceId` (the agent's workspace).
 */
export interface AgentEventMap {
  /** During `start()`: the delivery the agent will use, and what decided it. */
  deliveryChosen: {
    type: "deliveryChosen";
    workspaceId: string;
    delivery: AgentDeliveryMode;
    /** `"option"`: the `delivery` option; `"capabilities"`: the platform's probed capabilities. */
    source: "option" | "capabilities";
    /** Whether the platform offers poll delivery, when it was probed. */
    pollDelivery?: boolean;
  };
  /** `start()` succeeded: registered (when it registers), first heartbeat sent, delivery running. */
  connected: {
    type: "connected";
    workspaceId: string;
    delivery: AgentDeliveryMode;
    /** The URL registered for push delivery (its last segment is the capability secret). */
    pushUrl?: string;
    /** The poll period, in poll delivery. */
    pollIntervalMs?: number;
    /** Poll delivery only: whether event-stream wake-ups are on. */
    eventWakeups: boolean;
    /** How long `start()` took, in ms. */
    startupMs: number;
  };
  /** A message's handler succeeded (its answer, if any, is queued or returned). */
  handled: {
    type: "handled";
    workspaceId: string;
    message: InboundMessage;
    delivery: "poll" | "push";
    /** Attempts it took (1 when the first one succeeded). */
    attempts: number;
    /** From the first attempt's start to the end of handling, in ms. */
    durationMs: number;
    /** Whether the handler returned an answer. */
    replied: boolean;
    /** Whether a previous run may already have handled it (see `HandlerContext.redelivered`). */
    redelivered: boolean;
  };
  /** A handler attempt failed and will be retried after `retryInMs`. */
  retried: {
    type: "retried";
    workspaceId: string;
    message: InboundMessage;
    delivery: "poll" | "push";
    /** The attempt that failed (1 for the first). */
    attempt: number;
    error: unknown;
    retryInMs: number;
  };
  /** A message is settled unhandled (then `onDeadLetter` runs): it is never handled again. */
  deadLettered: {
    type: "deadLettered";
    workspaceId: string;
    message: InboundMessage;
    /**
     * Its handler failed every attempt, its answer could not be sent, its conversation was cut, or
     * it was delivered the store's `maxDeliveries` times without settling (its process crashed).
     */
    reason: "handler_failed" | "reply_failed" | "turn_limit" | "delivery_limit";
    /**
     * The last handler error, a `MoleculeReplyError`, a `MoleculeTurnLimitError` or a
     * `MoleculeDeliveryLimitError`.
     */
    error: unknown;
  };
  /** Sending an answer failed; it is retried unless `willRetry` is false (then dead-lettered). */
  replyFailed: {
    type: "replyFailed";
    workspaceId: string;
    /** The message being answered. */
    message: InboundMessage;
    attempt: number;
    error: unknown;
    willRetry: boolean;
    retryInMs?: number;
  };
  /** A heartbeat has not completed one interval after it was due (the canvas will show offline). */
  heartbeatLate: {
    type: "heartbeatLate";
    workspaceId: string;
    lateByMs: number;
    intervalMs: number;
    warning: HeartbeatLateWarning;
  };
  /** Poll delivery: the platform may hold messages it cannot return (see `InboundGapWarning`). */
  inboundGap: {
    type: "inboundGap";
    workspaceId: string;
    reason: InboundGapReason;
    cursor: string | undefined;
    oldestReturned: string | undefined;
    warning: InboundGapWarning;
  };
  /**
   * Poll delivery runs without event wake-ups: messages wait for the next poll. At start (the
   * event-stream probe failed), or once per outage of the stream (silent past
   * `eventIdleTimeoutMs`: a NAT or proxy dropped it; or not reopened for as long).
   */
  wakeupsUnavailable: {
    type: "wakeupsUnavailable";
    workspaceId: string;
    /** Why the event-stream probe failed, or what happened to the stream. */
    reason: string;
    pollIntervalMs: number;
    warning: EventWakeupsUnavailableWarning;
  };
  /**
   * The agent's store cannot save (disk full, read-only folder, database down): the agent takes no
   * new messages (poll starts no handler, push claims answer a retryable error) and retries the
   * save until it works (`storeWritable`). What it handled is never dropped: the last saved state
   * still journals it, so after a crash it comes back with `redelivered: true`.
   */
  storeUnwritable: {
    type: "storeUnwritable";
    workspaceId: string;
    /** The save's error (a `MoleculeStoreError` from the built-in stores). */
    error: unknown;
  };
  /** The store saves again after `storeUnwritable`: the agent takes new messages again. */
  storeWritable: {
    type: "storeWritable";
    workspaceId: string;
    /** How long saves failed. */
    downMs: number;
  };
  /**
   * Poll delivery: a delegation this workspace made completed or failed, and the platform pushed
   * its result into this workspace's own inbox (newer platforms with
   * `DELEGATION_RESULT_INBOX_PUSH=1`, molecule-core #2832-#2844; off by default there). It is not a
   * message: the handler never gets it. Emitted once per result row.
   */
  delegationResult: {
    type: "delegationResult";
    workspaceId: string;
    delegationId: string;
    status: "completed" | "failed";
    /** The delegate's answer (peer output: `sanitizePeerText` before a model reads it); `""` on failure. */
    text: string;
    /** Why it failed, when the platform said. */
    error?: string;
    /** The inbox row as a message (`message.delegationResult` holds the same fields). */
    message: InboundMessage;
  };
  /**
   * A direct child workspace asked a person for approval (the platform's `APPROVAL_ESCALATED`, sent
   * to the parent only). Notify someone or add context: this workspace's token cannot decide it
   * (a person on the canvas, or an `AdminClient`, can). Emitted only by an agent that listens for
   * it when `start()` runs (`onApprovalEscalated`, an adapter handler's `onApprovalEscalated`, or
   * `agent.on("approvalEscalated", …)` before `start()`): it then reads its event stream.
   */
  approvalEscalated: {
    type: "approvalEscalated";
    workspaceId: string;
    approvalId: string;
    /** The child that asked (set by the platform from the child's token). */
    fromWorkspaceId: string;
    /** The child's words: peer text, spoofed trust markers neutralised. */
    action: string;
    /** The child's reason: peer text, spoofed trust markers neutralised. */
    reason: string;
  };
  /**
   * The workspace was paused while the agent runs with `onPause: "wait"`: it takes no new messages
   * until the workspace is resumed (`resumed`).
   */
  paused: {
    type: "paused";
    workspaceId: string;
  };
  /** The workspace was resumed after `paused`: the agent registered again and takes messages. */
  resumed: {
    type: "resumed";
    workspaceId: string;
  };
  /** The agent is ending: it drains running handlers and queued answers, then closes. */
  stopping: {
    type: "stopping";
    workspaceId: string;
    reason: AgentEndReason;
    /** Handlers running when it began to stop. */
    activeTasks: number;
    /** Answers not delivered yet. */
    pendingReplies: number;
  };
  /** The agent ended and released everything (`agent.done` resolves right after). */
  stopped: {
    type: "stopped";
    workspaceId: string;
    reason: AgentEndReason;
    error?: unknown;
    /** Time since the agent was created, in ms. */
    uptimeMs: number;
  };
}

/** An event name. */
export type AgentEventName = keyof AgentEventMap;

/** Any agent event (a union discriminated by `type`). */
export type AgentEvent = AgentEventMap[AgentEventName];

/** A listener of event `K`. */
export type AgentEventListener<K extends AgentEventName> = (event: AgentEventMap[K]) => void;

type AnyListener = (event: AgentEvent) => void;

/**
 * The listeners of one agent. A listener that throws never disturbs the agent: the error is
 * logged to `logger`. No map is held until the first listener is added.
 */
export class AgentEventBus {
  #listeners: Map<AgentEventName, Set<AnyListener>> | undefined;
  readonly #onEvent: AnyListener | undefined;
  readonly #logger: Logger;

  constructor(onEvent: ((event: AgentEvent) => void) | undefined, logger: Logger) {
    this.#onEvent = onEvent;
    this.#logger = logger;
  }

  on<K extends AgentEventName>(type: K, listener: AgentEventListener<K>): void {
    const listeners = (this.#listeners ??= new Map());
    let set = listeners.get(type);
    if (!set) listeners.set(type, (set = new Set()));
    set.add(listener as AnyListener);
  }

  off<K extends AgentEventName>(type: K, listener: AgentEventListener<K>): void {
    this.#listeners?.get(type)?.delete(listener as AnyListener);
  }

  /** Whether a listener was added for `type` with `on` / `once` (the `onEvent` option aside). */
  listens(type: AgentEventName): boolean {
    return (this.#listeners?.get(type)?.size ?? 0) > 0;
  }

  /** Listeners of `type`, the `onEvent` option included. */
  listenerCount(type: AgentEventName): number {
    return (this.#listeners?.get(type)?.size ?? 0) + (this.#onEvent ? 1 : 0);
  }

  /** Calls every listener of `event.type`, then `onEvent`; returns whether anyone listened. */
  emit(event: AgentEvent): boolean {
    const set = this.#listeners?.get(event.type);
    const listeners = set && set.size > 0 ? [...set] : [];
    if (this.#onEvent) listeners.push(this.#onEvent);
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        this.#logger.error?.(`an agent "${event.type}" event listener threw`, {
          error: describe(err),
        });
      }
    }
    return listeners.length > 0;
  }
}

/**
 * Base of `RemoteAgent`: typed `on` / `once` / `off` over its {@link AgentEventMap}.
 *
 * @example
 * agent.on("connected", (e) => console.log(`online (${e.delivery})`));
 * agent.on("deadLettered", (e) => metrics.increment("dead_letters", { reason: e.reason }));
 */
export abstract class AgentEventSource {
  /** @internal The agent's listeners. */
  protected abstract readonly eventBus: AgentEventBus;

  /** Calls `listener` on each `type` event. A throwing listener is logged, never fatal. */
  on<K extends AgentEventName>(type: K, listener: AgentEventListener<K>): this {
    this.eventBus.on(type, listener);
    return this;
  }

  /** Calls `listener` on the next `type` event only. */
  once<K extends AgentEventName>(type: K, listener: AgentEventListener<K>): this {
    const wrapped: AgentEventListener<K> = (event) => {
      this.eventBus.off(type, wrapped);
      listener(event);
    };
    this.eventBus.on(type, wrapped);
    return this;
  }

  /** Removes a listener added with `on`. */
  off<K extends AgentEventName>(type: K, listener: AgentEventListener<K>): this {
    this.eventBus.off(type, listener);
    return this;
  }
}
