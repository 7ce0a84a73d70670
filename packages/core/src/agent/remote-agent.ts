// RemoteAgent, one idea: the runtime that builds a remote agent's stages (sources, admit, route,
// run, answer; each in its own folder) and runs their lifecycle (start, heartbeat, state, stop);
// the start-up calls, and what they open, are lifecycle/agent-start.ts.
import type { A2AHandler, AgentCard } from "../a2a/index.js";
import { AgentEventSource, AgentObserver, type AgentEventBus } from "../events/index.js";
import { detached } from "../observability/index.js";
import { setExitCode } from "../runtime/index.js";
import { AgentApprovals, AgentTranscript, PendingToolCalls, recordTurns } from "../org/index.js";
import type { TranscriptLog } from "../org/index.js";
import type { ApprovalResult, ApprovalWaitOptions } from "../org/index.js";
import type { ApprovalRequestInput, PeerCallResult } from "../platform/index.js";
import { AgentStateStore, hasStore, storeOf } from "../store/index.js";
import type { AgentStore, DefaultStore } from "../store/index.js";
import { MoleculeError, MoleculeOptionError, describe, type Logger } from "../transport/index.js";
import { Admission } from "./admit/admission.js";
import { Answers } from "./answer/answers.js";
import { AgentStart } from "./lifecycle/agent-start.js";
import { startCancelled } from "./lifecycle/lifecycle.js";
import { escalationListener } from "./lifecycle/escalations.js";
import { PeriodicTasks } from "./lifecycle/periodic.js";
import { PlatformWatch } from "./lifecycle/platform-watch.js";
import { Registration } from "./lifecycle/re-register.js";
import { StopBudget } from "./lifecycle/stop-budget.js";
import { checkAgentOptions } from "./options.js";
import { clientView } from "./client-view.js";
import { PeerCalls } from "./route/call-peer.js";
import { Router } from "./route/router.js";
import { Dispatcher } from "./run/dispatcher.js";
import { AgentFiles } from "./source/agent-files.js";
import { dropEventSpare } from "./client-hooks.js";
import { watchWakeupOutages } from "./source/poll-fetch.js";
import { PollSource, type PollCapabilities } from "./source/poll-source.js";
import { PollStages } from "./source/poll-stages.js";
import { openPollState } from "./source/poll-state.js";
import { PlatformPushAuth } from "./source/platform-bearer.js";
import { createAgentPushHandler } from "./source/push-handler.js";
import { PushSource } from "./source/push-source.js";
import type {
  AgentCallOptions,
  AgentDeliveryMode,
  AgentDoneResult,
  AgentEndReason,
  AgentPlatformClient,
  PeerMessage,
  PushHandlerOptions,
  RemoteAgentOptions,
} from "./types.js";

type Phase = "new" | "starting" | "running" | "stopping" | "stopped";
/** A store shared by replicas that keeps their tool calls itself (PostgreSQL's). */
type SharedCalls = { pendingToolCallsFor?(workspaceId: string): PendingToolCalls };
const noop = (): void => {};

/**
 * The remote-agent runtime. `start()` registers, heartbeats on its own timer, watches for pause
 * and removal, and runs the chosen delivery; every inbound message goes through one pipeline
 * (concurrency limit, retries with backoff, reply, dead letter). `stop()` drains and closes
 * every timer, socket and server. `done` resolves with why the agent ended.
 *
 * Poll: each message reaches the handler at most once per run, the saved cursor never passes an
 * unsettled one, a restart resumes after it (the default store, else the activity log's
 * checkpoint), and after a crash a message that was running comes again flagged `redelivered`.
 * An answer is never answered; one a `callPeer` awaits resolves it; answers leave through a
 * reply outbox saved with the cursor (docs/protocol.md).
 */
export class RemoteAgent<
  C extends AgentPlatformClient = AgentPlatformClient,
> extends AgentEventSource {
  /** The platform client. */
  readonly client: C;
  /**
   * The tool calls a person is asked about (pending, running, done, refused), in the agent's store
   * with the exact input shown: an approval survives a restart and runs its call once.
   */
  readonly pendingToolCalls: PendingToolCalls;
  /** Resolves when the agent has ended and released every resource. */
  readonly done: Promise<AgentDoneResult>;

  readonly #o: RemoteAgentOptions<C>;
  readonly #logger: Logger;
  readonly #obs: AgentObserver;
  /** @internal */
  protected readonly eventBus: AgentEventBus;
  readonly #card: AgentCard;
  // The inbound stages (docs/architecture.md, "The life of a message"): sources hand every
  // message to admit, route, run (the dispatcher) and answer, in that order.
  readonly #answers: Answers;
  readonly #calls: PeerCalls;
  readonly #router: Router;
  readonly #admission: Admission;
  readonly #runner: Dispatcher;
  readonly #push: PushSource;
  readonly #files: AgentFiles; // file parts, their acknowledgement, the chat-file push routes
  readonly #platform: PlatformWatch;
  readonly #registration = new Registration(); // sent again when a resumed workspace waits
  /** The heartbeat and state-check tasks, active while the phase is "running". */
  readonly #tasks = new PeriodicTasks();
  #resolveDone!: (r: AgentDoneResult) => void;
  #phase: Phase = "new";
  /** The start under way or done: the delivery it chose, push's URL and server (agent-start.ts). */
  #start: AgentStart | undefined;
  #pollSource: PollSource | undefined;
  readonly #store: AgentStore;
  #defaultStore: DefaultStore | undefined; // poll without `store`: files beside the token file
  readonly #state: AgentStateStore; // one writer for poll, outbox and push state
  /** What the agent knows of its platform's bearer: its push endpoints' first check. */
  readonly #auth: PlatformPushAuth;
  #handleA2A: A2AHandler | undefined;
  #handlers: Set<A2AHandler> | undefined;
  #shutdown: Promise<void> | undefined;
  /** Aborted when the agent ends: in-flight periodic calls (heartbeat, state) give up at once. */
  readonly #ending = new AbortController();
  #starting: { abort: AbortController; settled: Promise<void> } | undefined;
  readonly #startedAt = performance.now(); // monotonic: uptime survives a wall clock step
  readonly #approvals: AgentApprovals; // requestApproval, approvalEscalated
  /** The messages and answers served at `/transcript` (the `transcript` option). */
  readonly #transcript: AgentTranscript | undefined;

  /** @param options see {@link RemoteAgentOptions} */
  constructor(options: RemoteAgentOptions<C>) {
    super();
    checkAgentOptions(options);
    this.#store = storeOf(options);
    this.#o = options;
    this.client = options.client;
    this.#obs = AgentObserver.of(options);
    this.#logger = this.#obs.logger;
    this.#transcript = AgentTranscript.of(options.transcript, options.client, this.#logger);
    this.eventBus = this.#obs.bus;
    this.#card = options.agentCard ?? { name: options.client.workspaceId };
    this.#platform = new PlatformWatch(options, this.#obs, this.#ending.signal, {
      report: () => this.#runner.report(this.#startedAt),
      end: (reason, error) => void this.#end(reason, error),
      hold: (paused) => void (this.#pollSource?.hold(paused), this.#obs.paused(paused)),
      streamConnected: () => this.#pollSource?.connected() === true,
      starting: () => this.#phase === "starting",
      registerAgain: (signal) => this.#registration.again(options.client, signal),
    });
    // Without a store the state lives in the stages themselves: nothing would read a saved copy.
    // A store shared by agents of several workspaces keeps each one's state apart (`stateFor`).
    const saved = hasStore(options)
      ? (this.#store.stateFor?.(options.client.workspaceId) ?? this.#store.state)
      : undefined;
    this.#state = new AgentStateStore(saved, {
      onUnwritable: (error) => this.#obs.storeUnwritable(error),
      onWritable: (downMs) => this.#obs.storeWritable(downMs),
    });
    const delivery = typeof options.delivery === "object" ? options.delivery : undefined;
    this.#auth = new PlatformPushAuth({
      client: options.client,
      state: this.#state,
      require: delivery?.requirePlatformBearer,
      logger: this.#logger,
      signal: this.#ending.signal,
    });
    const logger = this.#logger;
    const answers = (this.#answers = new Answers(
      options.client,
      options,
      this.#obs,
      this.#store.tasks,
    ));
    const calls = (this.#calls = new PeerCalls(options.client, () => ({
      phase: this.#phase,
      delivery: this.delivery,
    })));
    this.#router = new Router(calls.pending, options, answers, logger);
    const { workspaceId } = options.client;
    const dedup = options.dedupWindow ?? 1000;
    this.#admission = new Admission(this.#store, workspaceId, this.#state, answers, logger, dedup);
    // The handler gets `options.client` (a C) as `ctx.client`: the cast only widens C.
    const log = this.#transcript?.log;
    const handler = log ? recordTurns(options.handler, log) : options.handler;
    const runOptions = { ...options, handler } as unknown as RemoteAgentOptions;
    this.#runner = new Dispatcher(runOptions, calls, answers, this.#obs, this.#state);
    const concurrency = options.concurrency ?? 4;
    const files = (this.#files = new AgentFiles(options.client, options.files, logger));
    this.#push = new PushSource(this.#admission, this.#router, this.#runner, files, concurrency);
    this.#approvals = new AgentApprovals(options.client, logger, this.#ending.signal, this.#store);
    this.pendingToolCalls =
      (this.#store as SharedCalls).pendingToolCallsFor?.(workspaceId) ??
      new PendingToolCalls(this.#state);
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    const onEscalated = escalationListener(options, this.#logger);
    if (onEscalated) this.on("approvalEscalated", onEscalated);
  }

  /** The messages and answers this agent served at `/transcript` (the `transcript` option). */
  get transcript(): TranscriptLog | undefined {
    return this.#transcript?.log;
  }

  /**
   * Asks a person for approval and resolves with the decision and who made it (as `ApprovalWaiter`
   * in `@molecule-ai/agent-core/org`, whose TSDoc says how it waits, resumes after a restart, binds
   * the decision to the text shown, keeps a keyed request in the agent's `store`, else in `file`:
   * default `<MOLECULE_STATE_DIR or ~/.molecule>/<id>/approvals.json`). `stop()` aborts the wait.
   */
  requestApproval(
    input: ApprovalRequestInput,
    options: ApprovalWaitOptions & { file?: string | false } = {},
  ): Promise<ApprovalResult> {
    return this.#approvals.request(input, options);
  }

  /**
   * Like `client.callPeer`, but awaits a poll-delivered peer's answer (see {@link AgentCallOptions})
   * and returns one text shape whatever the peer's delivery: `text` is `sanitizePeerText` of the
   * answer (the platform's OFFSEC-003 wrapper removed, spoofed markers inside neutralised).
   */
  callPeer(peerId: string, message: PeerMessage, opts?: AgentCallOptions): Promise<PeerCallResult> {
    return this.#calls.callPeer(peerId, message, opts ?? {});
  }

  /** Answers in the reply outbox, not delivered yet. */
  get pendingReplies(): number {
    return this.#answers.pendingReplies;
  }

  /** Resolves true once every queued answer is delivered or dead-lettered, false after `timeoutMs`. */
  flushReplies(timeoutMs = 30_000): Promise<boolean> {
    return this.#answers.flush(timeoutMs);
  }

  /** The delivery in use ("none" before `start()`). */
  get delivery(): AgentDeliveryMode {
    return this.#start?.mode ?? "none";
  }

  /** The URL registered for push delivery, once started in push mode. */
  get pushUrl(): string | undefined {
    return this.#start?.pushUrl;
  }

  /** True while the workspace is paused and the agent waits it out (`onPause: "wait"`). */
  get paused(): boolean {
    return this.#platform.held;
  }

  /** The poll cursor (last activity id settled in order), in poll mode. */
  get cursor(): string | undefined {
    return this.#pollSource?.cursor;
  }

  /** Messages being handled right now. */
  get activeTasks(): number {
    return this.#runner.active;
  }

  /** An A2A request handler wired to this agent's pipeline, on "/" without a secret (see below). */
  get handleA2A(): A2AHandler {
    return (this.#handleA2A ??= this.#pushHandler({ pathSecret: false }));
  }

  /**
   * An A2A request handler for a framework route: JSON-RPC POSTs (and the card) on
   * `<basePath>/<pathSecret>`, 404 elsewhere (constant-time secret check). Mount it on a catch-all
   * route under `basePath` with the full request path. `pathSecret` defaults to the push
   * delivery's; `false` serves without one (behind your own authentication). Closed by `stop()`.
   *
   * @example
   * const agent = new RemoteAgent({ client, handler,
   *   delivery: { mode: "push", server: false, publicUrl: "https://me.example/a2a", pathSecret } });
   * const a2a = agent.createPushHandler({ basePath: "/a2a" });
   * app.post("/a2a/:secret", (req, res) => void a2a.handleNode(req, res, req.body));
   */
  createPushHandler(options: PushHandlerOptions = {}): A2AHandler {
    const handler = this.#pushHandler(options);
    (this.#handlers ??= new Set()).add(handler);
    return handler;
  }

  #pushHandler(options: PushHandlerOptions): A2AHandler {
    return createAgentPushHandler(
      {
        card: this.#card,
        delivery: this.#o.delivery,
        logger: this.#logger,
        onMessage: (message, ctx, taskKey) => this.#push.onMessage(message, ctx, taskKey),
        taskStore: this.#store.tasks,
        client: this.client,
        files: this.#files,
        auth: this.#auth,
      },
      options,
    );
  }

  /**
   * Registers (when needed), sends the first heartbeat unless a poll registration was it (the
   * platform records one as a heartbeat: the next goes an interval later), starts the state watch
   * and delivery. Transient failures of the probe, register and first heartbeat are retried with backoff
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
    this.#push.accepting = true;
    const began = performance.now();
    const abort = new AbortController();
    const opened = (this.#start = this.#startOf());
    const run = this.#run(opened, abort.signal);
    this.#starting = { abort, settled: run.then(noop, noop) };
    try {
      await run;
      if (abort.signal.aborted) throw startCancelled();
    } catch (err) {
      dropEventSpare(this.client); // the probe's stream, when nothing took it
      if (abort.signal.aborted) throw startCancelled(); // stop() closes what was opened
      this.#tasks.active = false; // the heartbeats that began with the first one
      this.#tasks.cancel();
      await this.#tasks.settled();
      await Promise.allSettled([this.#pollSource?.stop(), opened.server?.close()]);
      await this.#defaultStore?.release();
      this.#start = this.#pollSource = this.#defaultStore = undefined; // no delivery, server, URL
      this.#runner.poll = undefined;
      this.#phase = "new";
      this.#push.accepting = false;
      throw err;
    } finally {
      this.#starting = undefined;
    }
    this.#phase = "running";
    if (this.eventBus.listens("approvalEscalated"))
      await this.#approvals.watch((e) => this.#obs.approvalEscalated(e));
    const stateMs = this.#o.stateIntervalMs ?? this.#o.heartbeatIntervalMs ?? 30_000;
    this.#tasks.every(stateMs, () => this.#platform.stateTick());
    this.#obs.connected(opened.mode, began, opened.pushUrl, this.#pollSource?.events !== undefined);
  }

  /** A start sequence over this agent's parts (agent-start.ts). */
  #startOf(): AgentStart {
    return new AgentStart({
      agent: this,
      options: this.#o as unknown as RemoteAgentOptions, // the cast only widens C
      observer: this.#obs,
      state: this.#state,
      store: this.#store,
      registration: this.#registration,
      card: this.#card,
      transcript: this.#transcript,
      auth: this.#auth,
      push: this.#push,
      runner: this.#runner,
      online: (stateChecked) => {
        // The platform never sees a started agent go quiet while the rest of its start waits.
        this.#platform.online(stateChecked);
        this.#tasks.active = true;
        this.#tasks.every(this.#o.heartbeatIntervalMs ?? 30_000, () => this.#platform.heartbeat());
      },
      files: this.#files,
      startedAt: this.#startedAt,
      ending: this.#ending.signal,
    });
  }

  /** The start-up calls (agent-start.ts), then poll's state and source. */
  async #run(opened: AgentStart, signal: AbortSignal): Promise<void> {
    const caps = await opened.run(signal, this.#o.startAttempts ?? 6);
    // Poll delivery opens its state (files, the checkpoint) without holding a start slot.
    if (opened.mode === "poll") await this.#startPoll(caps, signal);
  }

  /**
   * Stops taking messages, lets running handlers finish and sends their answers, then saves the
   * agent's state and closes everything. Idempotent (a second call waits for the first stop).
   *
   * @param options.timeoutMs the stop's own time (what `stopOnSignals` gives, inside a container's
   * grace period): running handlers get all of it but a short reserve (a tenth, at most 2 s) in
   * which their answers are sent and the state saved; a handler still running then has its
   * `signal` aborted and its message is handled again after the restart. Without it, handlers get
   * `drainTimeoutMs`, and unsent answers as long again.
   */
  async stop(options?: { timeoutMs?: number | undefined }): Promise<void> {
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
      throw new MoleculeOptionError(
        "timeoutMs",
        `stop: timeoutMs must be a number of milliseconds >= 0 (got ${timeoutMs}).`,
      );
    }
    await this.#end("stopped", undefined, timeoutMs);
  }

  async #startPoll(caps: PollCapabilities | undefined, signal: AbortSignal): Promise<void> {
    // A lost folder lock (another agent took it: state-lock.ts) ends the agent with its error,
    // which names the holder that took it.
    const onWait = (message: string): void => this.#logger.info?.(message);
    const onLate = (message: string): void => this.#logger.warn?.(message);
    const onLost = (err: unknown): void => {
      setExitCode(1); // not a clean stop: a supervisor sees the process end with code 1
      void this.#end("error", err);
    };
    const lock = { signal, onWait, onLate, onLost };
    const state = await openPollState(
      hasStore(this.#o),
      this.client,
      this.#state,
      this.#answers,
      lock,
    );
    this.#defaultStore = state.opened;
    const [admission, router, runner] = [this.#admission, this.#router, this.#runner];
    const watch = (event?: string): void => {
      if (event === "EXTERNAL_CREDENTIALS_ROTATED") this.#platform.credentialsRotated();
      if (this.#phase === "running") detached(() => this.#platform.watchState());
    };
    const stages = { admission, router, runner, answers: this.#answers, files: this.#files };
    const handler = new PollStages(stages, this.#obs); // one message through the stages
    const source = { ...stages, handler };
    this.#pollSource = new PollSource(this.#o, this.#state, source, this.#obs, watch, state.where);
    const beats = this.#platform.heartbeats;
    const wakeups = watchWakeupOutages(this.#pollSource, this.#o, this.#obs, beats);
    // start() goes on once the loop reads or its checkpoint read has to wait (the rate budget):
    // a checkpoint that then cannot be read ends the agent with its error.
    const failed = (err: unknown): void => void this.#end("error", err);
    await wakeups.start(this.#store.shared, caps, this.#starting?.abort.signal, failed); // stop() ends it
  }

  /** Ends the agent once: drain, close delivery, timers, streams and the server, resolve `done`. */
  #end(reason: AgentEndReason, error?: unknown, timeoutMs?: number): Promise<void> {
    if (this.#shutdown) return this.#shutdown;
    const budget = new StopBudget(timeoutMs, this.#o.drainTimeoutMs ?? 10_000);
    const before = this.#phase;
    this.#phase = "stopping";
    this.#push.accepting = false;
    this.#tasks.active = false;
    const starting = this.#starting;
    starting?.abort.abort();
    this.#ending.abort();
    this.#shutdown = (async () => {
      await starting?.settled; // start() unwinds first; then everything it opened is closed
      this.#obs.stopping(reason, this.activeTasks, this.#answers.pendingReplies);
      this.#tasks.cancel();
      this.#platform.stop();
      const delivering = Promise.allSettled([this.#pollSource?.stop(), this.#approvals.stop()]);
      // Poll starts no handler now: a save failing from here on rejects instead of waiting for
      // the store to come back, so a store that cannot write does not block the stop.
      this.#state.endRetries();
      await delivering;
      const drainMs = before === "new" ? undefined : budget.handlersMs();
      await this.#runner.stop(drainMs, budget.abortedMs());
      this.#calls.stop();
      const persistent = hasStore(this.#o) || this.#defaultStore !== undefined;
      await this.#answers.stop(budget.answersMs(), persistent);
      await this.#pollSource?.flush();
      await this.#pollSource?.checkpoint(reason);
      await this.#state.flush(); // what push delivery learned of its platform is kept too
      await this.#defaultStore?.release();
      await this.#tasks.settled();
      this.#tasks.cancel();
      await this.#start?.server?.close().catch((err: unknown) => {
        this.#logger.warn?.("push server close failed", { error: describe(err) });
      });
      await Promise.allSettled(
        [this.#handleA2A, ...(this.#handlers ?? [])].map(async (h) => await h?.close?.()),
      );
      this.#phase = "stopped";
      this.#obs.stopped(reason, error, performance.now() - this.#startedAt);
      this.#resolveDone(error === undefined ? { reason } : { reason, error });
    })();
    return this.#shutdown;
  }
}

/**
 * Returns `source` itself when it is a client, or, for a `RemoteAgent`, its client with `callPeer`
 * replaced by the agent's (which awaits a poll-delivered peer's answer; see
 * `RemoteAgent#callPeer`); every other method and property is the client's own.
 *
 * @example
 * const tools = await loadPeerTools(peerClientOf(agent)); // tools get the peers' answers
 */
export function peerClientOf<C extends AgentPlatformClient>(source: RemoteAgent<C>): C;
export function peerClientOf<T extends object>(source: T): T;
export function peerClientOf(source: object): object {
  if (!(source instanceof RemoteAgent)) return source;
  const agent = source as RemoteAgent;
  return clientView(agent, agent.client as unknown as object, agent.callPeer.bind(agent));
}
