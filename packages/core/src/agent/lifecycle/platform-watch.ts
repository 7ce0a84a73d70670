// The agent's periodic platform calls: the heartbeat (timed by the late-heartbeat watch) and the
// state check. A removal or pause ends the agent; so do `maxUnauthorized` consecutive 401s.
import type { Logger } from "../../transport/index.js";
import { describe } from "../../transport/index.js";
import { isUnauthorized } from "../../inbound/index.js";
import { isRemovedError, unauthorizedError } from "./lifecycle.js";
import { HeartbeatWatch } from "./liveness.js";
import type { HeartbeatLateSink } from "./liveness.js";
import type { HeartbeatReport } from "../../platform/index.js";
import type { AgentEndReason, AgentPlatformClient } from "../types.js";

/** What {@link PlatformWatch} needs from the agent. */
export interface PlatformWatchOptions {
  client: AgentPlatformClient;
  logger: Logger;
  /** The heartbeat period (late heartbeats are reported to `sink`). */
  intervalMs: number;
  sink: HeartbeatLateSink;
  /** Consecutive 401s after which the agent ends (default 3). */
  maxUnauthorized: number | undefined;
  /** Aborted when the agent ends: in-flight calls give up at once. */
  ending: AbortSignal;
  /** The report the heartbeat carries. */
  report(): HeartbeatReport;
  /** Ends the agent. */
  end(reason: AgentEndReason, error?: unknown): void;
  /** Whether the event stream is connected (it reports pause and removal as they happen). */
  streamConnected(): boolean;
}

/** Runs the heartbeat and the state check for one agent; each call is one tick of its timer. */
export class PlatformWatch {
  readonly #o: PlatformWatchOptions;
  readonly #watch: HeartbeatWatch;
  #heartbeatAuthFailures = 0;
  #stateAuthFailures = 0;
  #stateCheckedAt = Number.NEGATIVE_INFINITY;
  #stateCheck: Promise<void> | undefined;

  constructor(options: PlatformWatchOptions) {
    this.#o = options;
    const { client, intervalMs, logger, sink } = options;
    this.#watch = new HeartbeatWatch({ workspaceId: client.workspaceId, intervalMs, logger, sink });
  }

  /** Stops the late-heartbeat watchdog. */
  stop(): void {
    this.#watch.stop();
  }

  get #maxUnauthorized(): number {
    return this.#o.maxUnauthorized ?? 3;
  }

  /** Sends one heartbeat. */
  async heartbeat(): Promise<void> {
    const o = this.#o;
    const done = this.#watch.begin();
    try {
      await o.client.heartbeat(o.report(), { signal: o.ending });
      done(true);
      this.#heartbeatAuthFailures = 0;
    } catch (err) {
      done(false);
      if (o.ending.aborted) return;
      if (isRemovedError(err)) return void o.end("removed", err);
      if (!isUnauthorized(err)) {
        this.#heartbeatAuthFailures = 0;
        o.logger.warn?.("heartbeat failed", { error: describe(err) });
        return;
      }
      this.#heartbeatAuthFailures++;
      o.logger.warn?.("heartbeat rejected (401)", { consecutive: this.#heartbeatAuthFailures });
      if (this.#heartbeatAuthFailures >= this.#maxUnauthorized) {
        const error = unauthorizedError(o.client.workspaceId, this.#maxUnauthorized, "heartbeat");
        o.end("unauthorized", error);
      }
    }
  }

  /**
   * The state check's timer tick: skipped while the event stream is connected and the last check
   * is less than `quietMs` old.
   */
  async stateTick(quietMs: number): Promise<void> {
    const o = this.#o;
    if (o.streamConnected() && performance.now() - this.#stateCheckedAt < quietMs) return;
    await this.watchState();
  }

  /** Checks the workspace's state once (or joins the check in flight): paused or removed ends the agent. */
  watchState(): Promise<void> {
    return (this.#stateCheck ??= this.#checkState().finally(() => (this.#stateCheck = undefined)));
  }

  async #checkState(): Promise<void> {
    const o = this.#o;
    this.#stateCheckedAt = performance.now();
    try {
      const state = await o.client.getState({ signal: o.ending });
      this.#stateAuthFailures = 0;
      if (state.removed) o.end("removed");
      else if (state.paused) o.end("paused");
    } catch (err) {
      if (o.ending.aborted) return;
      if (isRemovedError(err)) return void o.end("removed", err);
      if (!isUnauthorized(err)) {
        this.#stateAuthFailures = 0;
        o.logger.warn?.("state check failed", { error: describe(err) });
        return;
      }
      this.#stateAuthFailures++;
      if (this.#stateAuthFailures >= this.#maxUnauthorized) {
        const error = unauthorizedError(o.client.workspaceId, this.#maxUnauthorized, "state check");
        o.end("unauthorized", error);
      }
    }
  }
}
