// The agent's periodic platform calls: the heartbeat (timed by the late-heartbeat watch) and the
// state check. A removal or pause ends the agent; so do `maxUnauthorized` consecutive 401s. A
// workspace found waiting for its agent (resumed after a pause the agent did not see) gets the
// agent's registration again.
import type { AgentObserver } from "../../events/index.js";
import type { HeartbeatReport } from "../../platform/index.js";
import { describe } from "../../transport/index.js";
import type { AgentEndReason, RemoteAgentOptions } from "../types.js";
import { isRemovedError, isUnauthorized, unauthorizedError } from "./lifecycle.js";
import { HeartbeatWatch } from "./liveness.js";
import { awaitsRegistration } from "./re-register.js";

/** What {@link PlatformWatch} asks of the agent it watches for. */
export interface WatchedAgent {
  /** The report the heartbeat carries. */
  report(): HeartbeatReport;
  /** Ends the agent. */
  end(reason: AgentEndReason, error?: unknown): void;
  /** Whether the event stream is connected (it reports pause and removal as they happen). */
  streamConnected(): boolean;
  /** Sends the start-up registration again; false when the agent did not register at start. */
  registerAgain(signal: AbortSignal): Promise<boolean>;
}

/** The platform calls a {@link PlatformWatch} makes (and counts 401s of). */
type Call = "heartbeat" | "state check";

/** Runs the heartbeat and the state check for one agent; each call is one tick of its timer. */
export class PlatformWatch {
  readonly #o: Pick<RemoteAgentOptions, "client" | "maxUnauthorized">;
  readonly #observer: AgentObserver;
  /** Aborted when the agent ends: in-flight calls give up at once. */
  readonly #ending: AbortSignal;
  readonly #agent: WatchedAgent;
  readonly #watch: HeartbeatWatch;
  /** Consecutive 401s of each call. */
  readonly #unauthorized: Record<Call, number> = { heartbeat: 0, "state check": 0 };
  #stateCheckedAt = Number.NEGATIVE_INFINITY;
  #stateCheck: Promise<void> | undefined;

  constructor(
    options: Pick<RemoteAgentOptions, "client" | "heartbeatIntervalMs" | "maxUnauthorized">,
    observer: AgentObserver,
    ending: AbortSignal,
    agent: WatchedAgent,
  ) {
    this.#o = options;
    this.#observer = observer;
    this.#ending = ending;
    this.#agent = agent;
    const { workspaceId } = options.client;
    this.#watch = new HeartbeatWatch(workspaceId, options.heartbeatIntervalMs ?? 30_000, observer);
  }

  /** Stops the late-heartbeat watchdog. */
  stop(): void {
    this.#watch.stop();
  }

  /** Sends one heartbeat. */
  async heartbeat(): Promise<void> {
    this.#watch.begin();
    try {
      await this.#o.client.heartbeat(this.#agent.report(), { signal: this.#ending });
      this.#watch.end(true);
      this.#unauthorized.heartbeat = 0;
    } catch (err) {
      this.#watch.end(false);
      this.#failed("heartbeat", err);
    }
  }

  /**
   * The state check's timer tick: skipped while the event stream is connected and the last check
   * is less than `quietMs` old.
   */
  async stateTick(quietMs: number): Promise<void> {
    if (this.#agent.streamConnected() && performance.now() - this.#stateCheckedAt < quietMs) return;
    await this.watchState();
  }

  /**
   * Checks the workspace's state once (or joins the check in flight): paused or removed ends the
   * agent; `awaiting_agent` or `provisioning` (resumed: its URL was blanked) registers it again.
   */
  watchState(): Promise<void> {
    return (this.#stateCheck ??= this.#checkState().finally(() => (this.#stateCheck = undefined)));
  }

  async #checkState(): Promise<void> {
    this.#stateCheckedAt = performance.now();
    try {
      const state = await this.#o.client.getState({ signal: this.#ending });
      this.#unauthorized["state check"] = 0;
      if (state.removed) this.#agent.end("removed");
      else if (state.paused) this.#agent.end("paused");
      else if (awaitsRegistration(state.status)) await this.#registerAgain(state.status);
    } catch (err) {
      this.#failed("state check", err);
    }
  }

  /** The workspace waits for its agent (resumed after a pause): registers again, once per check. */
  async #registerAgain(status: string): Promise<void> {
    const { workspaceId } = this.#o.client;
    if (!(await this.#agent.registerAgain(this.#ending))) {
      this.#observer.logger.warn?.(
        `workspace ${workspaceId} is ${status}: it waits for its agent to register (it was ` +
          "probably paused and resumed), and this agent did not register at start (register: " +
          "false, or no poll delivery on this platform): register it, or restart the agent",
      );
      return;
    }
    this.#observer.logger.info?.(
      `workspace ${workspaceId} was ${status} (paused and resumed): registered again with the ` +
        "same card and URL",
    );
  }

  /** A call failed: a removal ends the agent, and so do `maxUnauthorized` consecutive 401s. */
  #failed(call: Call, err: unknown): void {
    if (this.#ending.aborted) return;
    if (isRemovedError(err)) return this.#agent.end("removed", err);
    const logger = this.#observer.logger;
    if (!isUnauthorized(err)) {
      this.#unauthorized[call] = 0;
      logger.warn?.(`${call} failed`, { error: describe(err) });
      return;
    }
    const consecutive = ++this.#unauthorized[call];
    logger.warn?.(`${call} rejected (401)`, { consecutive });
    const max = this.#o.maxUnauthorized ?? 3;
    if (consecutive >= max) {
      this.#agent.end("unauthorized", unauthorizedError(this.#o.client.workspaceId, max, call));
    }
  }
}
