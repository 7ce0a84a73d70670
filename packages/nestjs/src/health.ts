import { Inject, Injectable } from "@nestjs/common";
import { RemoteAgent } from "@molecule-ai/agent-core";
import { checkAgentHealth } from "@molecule-ai/agent-core/adapters";
import type { AgentHealth, AgentHealthInput } from "@molecule-ai/agent-core/adapters";
import { MOLECULE_AGENT_RAW_CLIENT } from "./constants.js";
import type { HeartbeatClockClient } from "@molecule-ai/agent-core/adapters";
import { MoleculeAgentLifecycle } from "./lifecycle.js";

/** What {@link MoleculeHealthIndicator.isHealthy} reports (a `@nestjs/terminus` indicator result). */
export type MoleculeHealthResult<Key extends string = string> = Record<Key, AgentHealth>;

/** Options of {@link MoleculeHealthIndicator.isHealthy}: the probe's timeout, the oldest heartbeat. */
export type MoleculeHealthOptions = Pick<AgentHealthInput, "timeoutMs" | "maxHeartbeatAgeMs">;

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
    const result = await checkAgentHealth({
      client: this.client,
      state: this.lifecycle.state,
      delivery: this.agent.delivery,
      timeoutMs: options.timeoutMs,
      maxHeartbeatAgeMs: options.maxHeartbeatAgeMs,
    });
    return { [key]: result } as MoleculeHealthResult<Key>;
  }
}
