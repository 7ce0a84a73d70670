import { Inject, Injectable } from "@nestjs/common";
import { RemoteAgent } from "@molecule-ai/agent-core";
import { checkAgentHealth, checkAgentReadiness } from "@molecule-ai/agent-core/adapters";
import type { AgentHealth, AgentHealthInput } from "@molecule-ai/agent-core/adapters";
import { MOLECULE_AGENT_RAW_CLIENT } from "./constants.js";
import type { HeartbeatClockClient } from "@molecule-ai/agent-core/adapters";
import { MoleculeAgentLifecycle } from "./lifecycle.js";

/** What {@link MoleculeHealthIndicator} reports (a `@nestjs/terminus` indicator result). */
export type MoleculeHealthResult<Key extends string = string> = Record<Key, AgentHealth>;

/** Options of {@link MoleculeHealthIndicator.isReady}: the probe's timeout, the oldest heartbeat. */
export type MoleculeHealthOptions = Pick<AgentHealthInput, "timeoutMs" | "maxHeartbeatAgeMs">;

/**
 * Health indicators for `@nestjs/terminus` (their results have terminus's shape; no terminus
 * import needed). `isHealthy` (liveness) reports the agent's own state without a platform call:
 * up while it runs, its workspace paused included, so a platform outage never restarts the app.
 * `isReady` (readiness) also asks the platform and wants a recent heartbeat.
 *
 * @example
 * ```ts
 * @Get("health") @HealthCheck()
 * live() { return this.health.check([() => this.molecule.isHealthy("molecule")]); }
 * @Get("ready") @HealthCheck()
 * ready() { return this.health.check([() => this.molecule.isReady("molecule")]); }
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

  /**
   * Liveness: up while the agent runs (`agent: "running"`, or `"paused"` while its workspace is
   * paused), down before start-up, while stopping, after it stopped or failed. No platform call.
   */
  async isHealthy<const Key extends string = "molecule">(
    key: Key = "molecule" as Key,
  ): Promise<MoleculeHealthResult<Key>> {
    const result = checkAgentHealth({
      client: this.client,
      state: this.lifecycle.state,
      delivery: this.agent.delivery,
    });
    return { [key]: result } as MoleculeHealthResult<Key>;
  }

  /**
   * Readiness: up when the platform answers (`GET /workspaces/<id>`, `timeoutMs` default 3 000),
   * the agent runs and is not paused, and its last heartbeat is recent (`maxHeartbeatAgeMs`,
   * default 90 000).
   */
  async isReady<const Key extends string = "molecule">(
    key: Key = "molecule" as Key,
    options: MoleculeHealthOptions = {},
  ): Promise<MoleculeHealthResult<Key>> {
    const result = await checkAgentReadiness({
      client: this.client,
      state: this.lifecycle.state,
      delivery: this.agent.delivery,
      timeoutMs: options.timeoutMs,
      maxHeartbeatAgeMs: options.maxHeartbeatAgeMs,
    });
    return { [key]: result } as MoleculeHealthResult<Key>;
  }
}
