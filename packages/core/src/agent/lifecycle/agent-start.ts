// AgentStart, one idea: a remote agent's start-up calls, run once per `start()`: the checks before
// any call, a turn at the process's start gate, the wait while the workspace is paused, the
// capability probe and the delivery it chooses, push's server and registration and the first
// heartbeat (or poll's registration, which the platform records as one), then (the turn given
// back) the event stream's probe. What it opens stays on it for the agent (remote-agent.ts) to
// read and close; poll's state and source the agent opens after it, without holding the turn.
import type { A2AServer, AgentCard } from "../../a2a/index.js";
import type { AgentObserver } from "../../events/index.js";
import type { HeartbeatReport } from "../../platform/index.js";
import type { AgentTranscript, PushTranscript } from "../../org/index.js";
import { hasStore, type AgentStateStore, type AgentStore } from "../../store/index.js";
import { heartbeatsEvery, type Logger } from "../../transport/index.js";
import type { AgentFiles } from "../source/agent-files.js";
import { dropEventSpare, keepEventSpare } from "../client-hooks.js";
import type { PlatformPushAuth } from "../source/platform-bearer.js";
import { startPush, type StartPushInput } from "../source/push-start.js";
import type {
  AgentDeliveryMode,
  AgentPlatformClient,
  PushDeliveryOptions,
  RemoteAgentOptions,
} from "../types.js";
import { startSteps, type StartStep } from "./lifecycle.js";
import { unlessPaused } from "./paused-start.js";
import { registerWithoutPush } from "./poll-register.js";
import type { Registration } from "./re-register.js";
import { startChecksOf } from "./start-checks.js";
import { startGate } from "./start-gate.js";

/** What the capability probe said (the platform's poll delivery, its event stream). */
type Capabilities = Awaited<ReturnType<AgentPlatformClient["capabilities"]>>;

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
  /** The push pipeline (`PushSource`, push-source.ts): every pushed message goes to it. */
  push: Pick<StartPushInput, "onMessage">;
  /** The run stage (`Dispatcher`): the first heartbeat reports its load. */
  runner: { report(startedAt: number): HeartbeatReport };
  /**
   * The platform has the agent online (its registration or first heartbeat accepted just now, and
   * its state read before when `stateChecked`): the agent's heartbeats and state checks go on from
   * then while the rest of the start waits (under a spent rate budget, a window).
   */
  online(stateChecked: boolean): void;
  files: AgentFiles;
  /** When the agent began (monotonic), for the first heartbeat's uptime. */
  startedAt: number;
  /** Aborted when the agent ends. */
  ending: AbortSignal;
}

/** One run of a remote agent's start sequence, and what it opened. */
export class AgentStart {
  /** The delivery chosen ("none" until the probe or the option decides). */
  mode: AgentDeliveryMode = "none";
  /** The URL registered for push delivery. */
  pushUrl: string | undefined;
  /** The built-in push server, as soon as it listens (a failed registration still closes it). */
  server: A2AServer | undefined;
  readonly #p: AgentStartParts;
  readonly #o: RemoteAgentOptions;
  readonly #client: AgentPlatformClient;
  readonly #logger: Logger;
  /** Whether the start read the workspace's state (before registering). */
  #stateChecked = false;

  constructor(parts: AgentStartParts) {
    this.#p = parts;
    this.#o = parts.options;
    this.#client = parts.options.client;
    this.#logger = parts.observer.logger;
  }

  /**
   * Runs the start-up calls in a turn at the process's start gate (see start-gate.ts); resolves
   * with what the capability probe said (undefined when it did not run).
   */
  async run(signal: AbortSignal, attempts: number): Promise<Capabilities | undefined> {
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
    let caps: Capabilities | undefined;
    try {
      const step = this.#p.registration.recording(
        startSteps({ attempts, signal, logger: this.#logger, turn }),
      );
      if (this.#o.register !== false) {
        const { whenPaused, stateIntervalMs: intervalMs } = this.#o; // default 5 s in the wait
        this.#stateChecked = await unlessPaused({
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
    // The event stream once the agent is online, outside the turn (in the rate budget's stream
    // class, after the other agents' starts and leaving the room of the heartbeats due later in the
    // window): under a spent budget a fleet comes online, and stays so, before its streams open. A
    // probe the budget refuses counts as "there is a stream": the wake-ups open it.
    const wakeups = this.#o.eventWakeups !== false && this.#o.delivery !== "none";
    if (caps !== undefined && wakeups && this.mode === "poll") {
      caps = await this.#client.capabilities({ signal, events: true });
    }
    return caps;
  }

  async #boot(step: StartStep): Promise<Capabilities | undefined> {
    const delivery = this.#o.delivery;
    const needCaps = delivery === undefined || delivery === "poll" || delivery === "none";
    // The event stream is probed only for an agent that will open it (poll with wake-ups).
    const events = delivery !== "none" && this.#o.eventWakeups !== false;
    if (events) keepEventSpare(this.#client); // its open stream becomes the wake-ups' stream
    // The contract first (agents probing one platform at once share it): registering and the first
    // heartbeat need only that; the event stream is probed after them (see run).
    const caps = needCaps
      ? await step("capability probe", (signal) =>
          this.#client.capabilities({ signal, events: false }),
        )
      : undefined;
    if (delivery === undefined) this.mode = caps?.pollDelivery ? "poll" : "push";
    else this.mode = typeof delivery === "string" ? delivery : "push";
    if (this.mode !== "poll" || this.#o.eventWakeups === false) dropEventSpare(this.#client);
    this.#p.observer.deliveryChosen(this.mode, delivery === undefined, caps);
    const opts: PushDeliveryOptions = typeof delivery === "object" ? delivery : { mode: "push" };
    const transcript = await this.#p.transcript?.forServer(this.mode, opts.server);
    const every = this.#o.heartbeatIntervalMs ?? 30_000; // the rate budget keeps the next's room
    let registered = false;
    if (this.mode === "push") {
      await this.#startPush(opts, step, transcript);
    } else if (this.#o.register !== false) {
      const poll = caps?.pollDelivery === true;
      const { card } = this.#p;
      registered = await registerWithoutPush(
        this.#client,
        card,
        this.mode,
        poll,
        step,
        this.#logger,
        every,
      );
    }
    // A poll registration is the platform's first heartbeat (status online, `last_heartbeat_at`:
    // enteros-core registry.go's upsert, every contract): the next one goes an interval later.
    if (!registered) {
      await step("first heartbeat", (signal) =>
        this.#client.heartbeat(this.#p.runner.report(this.#p.startedAt), {
          signal: heartbeatsEvery(signal, every),
        }),
      );
    }
    this.#p.online(this.#stateChecked);
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
}
