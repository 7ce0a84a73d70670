// RemoteAgent: the long-running runtime of a remote agent (register, heartbeat, state watch,
// delivery, dispatch, reply, clean shutdown).
import { createA2AHandler } from "../a2a/index.js";
import type { A2AHandler, A2AHandlerContext, A2AMessage, A2AServer } from "../a2a/index.js";
import type { A2ATask } from "../a2a/index.js";
import type { AgentCard } from "../a2a/index.js";
import type { EventWakeups } from "../inbound/index.js";
import type { Logger } from "../transport/index.js";
import { describe } from "../transport/index.js";
import type { PeerCallResult } from "../platform/index.js";
import type { HeartbeatReport } from "../platform/index.js";
import { MoleculeError } from "../transport/index.js";
import type { AgentCallOptions, PeerMessage } from "./call-peer.js";
import { ConversationRuntime } from "./conversation-runtime.js";
import { Dispatcher } from "./dispatcher.js";
import { DispatchHooks } from "./dispatch-hooks.js";
import { startCancelled, startSteps } from "./lifecycle.js";
import type { StartStep } from "./lifecycle.js";
import type { HeartbeatWatch } from "./liveness.js";
import { checkAgentOptions } from "./options.js";
import { PeriodicTasks } from "./periodic.js";
import { PlatformWatch } from "./platform-watch.js";
import type { PlatformWatchHost } from "./platform-watch.js";
import { CONNECTED_SLOWDOWN, type PollRunner, startPoll } from "./poll-start.js";
import { dropEventSpare, keepEventSpare } from "./poll-source.js";
import { detached } from "../observability/index.js";
import { createAgentPushHandler } from "./push-handler.js";
import { PushPipeline } from "./push-pipeline.js";
import { AgentStateStore } from "./state-store.js";
import { hasStore, maxDeliveriesOf, pushClaimOf, storeOf } from "./store-option.js";
import type { AgentStore } from "./store.js";
import { EventWakeupsUnavailableWarning } from "./wakeup-warning.js";
import { AgentEventSource } from "./events.js";
import type { AgentEventBus } from "./events.js";
import { AgentObserver } from "./observer.js";
import { startPush } from "./push-start.js";
import { startGate } from "./start-gate.js";
import {
  type ApprovalClient,
  type ApprovalResult,
  ApprovalWaiter,
  type ApprovalWaitOptions,
} from "./approvals.js";
import type { ApprovalRequestInput } from "../platform/index.js";
import type {
  AgentDeliveryMode,
  AgentDoneResult,
  AgentEndReason,
  AgentPlatformClient,
  PushDeliveryOptions,
  PushHandlerOptions,
  RemoteAgentOptions,
} from "./types.js";

type Phase = "new" | "starting" | "running" | "stopping" | "stopped";
const noop = (): void => {};

/**
 * The remote-agent runtime. `start()` registers, heartbeats on its own timer, watches for pause
 * and removal, and runs the chosen delivery; every inbound message goes through one pipeline
 * (concurrency limit, retries with backoff, reply, dead letter). `stop()` drains and closes
 * every timer, socket and server. `done` resolves with why the agent ended.
 *
 * Delivery guarantee (poll): each message is handed to the handler at most once per run
 * (de-duplicated by activity id and A2A `messageId`, across `410` resets and re-listings), and the
 * persisted cursor never passes an unsettled message. Across a crash, a message whose handler was
 * running may be delivered once more, flagged `ctx.redelivered`.
 *
 * Conversations: an answer (`msg.isReply`) is never answered; an answer a `callPeer` awaits
 * resolves that call instead of reaching the handler; a conversation over the turn limit is cut.
 * Answers leave the handler slot through a reply outbox persisted with the cursor: once a message
 * is settled its answer is sent at least once, under one `messageId` (see docs/protocol.md).
 */
export class RemoteAgent<
  C extends AgentPlatformClient = AgentPlatformClient,
> extends AgentEventSource {
  /** The platform client. */
  readonly client: C;
  /** Resolves when the agent has ended and released every resource. */
  readonly done: Promise<AgentDoneResult>;

  readonly #o: RemoteAgentOptions<C>;
  readonly #logger: Logger;
  readonly #obs: AgentObserver;
  /** @internal */
  protected readonly eventBus: AgentEventBus;
  readonly #card: AgentCard;
  /** Created by the first delivery that needs it (`delivery: "none"` never does). */
  #disp: Dispatcher | undefined;
  /** Set once stopping has aborted the dispatcher: one created later starts aborted. */
  #dispAborted = false;
  #hooks: DispatchHooks<C> | undefined;
  readonly #watch: HeartbeatWatch;
  readonly #platform: PlatformWatch<object>;
  /** The heartbeat and state-check tasks, active while the phase is "running". */
  readonly #tasks = new PeriodicTasks();
  /** Created by the first pushed message or push set-up (poll and "none" agents hold none). */
  #push: PushPipeline | undefined;
  readonly #talk: ConversationRuntime;
  #resolveDone!: (r: AgentDoneResult) => void;
  #phase: Phase = "new";
  #mode: AgentDeliveryMode = "none";
  #poll: PollRunner | undefined;
  readonly #store: AgentStore;
  /** The store's saved state, one writer for poll, outbox and push counts (created by its first user). */
  #state: AgentStateStore | undefined;
  #events: EventWakeups | undefined;
  #server: A2AServer | undefined;
  #handleA2A: A2AHandler | undefined;
  #handlers: Set<A2AHandler> | undefined;
  #pushUrl: string | undefined;
  #shutdown: Promise<void> | undefined;
  /** Aborted when the agent ends: in-flight periodic calls (heartbeat, state) give up at once. */
  readonly #ending = new AbortController();
  #starting: { abort: AbortController; settled: Promise<void> } | undefined;
  readonly #startedAt = Date.now();
  /** Approval waits, by pending-requests file (created by the first `requestApproval`). */
  readonly #approvals = new Map<string | false | undefined, ApprovalWaiter>();

  /** @param options see {@link RemoteAgentOptions} */
  constructor(options: RemoteAgentOptions<C>) {
    super();
    checkAgentOptions(options);
    this.#store = storeOf(options);
    this.#o = options;
    this.client = options.client;
    this.#obs = AgentObserver.of(options);
    this.#logger = this.#obs.logger;
    this.eventBus = this.#obs.bus;
    this.#card = options.agentCard ?? { name: options.client.workspaceId };
    this.#watch = this.#obs.heartbeatWatch(options);
    this.#platform = new PlatformWatch({
      client: options.client,
      logger: this.#logger,
      watch: this.#watch,
      maxUnauthorized: options.maxUnauthorized,
      ending: this.#ending.signal,
      agent: this,
      host: RemoteAgent.#watchHost,
    });
    this.#talk = new ConversationRuntime({
      client: options.client,
      options,
      logger: this.#logger,
      observer: this.#obs,
      state: () => ({ phase: this.#phase, delivery: this.#mode }),
    });
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    // Checked now (an invalid limit fails the constructor); the claims come with the first push.
    if (!this.#store.shared?.claimPush) maxDeliveriesOf(this.#store);
  }

  /** The handler pipeline (concurrency, retries, dead letters), created by its first user. */
  #dispatcher(): Dispatcher {
    if (this.#disp) return this.#disp;
    const hooks = new DispatchHooks(this.#o, this.client, this.#logger, this.#talk, this.#obs);
    hooks.poll = this.#poll;
    this.#hooks = hooks;
    const d = new Dispatcher(hooks);
    if (this.#dispAborted) d.abort();
    return (this.#disp = d);
  }

  /** The push side of the pipeline, created by the first pushed message or push set-up. */
  #pushPipeline(): PushPipeline {
    return (this.#push ??= new PushPipeline({
      dispatcher: this.#dispatcher(),
      dedupWindow: this.#o.dedupWindow ?? 1000,
      running: () => this.#phase === "running" || this.#phase === "starting",
      intercept: (msg) => this.#talk.intercept(msg),
      claim: pushClaimOf(this.#store, this.client.workspaceId, this.#stateStore()),
      deadLetter: async (msg, error) => await this.#talk.deadLetter(msg, error),
    }));
  }

  #stateStore(): AgentStateStore {
    return (this.#state ??= new AgentStateStore(this.#store.state));
  }

  /** Hands a pushed A2A message to the push pipeline (the `onMessage` of every push handler). */
  #onPush(): (message: A2AMessage, ctx?: A2AHandlerContext) => Promise<string | A2ATask | void> {
    return async (message, ctx) => await this.#pushPipeline().onMessage(message, ctx);
  }

  /** What the platform watch calls on an agent (one object for all agents, not closures each). */
  static readonly #watchHost: PlatformWatchHost<object> = {
    report: (agent) => (agent as RemoteAgent).#report(),
    end: (agent, reason, error) => void (agent as RemoteAgent).#end(reason, error),
    streamConnected: (agent) => (agent as RemoteAgent).#events?.connected === true,
  };

  /**
   * Asks a person for approval and resolves with the decision and who made it (see
   * {@link ApprovalWaiter}): waits on the event stream, backed by polling (an expired request
   * counts as denied), until `timeoutMs` ({@link ApprovalTimeoutError}). The pending request's id
   * is kept in `file` (default `~/.molecule/<workspaceId>/approvals.json`), so a restarted agent
   * asking again with the same action, task and reason resumes it. `stop()` aborts the wait.
   */
  requestApproval(
    input: ApprovalRequestInput,
    options: ApprovalWaitOptions & { file?: string | false } = {},
  ): Promise<ApprovalResult> {
    const client = this.client as unknown as Partial<ApprovalClient>;
    if (typeof client.createApproval !== "function" || typeof client.listApprovals !== "function")
      return Promise.reject(
        new MoleculeError("requestApproval needs a client with createApproval and listApprovals", {
          code: "unsupported",
        }),
      );
    let waiter = this.#approvals.get(options.file);
    if (waiter === undefined) {
      waiter = new ApprovalWaiter({
        client: client as ApprovalClient,
        file: options.file,
        logger: this.#logger,
      });
      this.#approvals.set(options.file, waiter);
    }
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#ending.signal])
      : this.#ending.signal;
    return waiter.request(input, { ...options, signal });
  }

  /** Like `client.callPeer`, but awaits a poll-delivered peer's answer: see {@link AgentCallOptions}. */
  callPeer(peerId: string, message: PeerMessage, opts?: AgentCallOptions): Promise<PeerCallResult> {
    return this.#talk.callPeer(peerId, message, opts ?? {});
  }

  /** Answers in the reply outbox, not delivered yet. */
  get pendingReplies(): number {
    return this.#talk.pendingReplies;
  }

  /** Resolves true once every queued answer is delivered or dead-lettered, false after `timeoutMs`. */
  flushReplies(timeoutMs = 30_000): Promise<boolean> {
    return this.#talk.flush(timeoutMs);
  }

  /** The delivery in use ("none" before `start()`). */
  get delivery(): AgentDeliveryMode {
    return this.#mode;
  }

  /** The URL registered for push delivery, once started in push mode. */
  get pushUrl(): string | undefined {
    return this.#pushUrl;
  }

  /** The poll cursor (last activity id settled in order), in poll mode. */
  get cursor(): string | undefined {
    return this.#poll?.cursor;
  }

  /** Messages being handled right now. */
  get activeTasks(): number {
    return this.#disp?.active ?? 0;
  }

  /**
   * An A2A request handler wired to this agent's handler (same pipeline as every delivery): mount
   * it in Express, Fastify, Nest or a fetch-style route when you host the push endpoint yourself.
   */
  get handleA2A(): A2AHandler {
    // Unchanged contract: JSON-RPC on "/", no secret (frameworks that check it themselves).
    this.#handleA2A ??= createA2AHandler({
      agentCard: this.#card,
      onMessage: this.#onPush(),
      ...(this.#store.tasks ? { taskStore: this.#store.tasks } : {}),
      ...(typeof this.#o.delivery === "object" && this.#o.delivery.streaming === true
        ? { streaming: true }
        : {}),
    });
    return this.#handleA2A;
  }

  /**
   * Creates an A2A request handler for a framework route, with the path and the capability secret
   * checked by core: it answers JSON-RPC POSTs on `<basePath>/<pathSecret>` (and the agent card
   * below it) and 404 to any other path or a wrong secret (constant-time comparison). Mount it on
   * a catch-all route under `basePath` and pass the full request path (`req.originalUrl` in
   * Express). `pathSecret` defaults to the push delivery's `pathSecret`; `false` serves without
   * one (only behind your own authentication). Closed by `stop()`.
   *
   * @example
   * const agent = new RemoteAgent({ client, handler,
   *   delivery: { mode: "push", server: false, publicUrl: "https://me.example/a2a", pathSecret } });
   * const a2a = agent.createPushHandler({ basePath: "/a2a" });
   * app.post("/a2a/:secret", (req, res) => void a2a.handleNode(req, res, req.body));
   */
  createPushHandler(options: PushHandlerOptions = {}): A2AHandler {
    const handler = createAgentPushHandler(
      {
        card: this.#card,
        delivery: this.#o.delivery,
        logger: this.#logger,
        onMessage: this.#onPush(),
        taskStore: this.#store.tasks,
      },
      options,
    );
    (this.#handlers ??= new Set()).add(handler);
    return handler;
  }

  /**
   * Registers (when needed), sends the first heartbeat, starts the state watch and delivery.
   * Transient failures of the probe, register and first heartbeat are retried with backoff
   * (`startAttempts`); `stop()` cancels that (`agent_stopped`). A permanent error (e.g. a 401)
   * rejects with the client's typed error and leaves the agent able to `start()` again.
   * At most 16 agents of a process run their start-up calls at once; the others wait their turn
   * (a slot is held for 2 s at most, and given back while a call waits to retry).
   */
  async start(): Promise<void> {
    if (this.#phase !== "new") {
      throw new MoleculeError(
        `RemoteAgent.start(): the agent is already ${this.#phase}; create a new one.`,
        { code: "invalid_state" },
      );
    }
    this.#phase = "starting";
    const began = performance.now();
    const abort = new AbortController();
    const attempts = this.#o.startAttempts ?? 6;
    const run = this.#admitted(abort.signal, attempts);
    this.#starting = { abort, settled: run.then(noop, noop) };
    try {
      await run;
      if (abort.signal.aborted) throw startCancelled();
    } catch (err) {
      if (abort.signal.aborted) throw startCancelled(); // stop() closes what was opened
      await Promise.allSettled([this.#poll?.stop(), this.#events?.stop(), this.#server?.close()]);
      this.#poll = this.#events = this.#server = this.#pushUrl = undefined;
      if (this.#hooks) this.#hooks.poll = undefined;
      this.#mode = "none";
      this.#phase = "new";
      throw err;
    } finally {
      this.#starting = undefined;
    }
    this.#phase = "running";
    const hb = this.#o.heartbeatIntervalMs ?? 30_000;
    this.#tasks.active = true;
    this.#tasks.every(hb, () => this.#platform.heartbeat());
    const stateMs = this.#o.stateIntervalMs ?? hb;
    this.#tasks.every(stateMs, () => this.#platform.stateTick(stateMs * CONNECTED_SLOWDOWN));
    this.#obs.connected(this.#mode, began, this.#pushUrl, this.#events !== undefined);
  }

  /** Runs the start-up calls in a turn at the process's start gate (see start-gate.ts). */
  async #admitted(signal: AbortSignal, attempts: number): Promise<void> {
    const turn = startGate.turn();
    await turn.take(signal);
    try {
      await this.#boot(startSteps({ attempts, signal, logger: this.#logger, turn }));
    } finally {
      turn.give();
    }
  }

  async #boot(step: StartStep): Promise<void> {
    const delivery = this.#o.delivery;
    const needCaps = delivery === undefined || delivery === "poll" || delivery === "none";
    // The event stream is probed only for an agent that will open it (poll with wake-ups).
    const events = delivery !== "none" && this.#o.eventWakeups !== false;
    if (events) keepEventSpare(this.client); // its open stream becomes the wake-ups' stream
    const caps = needCaps
      ? await step("capability probe", (signal) => this.client.capabilities({ signal, events }))
      : undefined;
    if (delivery === undefined) this.#mode = caps?.pollDelivery ? "poll" : "push";
    else this.#mode = typeof delivery === "string" ? delivery : "push";
    if (this.#mode !== "poll" || this.#o.eventWakeups === false) dropEventSpare(this.client);
    this.#obs.deliveryChosen(this.#mode, delivery === undefined, caps);

    if (this.#mode === "push") {
      await this.#startPush(typeof delivery === "object" ? delivery : { mode: "push" }, step);
    } else if (this.#o.register !== false) {
      if (caps?.pollDelivery) {
        const card = this.#card;
        await step("register", (signal) =>
          this.client.register({ agentCard: card, deliveryMode: "poll", signal }),
        );
      } else {
        this.#logger.warn?.(
          "this platform has no poll delivery (baseline contract): not registering; " +
            "the workspace must already have a URL for messages to reach the activity feed",
        );
      }
    }
    await step("first heartbeat", (signal) => this.client.heartbeat(this.#report(), { signal }));
    if (this.#mode === "poll") await this.#startPoll(caps?.eventStream ?? false);
    if (this.#mode === "poll" && this.#o.eventWakeups !== false && caps?.eventStreamError) {
      const { workspaceId } = this.client;
      const ms = this.#o.pollIntervalMs ?? 5_000;
      this.#obs.wakeupsUnavailable(
        new EventWakeupsUnavailableWarning(workspaceId, ms, caps.eventStreamError),
      );
    }
  }

  /** Drains running handlers (up to `drainTimeoutMs`), then closes everything. Idempotent. */
  async stop(): Promise<void> {
    await this.#end("stopped");
  }

  async #startPush(opts: PushDeliveryOptions, step: StartStep): Promise<void> {
    const card = this.#card;
    this.#pushUrl = await startPush({
      opts,
      client: this.client,
      card,
      logger: this.#logger,
      onMessage: this.#onPush(),
      taskStore: this.#store.tasks,
      onServer: (server) => (this.#server = server),
      ...(this.#o.register === false
        ? {}
        : {
            register: async (url: string) =>
              void (await step("register", (signal) =>
                this.client.register({ url, agentCard: card, deliveryMode: "push", signal }),
              )),
          }),
    });
  }

  async #startPoll(eventStream: boolean): Promise<void> {
    await startPoll({
      client: this.client,
      options: this.#o,
      store: this.#store,
      state: this.#stateStore(),
      logger: this.#logger,
      dispatcher: this.#dispatcher(),
      talk: this.#talk,
      eventStream,
      onPoll: (poll) => {
        this.#poll = poll;
        if (this.#hooks) this.#hooks.poll = poll;
      },
      onEvents: (events) => (this.#events = events),
      onStateEvent: () => {
        if (this.#phase === "running") detached(() => this.#platform.watchState());
      },
      onGap: (warning) => this.#obs.inboundGap(warning),
    });
  }

  #report(): HeartbeatReport {
    return {
      activeTasks: this.#disp?.active ?? 0,
      currentTask: this.#disp?.currentTask() ?? "",
      uptimeSeconds: Math.floor((Date.now() - this.#startedAt) / 1000),
    };
  }

  /** Ends the agent once: drain, close delivery, timers, streams and the server, resolve `done`. */
  #end(reason: AgentEndReason, error?: unknown): Promise<void> {
    if (this.#shutdown) return this.#shutdown;
    const before = this.#phase;
    this.#phase = "stopping";
    this.#tasks.active = false;
    const starting = this.#starting;
    starting?.abort.abort();
    this.#ending.abort();
    this.#shutdown = (async () => {
      await starting?.settled; // start() unwinds first; then everything it opened is closed
      this.#obs.stopping(reason, this.activeTasks, this.#talk.pendingReplies);
      this.#tasks.cancel();
      this.#watch.stop();
      await Promise.allSettled([this.#poll?.stop(), this.#events?.stop()]);
      const dispatcher = this.#disp;
      if (before !== "new" && dispatcher) {
        const drained = await dispatcher.idle(this.#o.drainTimeoutMs ?? 10_000);
        if (!drained) {
          this.#logger.warn?.(
            "drain timeout: aborting running handlers (they will be redelivered)",
          );
          dispatcher.abort();
          await dispatcher.idle(5_000);
        }
      }
      this.#dispAborted = true;
      this.#disp?.abort();
      await this.#talk.stop(this.#o.drainTimeoutMs ?? 10_000, hasStore(this.#o));
      await this.#poll?.flush();
      await this.#tasks.settled();
      this.#tasks.cancel();
      if (this.#server) {
        await this.#server.close().catch((err: unknown) => {
          this.#logger.warn?.("push server close failed", { error: describe(err) });
        });
      }
      await Promise.allSettled(
        [this.#handleA2A, ...(this.#handlers ?? [])].map(async (h) => await h?.close?.()),
      );
      this.#phase = "stopped";
      this.#obs.stopped(reason, error, Date.now() - this.#startedAt);
      this.#resolveDone(error === undefined ? { reason } : { reason, error });
    })();
    return this.#shutdown;
  }
}
