// AgentStart, one idea: a remote agent's start sequence, run once per `start()`: the checks before
// any call, a turn at the process's start gate, the wait while the workspace is paused, the
// capability probe and the delivery it chooses, push's server and registration (or poll's
// registration), the first heartbeat, then, without holding the turn, poll's state and source.
// What it opens stays on it for the agent (remote-agent.ts) to read and close.
import type { A2AServer, AgentCard } from "../../a2a/index.js";
import type { AgentObserver } from "../../events/index.js";
import { detached } from "../../observability/index.js";
import type { AgentTranscript, PushTranscript } from "../../org/index.js";
import { hasStore, type AgentStateStore } from "../../store/index.js";
import type { AgentStore, DefaultStore } from "../../store/index.js";
import type { Logger } from "../../transport/index.js";
import type { AgentFiles } from "../source/agent-files.js";
import { dropEventSpare, keepEventSpare, watchWakeupOutages } from "../source/poll-fetch.js";
import { PollSource, type PollCapabilities } from "../source/poll-source.js";
import type { PollStageSet } from "../source/poll-stages.js";
import { openPollState } from "../source/poll-state.js";
import type { PlatformPushAuth } from "../source/platform-bearer.js";
import type { PushSource } from "../source/push-source.js";
import { startPush } from "../source/push-start.js";
import type {
  AgentDeliveryMode,
  AgentEndReason,
  AgentPlatformClient,
  PushDeliveryOptions,
  RemoteAgentOptions,
} from "../types.js";
import { startSteps, type StartStep } from "./lifecycle.js";
import { unlessPaused } from "./paused-start.js";
import type { PlatformWatch } from "./platform-watch.js";
import { registerWithoutPush } from "./poll-register.js";
import type { Registration } from "./re-register.js";
import { startChecksOf } from "./start-checks.js";
import { startGate } from "./start-gate.js";

/** The parts of a remote agent its start uses (the agent built them; see remote-agent.ts). */
export interface AgentStartParts {
  /** The agent itself: the key of the checks registered for it (start-checks.ts). */
  agent: object;
  options: RemoteAgentOptions;
  observer: AgentObserver;
  /** The one writer of the agent's poll, outbox and push state. */
  state: AgentStateStore;
  store: AgentStore;
  registration: Registration;
  card: AgentCard;
  transcript: AgentTranscript | undefined;
  auth: PlatformPushAuth;
  push: PushSource;
  /** The stages a polled message goes through. */
  stages: PollStageSet;
  files: AgentFiles;
  platform: PlatformWatch;
  /** When the agent began (monotonic), for the first heartbeat's uptime. */
  startedAt: number;
  /** Aborted when the agent ends. */
  ending: AbortSignal;
  /** Whether the agent runs now (its start is over): a workspace event then checks the state. */
  running: () => boolean;
  /** Ends the agent with `error` (poll's folder lock was lost). */
  end: (reason: AgentEndReason, error: unknown) => void;
}

/** One run of a remote agent's start sequence, and what it opened. */
export class AgentStart {
  /** The delivery chosen ("none" until the probe or the option decides). */
  mode: AgentDeliveryMode = "none";
  /** The URL registered for push delivery. */
  pushUrl: string | undefined;
  /** The built-in push server, as soon as it listens (a failed registration still closes it). */
  server: A2AServer | undefined;
  pollSource: PollSource | undefined;
  /** The default store of a poll agent given no `store` (files beside its token file). */
  defaultStore: DefaultStore | undefined;
  readonly #p: AgentStartParts;
  readonly #o: RemoteAgentOptions;
  readonly #client: AgentPlatformClient;
  readonly #logger: Logger;

  constructor(parts: AgentStartParts) {
    this.#p = parts;
    this.#o = parts.options;
    this.#client = parts.options.client;
    this.#logger = parts.observer.logger;
  }

  /** Runs the start-up calls in a turn at the process's start gate (see start-gate.ts). */
  async run(signal: AbortSignal, attempts: number): Promise<void> {
    // Before any call: the handler's own check (an adapter's `checkStart`: e.g. its model has a
    // key) and those registered for this agent (start-checks.ts), each once, then the store
    // (MoleculeStoreError when it cannot be read or written).
    const handler = this.#o.handler as { checkStart?: () => Promise<void> };
    const registered = startChecksOf(this.#p.agent).filter((check) => check !== handler.checkStart);
    await handler.checkStart?.();
    for (const check of registered) await check();
    if (hasStore(this.#o)) await this.#p.state.open();
    const turn = startGate.turnOf(this.#client);
    await turn.take(signal);
    let caps: PollCapabilities | undefined;
    try {
      const step = this.#p.registration.recording(
        startSteps({ attempts, signal, logger: this.#logger, turn }),
      );
      if (this.#o.register !== false) {
        const { whenPaused, stateIntervalMs: intervalMs } = this.#o; // default 5 s in the wait
        await unlessPaused({
          client: this.#client,
          whenPaused,
          step,
          signal,
          turn,
          logger: this.#logger,
          intervalMs,
        });
      }
      caps = await this.#boot(step);
    } finally {
      turn.give();
    }
    // Poll delivery opens its state (files, the checkpoint) without holding a start slot.
    if (this.mode === "poll") await this.#startPoll(caps, signal);
  }

  async #boot(step: StartStep): Promise<PollCapabilities | undefined> {
    const delivery = this.#o.delivery;
    const needCaps = delivery === undefined || delivery === "poll" || delivery === "none";
    // The event stream is probed only for an agent that will open it (poll with wake-ups).
    const events = delivery !== "none" && this.#o.eventWakeups !== false;
    if (events) keepEventSpare(this.#client); // its open stream becomes the wake-ups' stream
    const caps = needCaps
      ? await step("capability probe", (signal) => this.#client.capabilities({ signal, events }))
      : undefined;
    if (delivery === undefined) this.mode = caps?.pollDelivery ? "poll" : "push";
    else this.mode = typeof delivery === "string" ? delivery : "push";
    if (this.mode !== "poll" || this.#o.eventWakeups === false) dropEventSpare(this.#client);
    this.#p.observer.deliveryChosen(this.mode, delivery === undefined, caps);
    const opts: PushDeliveryOptions = typeof delivery === "object" ? delivery : { mode: "push" };
    const transcript = await this.#p.transcript?.forServer(this.mode, opts.server);
    if (this.mode === "push") {
      await this.#startPush(opts, step, transcript);
    } else if (this.#o.register !== false) {
      const poll = caps?.pollDelivery === true;
      await registerWithoutPush(this.#client, this.#p.card, this.mode, poll, step, this.#logger);
    }
    await step("first heartbeat", (signal) =>
      this.#client.heartbeat(this.#p.stages.runner.report(this.#p.startedAt), { signal }),
    );
    if (this.mode === "push") {
      this.#p.auth.heard("heartbeat"); // whether the platform signs its pushes is known now
      this.#p.auth.checkHonoured(this.pushUrl);
    }
    return caps;
  }

  async #startPush(opts: PushDeliveryOptions, step: StartStep, transcript?: PushTranscript) {
    const push = this.#p.push;
    this.pushUrl = await startPush({
      opts,
      client: this.#client,
      card: this.#p.card,
      logger: this.#logger,
      onMessage: (message, ctx, taskKey) => push.onMessage(message, ctx, taskKey),
      taskStore: this.#p.store.tasks,
      onServer: (server) => (this.server = server),
      register: this.#o.register === false ? undefined : step,
      transcript,
      files: this.#p.files,
      signal: this.#p.ending,
      auth: this.#p.auth,
    });
  }

  async #startPoll(caps: PollCapabilities | undefined, signal: AbortSignal): Promise<void> {
    // A lost folder lock (another agent took it: state-lock.ts) ends the agent with its error.
    const onWait = (message: string): void => this.#logger.info?.(message);
    const lock = { signal, onWait, onLost: (err: unknown) => this.#p.end("error", err) };
    const { stages, platform, observer } = this.#p;
    const state = await openPollState(
      hasStore(this.#o),
      this.#client,
      this.#p.state,
      stages.answers,
      lock,
    );
    this.defaultStore = state.opened;
    const watch = (event?: string): void => {
      if (event === "EXTERNAL_CREDENTIALS_ROTATED") platform.credentialsRotated();
      if (this.#p.running()) detached(() => platform.watchState());
    };
    this.pollSource = new PollSource(this.#o, this.#p.state, stages, observer, watch, state.where);
    const wakeups = watchWakeupOutages(this.pollSource, this.#o, observer);
    await wakeups.start(this.#p.store.shared, caps, signal); // stop() ends it
  }
}
