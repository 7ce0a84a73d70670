// The agent's periodic platform calls: the heartbeat (timed by the late-heartbeat watch) and the
// state check. A removal ends the agent, and so does a pause unless it waits pauses out
// (`onPause: "wait"`); so do `maxUnauthorized` consecutive 401s. A workspace found waiting for
// its agent (resumed after a pause) gets the agent's registration again.
import type { AgentObserver } from "../../events/index.js";
import type { HeartbeatReport, OwnHeartbeats } from "../../platform/index.js";
import { WorkspaceRemovedError } from "../../platform/index.js";
import {
  askedWaitMs,
  describe,
  heartbeatsEvery,
  inRateClass,
  whenRateWaits,
} from "../../transport/index.js";
import { isMoleculeError } from "../../transport/index.js";
import { sleep } from "../../transport/index.js";
import { CONNECTED_STATE_SLOWDOWN } from "../source/poll-pace.js";
import type { AgentEndReason, RemoteAgentOptions } from "../types.js";
import { isRemovedError, isUnauthorized, tokenRejected, unauthorizedError } from "./lifecycle.js";
import { HeartbeatWatch } from "./liveness.js";
import { awaitsRegistration } from "./re-register.js";

/** What {@link PlatformWatch} asks of the agent it watches for. */
export interface WatchedAgent {
  /** The report the heartbeat carries. */
  report(): HeartbeatReport;
  /** Ends the agent. */
  end(reason: AgentEndReason, error?: unknown): void;
  /** Takes no new messages while its workspace is paused (`true`), or takes them again. */
  hold(paused: boolean): void;
  /** Whether the event stream is connected (it reports pause and removal as they happen). */
  streamConnected(): boolean;
  /**
   * Whether its start is still under way (once online: it registered just now, and
   * the stream its probe opened keeps what the platform says meanwhile).
   */
  starting(): boolean;
  /** Sends the start-up registration again; false when the agent did not register at start. */
  registerAgain(signal: AbortSignal): Promise<boolean>;
}

/** The platform calls a {@link PlatformWatch} makes (and counts 401s of). */
type Call = "heartbeat" | "state check";

/** Runs the heartbeat and the state check for one agent; each call is one tick of its timer. */
export class PlatformWatch {
  readonly #o: Pick<RemoteAgentOptions, "client" | "maxUnauthorized" | "onPause">;
  readonly #observer: AgentObserver;
  /** Aborted when the agent ends: in-flight calls give up at once. */
  readonly #ending: AbortSignal;
  /** `#ending`, for a state check that waits for a quiet moment of the rate budget. */
  readonly #quiet: AbortSignal;
  /** `#ending`, for the heartbeats: each says when the next goes (the budget keeps its room). */
  readonly #beats: AbortSignal;
  /** When a heartbeat was last accepted (`performance.now()`). */
  #beatAt = Number.NEGATIVE_INFINITY;
  /**
   * A heartbeat waited for its turn in the rate budget, or was refused one, and none was accepted
   * since: the platform has had none to write an event for.
   */
  #beatHeld = false;
  readonly #agent: WatchedAgent;
  readonly #watch: HeartbeatWatch;
  /** Consecutive 401s of each call. */
  readonly #unauthorized: Record<Call, number> = { heartbeat: 0, "state check": 0 };
  /** The platform said an operator rotated the workspace's credentials (its event stream). */
  #rotated = false;
  /** The platform showed the workspace after the last first 401 (so a 401 is about the token). */
  #exists = false;
  #stateCheckedAt = Number.NEGATIVE_INFINITY;
  #stateCheck: Promise<void> | undefined;
  /** Whether the check in flight waits for a quiet moment (only quiet ones join it). */
  #stateCheckQuiet = false;
  #held = false;
  /** The heartbeat's and the state check's intervals (ms). */
  readonly #heartbeatMs: number;
  readonly #stateMs: number;

  constructor(
    options: Pick<
      RemoteAgentOptions,
      "client" | "heartbeatIntervalMs" | "stateIntervalMs" | "maxUnauthorized" | "onPause"
    >,
    observer: AgentObserver,
    ending: AbortSignal,
    agent: WatchedAgent,
  ) {
    this.#o = options;
    this.#observer = observer;
    this.#ending = ending;
    this.#quiet = inRateClass(AbortSignal.any([ending]), "background");
    this.#agent = agent;
    const { workspaceId } = options.client;
    const heartbeatMs = (this.#heartbeatMs = options.heartbeatIntervalMs ?? 30_000);
    const held = (): void => void (this.#beatHeld = true);
    this.#beats = whenRateWaits(heartbeatsEvery(AbortSignal.any([ending]), heartbeatMs), held);
    this.#watch = new HeartbeatWatch(workspaceId, heartbeatMs, observer);
    this.#stateMs = options.stateIntervalMs ?? heartbeatMs;
  }

  /**
   * The agent's own heartbeats as its event stream sees them: the platform writes an event for
   * each one it accepts and nothing else while idle, so a silence while one is held back by the
   * rate budget is the agent's, not the stream's.
   */
  readonly heartbeats: OwnHeartbeats = {
    held: () => this.#beatHeld,
    acceptedAt: () => (Number.isFinite(this.#beatAt) ? this.#beatAt : undefined),
  };

  /** True while the workspace is paused and the agent waits it out (`onPause: "wait"`). */
  get held(): boolean {
    return this.#held;
  }

  /**
   * The start brought the agent online just now (its registration or first heartbeat accepted),
   * having read the workspace's state before when `stateChecked`: the state checks count from then
   * (the first is not due for an interval), and while heartbeats are accepted they wait for a quiet
   * moment of the rate budget (a fleet's start does not spend a second state check an agent).
   */
  online(stateChecked: boolean): void {
    this.#beatAt = performance.now();
    if (stateChecked) this.#stateCheckedAt = this.#beatAt;
  }

  /** Stops the late-heartbeat watchdog. */
  stop(): void {
    this.#watch.stop();
  }

  /**
   * Sends one heartbeat. Without the event stream (which reports a resume as it happens), a state
   * check in flight or due before the next heartbeat runs first: the April 2026 server's heartbeat
   * turns a resumed workspace's `provisioning` into "online" without a URL, after which no state
   * check could tell that the agent must register again. Not while the agent starts: it registered
   * a moment ago, and under a spent rate budget each check would cost a heartbeat's room.
   */
  async heartbeat(): Promise<void> {
    this.#watch.begin();
    const watched = this.#agent.starting() || this.#agent.streamConnected();
    if (!watched && this.#stateDueBy(this.#heartbeatMs)) {
      await this.watchState();
    }
    for (let refused = false; ; refused = true) {
      if (this.#ending.aborted) return void this.#watch.end(false);
      try {
        await this.#o.client.heartbeat(this.#agent.report(), { signal: this.#beats });
        this.#watch.end(true);
        this.#beatAt = performance.now();
        this.#beatHeld = false;
        this.#unauthorized.heartbeat = 0;
        this.#observer.path.passed();
        return;
      } catch (err) {
        // Refused unsent by a spent rate budget (its turn could not come within the call's
        // timeout): sent once more when its turn comes, not a whole interval later.
        const limited = isMoleculeError(err, "rate_limited");
        // Held back until one is accepted: the silence of the stream till then is the budget's.
        this.#beatHeld = limited;
        const wait = limited ? askedWaitMs(err) : undefined;
        if (!refused && wait !== undefined && wait < this.#heartbeatMs) {
          await sleep(wait, this.#ending);
          continue;
        }
        this.#watch.end(false);
        return await this.#failed("heartbeat", err);
      }
    }
  }

  /**
   * The state check's timer tick: skipped when the last check (a heartbeat's, an event's) is less
   * than its interval old, or {@link CONNECTED_STATE_SLOWDOWN} intervals while the event stream is
   * connected (it reports a pause or removal as it happens). While heartbeats are accepted it
   * waits for a quiet moment of the rate budget, and is skipped when none comes in time.
   */
  async stateTick(): Promise<void> {
    if (this.#agent.streamConnected()) {
      const quietMs = this.#stateMs * CONNECTED_STATE_SLOWDOWN;
      if (performance.now() - this.#stateCheckedAt < quietMs) return;
    } else if (!this.#stateDueBy(0)) return;
    await this.watchState(performance.now() - this.#beatAt < 2 * this.#heartbeatMs);
  }

  /**
   * Whether a state check is in flight, or due within `ms` (a tenth of its interval early: timers
   * may fire a little before `performance.now()` says the interval has passed).
   */
  #stateDueBy(ms: number): boolean {
    const elapsed = performance.now() - this.#stateCheckedAt;
    return this.#stateCheck !== undefined || elapsed + ms >= this.#stateMs * 0.9;
  }

  /**
   * Checks the workspace's state once (or joins the check in flight): paused or removed ends the
   * agent; `awaiting_agent` or `provisioning` (resumed: its URL was blanked) registers it again.
   * `quiet`: it waits behind every other request for the rate budget (see {@link stateTick}). Only
   * a quiet check joins a quiet one in flight: a heartbeat never waits for the budget's quiet
   * moments.
   */
  watchState(quiet = false): Promise<void> {
    if (this.#stateCheck && (quiet || !this.#stateCheckQuiet)) return this.#stateCheck;
    const check: Promise<void> = this.#checkState(quiet).finally(() => {
      if (this.#stateCheck === check) this.#stateCheck = undefined;
    });
    this.#stateCheckQuiet = quiet;
    return (this.#stateCheck = check);
  }

  async #checkState(quiet: boolean): Promise<void> {
    this.#stateCheckedAt = performance.now();
    try {
      const signal = quiet ? this.#quiet : this.#ending;
      const state = await this.#o.client.getState({ signal });
      this.#unauthorized["state check"] = 0;
      if (state.removed) this.#agent.end("removed");
      else if (state.paused) this.#paused(true);
      else {
        // A workspace this agent saw paused had its URL blanked: register again on the resume,
        // even when a heartbeat (newer servers lift `awaiting_agent` to online) got there first.
        if (awaitsRegistration(state.status) || this.#held) await this.#registerAgain(state.status);
        this.#paused(false);
      }
    } catch (err) {
      // A quiet check the budget had no room for is skipped: the heartbeats say the agent is in.
      if (quiet && isMoleculeError(err, "rate_limited")) return;
      await this.#failed("state check", err);
    }
  }

  /** The workspace is paused, or not: the agent ends (`onPause: "end"`), holds or takes again. */
  #paused(paused: boolean): void {
    if (paused && this.#o.onPause !== "wait") return this.#agent.end("paused");
    if (this.#held === paused || this.#ending.aborted) return;
    this.#held = paused;
    this.#agent.hold(paused);
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

  /** The platform said an operator rotated the credentials: the token held is revoked. */
  credentialsRotated(): void {
    this.#rotated = true;
    this.#observer.logger.warn?.(
      "the platform rotated this workspace's credentials: the agent's token is revoked; give it the new one (its token file, or MOLECULE_WORKSPACE_TOKEN and a restart)",
    );
  }

  /** A call failed: a removal ends the agent, and so do `maxUnauthorized` consecutive 401s. */
  async #failed(call: Call, err: unknown): Promise<void> {
    if (this.#ending.aborted) return;
    if (isRemovedError(err)) return this.#agent.end("removed", err);
    const logger = this.#observer.logger;
    if (!isUnauthorized(err)) {
      this.#unauthorized[call] = 0;
      // The path to the platform failing (DNS, a proxy, TLS, a front, the connection): its lines.
      if (!this.#observer.path.failed(err))
        logger.warn?.(`${call} failed`, { error: describe(err) });
      return;
    }
    const consecutive = ++this.#unauthorized[call];
    const max = this.#o.maxUnauthorized ?? 3;
    // The first rejection looks the workspace up: one the platform no longer has ends the agent
    // now (no token brings it back), else the line says what the 401 means and what to do; the
    // next ones only count.
    if (consecutive === 1) {
      const found = await this.#lookUp();
      if (this.#ending.aborted) return;
      if (found instanceof WorkspaceRemovedError) return this.#agent.end("removed", found);
      this.#exists = found;
      logger.warn?.(
        `${call} rejected: ${tokenRejected(this.#o.client.workspaceId, this.#rotated, found)}`,
        { consecutive, stopsAfter: max },
      );
    } else logger.warn?.(`${call} rejected (401)`, { consecutive });
    if (consecutive >= max) {
      const id = this.#o.client.workspaceId;
      this.#agent.end(
        "unauthorized",
        unauthorizedError(id, max, call, this.#rotated, this.#exists),
      );
    }
  }

  /**
   * After a 401, whether the platform still has the workspace: true when it shows it, a
   * `WorkspaceRemovedError` when it was removed or does not exist (404: deleted, or a platform
   * reset, such as an emulator restarted without `--state-file`), false when that cannot be read.
   */
  async #lookUp(): Promise<boolean | WorkspaceRemovedError> {
    const { client } = this.#o;
    if (!client.getWorkspace) return false;
    try {
      await client.getWorkspace();
      return true;
    } catch (err) {
      if (err instanceof WorkspaceRemovedError) return err;
      if (!isMoleculeError(err, "not_found")) return false;
      const id = client.workspaceId;
      return new WorkspaceRemovedError(
        `the platform rejected workspace ${id}'s token (401) and the workspace does not exist on this platform (it was deleted, or the platform was reset, such as an emulator restarted without --state-file): create a workspace and start the agent with its MOLECULE_WORKSPACE_ID and MOLECULE_WORKSPACE_TOKEN`,
        { workspaceId: id, status: 404 },
      );
    }
  }
}
