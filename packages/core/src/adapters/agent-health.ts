// The health of a running agent for a framework's health endpoint: the platform answers, the agent
// runs, and its last heartbeat is recent.
import type { HeartbeatClockClient } from "./heartbeat-clock.js";
import { isMoleculeError } from "../transport/index.js";

/** Where a hosted agent is in its life. */
export type AgentLifecycleState = "starting" | "running" | "stopping" | "stopped" | "failed";

/** What {@link checkAgentHealth} reports. */
export interface AgentHealth {
  status: "up" | "down";
  /** `reachable`, or why the platform could not be asked (`unreachable`, `unauthorized`, `workspace_removed`). */
  platform: string;
  agent: AgentLifecycleState;
  delivery: string;
  /** Milliseconds since a heartbeat last reached the platform (null before the first). */
  lastHeartbeatAgeMs: number | null;
  /** Why the agent is down. */
  reason?: string;
}

/** What {@link checkAgentHealth} looks at. */
export interface AgentHealthInput {
  /** The agent's client (a {@link HeartbeatClockClient} knows when its last heartbeat was accepted). */
  client: Pick<HeartbeatClockClient, "getWorkspace" | "lastHeartbeatAt">;
  state: AgentLifecycleState;
  /** The agent's delivery (`agent.delivery`). */
  delivery: string;
  /** How long the platform probe may take, in ms (default 3 000). */
  timeoutMs?: number | undefined;
  /** Oldest acceptable heartbeat, in ms (default 90 000: the platform's offline threshold). */
  maxHeartbeatAgeMs?: number | undefined;
}

/** Probes the platform (`GET /workspaces/<id>`) and reports the agent's state; never throws. */
export async function checkAgentHealth(input: AgentHealthInput): Promise<AgentHealth> {
  const { client, state: agent, delivery } = input;
  const { timeoutMs = 3_000, maxHeartbeatAgeMs = 90_000 } = input;
  let platform = "reachable";
  try {
    await client.getWorkspace(undefined, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const code = isMoleculeError(error) ? error.code : "";
    platform = code === "unauthorized" || code === "workspace_removed" ? code : "unreachable";
  }
  const at = client.lastHeartbeatAt;
  const age = at === undefined ? null : Date.now() - at;
  const reason =
    platform !== "reachable"
      ? `platform ${platform}`
      : agent !== "running"
        ? `agent ${agent}`
        : age === null || age > maxHeartbeatAgeMs
          ? `no heartbeat within ${maxHeartbeatAgeMs} ms`
          : undefined;
  const status = reason === undefined ? ("up" as const) : ("down" as const);
  return {
    status,
    platform,
    agent,
    delivery,
    lastHeartbeatAgeMs: age,
    ...(reason ? { reason } : {}),
  };
}
