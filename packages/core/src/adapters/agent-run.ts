// A RemoteAgent run by a host app's lifecycle hooks: started once, stopped once (however many
// shutdown hooks ask), with the state a health check reports.
import type { AgentDoneResult, RemoteAgent } from "../agent/index.js";
import type { AgentLifecycleState } from "./agent-health.js";

/** What {@link AgentRun} reports besides its state. */
export interface AgentRunHooks {
  /** The agent ended on its own (paused, removed, unauthorized, error): it handles nothing more. */
  onEnded?: (outcome: AgentDoneResult) => void;
  /** Stopping begins: the agent is draining its in-flight handlers. */
  onStopping?: () => void;
  /** The agent has stopped (drained, timers cleared). */
  onStopped?: () => void;
  /** The workspace was paused (`true`) or resumed (`false`) while the agent waits it out. */
  onPaused?: (paused: boolean) => void;
}

/**
 * Starts and stops one `RemoteAgent` and tracks its {@link AgentLifecycleState}: `starting`, then
 * `running` after a successful `start()`, `paused` while its workspace is paused (an agent with
 * `onPause: "wait"`) and `running` again once resumed, `failed` when start-up fails or the agent
 * ends on its own, `stopping` and `stopped` (or `failed` again) on shutdown.
 */
export class AgentRun {
  #state: AgentLifecycleState = "starting";
  #started = false;
  #stopping: Promise<void> | undefined;

  constructor(
    private readonly agent: Pick<RemoteAgent, "start" | "stop" | "done"> &
      Partial<Pick<RemoteAgent, "on">>,
    private readonly hooks: AgentRunHooks = {},
  ) {}

  /** Follows the agent's `paused` and `resumed` events (while it runs). */
  #follow(paused: boolean): void {
    if (this.#state !== (paused ? "running" : "paused")) return;
    this.#state = paused ? "paused" : "running";
    this.hooks.onPaused?.(paused);
  }

  /** Where the agent is in its life. */
  get state(): AgentLifecycleState {
    return this.#state;
  }

  /** Starts the agent (rejects with its start-up error, leaving the state `failed`). */
  async start(): Promise<void> {
    this.#started = true;
    this.agent.on?.("paused", () => this.#follow(true));
    this.agent.on?.("resumed", () => this.#follow(false));
    try {
      await this.agent.start();
    } catch (error) {
      this.#state = "failed";
      throw error;
    }
    this.#state = "running";
    void this.agent.done.then(
      (outcome) => {
        if (outcome.reason === "stopped") return;
        this.#state = "failed";
        this.hooks.onEnded?.(outcome);
      },
      () => undefined,
    );
  }

  /**
   * Stops the agent once (in-flight handlers finish within `options.timeoutMs`, the stop's time:
   * see `RemoteAgent.stop`); a no-op when it was never started.
   */
  stop(options?: { timeoutMs?: number | undefined }): Promise<void> {
    if (!this.#started) return Promise.resolve();
    this.#stopping ??= (async () => {
      const failed = this.#state === "failed";
      this.#state = "stopping";
      this.hooks.onStopping?.();
      await this.agent.stop(options);
      this.#state = failed ? "failed" : "stopped";
      this.hooks.onStopped?.();
    })();
    return this.#stopping;
  }
}
