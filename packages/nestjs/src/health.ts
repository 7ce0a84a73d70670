import { Inject, Injectable } from "@nestjs/common";
import { isMoleculeError, RemoteAgent } from "@molecule-ai/agent-core";
import { MOLECULE_AGENT_RAW_CLIENT } from "./constants.js";
import type { HeartbeatClockClient } from "./heartbeat-clock.js";
import { MoleculeAgentLifecycle } from "./lifecycle.js";
import type { AgentLifecycleState } from "./lifecycle.js";

/** What {@link MoleculeHealthIndicator.isHealthy} reports (a `@nestjs/terminus` indicator result). */
export type MoleculeHealthResult<Key extends string = string> = Record<
  Key,
  {
    status: "up" | "down";
    /** `reachable`, or why the platform could not be asked (`unreachable`, `unauthorized`, `workspace_removed`). */
    platform: string;
    agent: AgentLifecycleState;
    delivery: string;
    /** Milliseconds since a heartbeat last reached the platform (null before the first). */
    lastHeartbeatAgeMs: number | null;
    /** Why the indicator is down. */
    reason?: string;
  }
>;

/** Options of {@link MoleculeHealthIndicator.isHealthy}. */
export interface MoleculeHealthOptions {
  /** How long the platform probe may take, in ms (default 3 000). */
  timeoutMs?: number;
  /** Oldest acceptable heartbeat, in ms (default 90 000: the platform's offline threshold). */
  maxHeartbeatAgeMs?: number;
}

/**
 * A health indicator for `@nestjs/terminus`: up when the platform answers, the agent is running
 * and its last heartbeat is recent. It needs no terminus import: its result has terminus's shape.
 *
 * @example
 * ```ts
 * @Get("health") @HealthCheck()
 * check() { return this.health.check([() => this.molecule.isHealthy("molecule")]); }
 * ```
 */
@Injectable()
export class MoleculeHealthIndicator {
  /** @internal Created by Nest's injector. */
  constructor(
    @Inject(MOLECULE_AGENT_RAW_CLIENT) private readonly client: HeartbeatClockClient,
    @Inject(RemoteAgent) private readonly agent: RemoteAgent,
    @Inject(MoleculeAgentLifecycle) private readonly lifecycle: MoleculeAgentLifecycle,
  ) {}

  /** Probes the platform (`GET /workspaces/<id>`) and reports the agent's state. */
  async isHealthy<const Key extends string = "molecule">(
    key: Key = "molecule" as Key,
    options: MoleculeHealthOptions = {},
  ): Promise<MoleculeHealthResult<Key>> {
    const { timeoutMs = 3_000, maxHeartbeatAgeMs = 90_000 } = options;
    let platform = "reachable";
    try {
      await this.client.getWorkspace(undefined, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const code = isMoleculeError(error) ? error.code : "";
      platform = code === "unauthorized" || code === "workspace_removed" ? code : "unreachable";
    }
    const agent = this.lifecycle.state;
    const at = this.client.lastHeartbeatAt;
    const age = at === undefined ? null : Date.now() - at;
    const reason =
      platform !== "reachable"
        ? `platform ${platform}`
        : agent !== "running"
          ? `agent ${agent}`
          : age === null || age > maxHeartbeatAgeMs
            ? `no heartbeat within ${maxHeartbeatAgeMs} ms`
            : undefined;
    const result = {
      status: reason === undefined ? ("up" as const) : ("down" as const),
      platform,
      agent,
      delivery: this.agent.delivery,
      lastHeartbeatAgeMs: age,
      ...(reason === undefined ? {} : { reason }),
    };
    return { [key]: result } as MoleculeHealthResult<Key>;
  }
}
