// The health of an agent hosted in a web app, for its framework's probes. Liveness
// (`checkAgentHealth`) is the agent's own state, with no platform call: a platform outage must not
// restart the app's pods, and a paused workspace is a healthy agent waiting. Readiness
// (`checkAgentReadiness`) also asks the platform and wants a recent heartbeat: whether messages
// reach this agent now.
import type { HeartbeatClockClient } from "./heartbeat-clock.js";
import { isMoleculeError } from "../transport/index.js";

/** Where a hosted agent is in its life (`paused`: running, its workspace paused on the platform). */
export type AgentLifecycleState =
  | "starting"
  | "running"
  | "paused"
  | "stopping"
  | "stopped"
  | "failed";

/** What {@link checkAgentHealth} and {@link checkAgentReadiness} report. */
export interface AgentHealth {
  status: "up" | "down";
  /**
   * Readiness only: `reachable`, or why the platform could not be asked (`unreachable`,
   * `unauthorized`, `workspace_removed`).
   */
  platform?: string;
  agent: AgentLifecycleState;
  delivery: string;
  /** Milliseconds since a heartbeat last reached the platform (null before the first). */
  lastHeartbeatAgeMs: number | null;
  /** Why the agent is down (or, paused, why it takes no messages). */
  reason?: string;
}

/** What {@link checkAgentHealth} and {@link checkAgentReadiness} look at. */
export interface AgentHealthInput {
  /** The agent's client (a {@link HeartbeatClockClient} knows when its last heartbeat was accepted). */
  client: Pick<HeartbeatClockClient, "getWorkspace" | "lastHeartbeatAt"> &
    Partial<Pick<HeartbeatClockClient, "lastHeartbeatAgeMs">>;
  state: AgentLifecycleState;
  /** The agent's delivery (`agent.delivery`). */
  delivery: string;
  /** Readiness: how long the platform probe may take, in ms (default 3 000). */
  timeoutMs?: number | undefined;
  /** Readiness: oldest acceptable heartbeat, in ms (default 90 000: the platform's offline threshold). */
  maxHeartbeatAgeMs?: number | undefined;
}

function heartbeatAge(client: AgentHealthInput["client"]): number | null {
  // The monotonic age when the client keeps one (a wall clock step does not age a heartbeat).
  if (client.lastHeartbeatAgeMs !== undefined) return client.lastHeartbeatAgeMs;
  const at = client.lastHeartbeatAt;
  return at === undefined ? null : Math.max(0, Date.now() - at);
}

/**
 * Liveness: up while the agent runs, its workspace paused included (it waits for the resume);
 * down before start-up, while stopping, after it stopped or failed. Makes no platform call and
 * never throws: a liveness probe must not fail because the platform is down.
 */
export function checkAgentHealth(input: Omit<AgentHealthInput, "timeoutMs">): AgentHealth {
  const { state: agent, delivery } = input;
  const alive = agent === "running" || agent === "paused";
  return {
    status: alive ? "up" : "down",
    agent,
    delivery,
    lastHeartbeatAgeMs: heartbeatAge(input.client),
    ...(agent === "paused" ? { reason: "workspace paused on the platform" } : {}),
    ...(alive ? {} : { reason: `agent ${agent}` }),
  };
}

/**
 * Readiness: up when the platform answers (`GET /workspaces/<id>`), the agent runs (not paused)
 * and its last heartbeat is recent; never throws.
 */
export async function checkAgentReadiness(input: AgentHealthInput): Promise<AgentHealth> {
  const { client, state: agent, delivery } = input;
  const { timeoutMs = 3_000, maxHeartbeatAgeMs = 90_000 } = input;
  let platform = "reachable";
  try {
    await client.getWorkspace(undefined, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const code = isMoleculeError(error) ? error.code : "";
    platform = code === "unauthorized" || code === "workspace_removed" ? code : "unreachable";
  }
  const age = heartbeatAge(client);
  const reason =
    platform !== "reachable"
      ? `platform ${platform}`
      : agent === "paused"
        ? "workspace paused on the platform"
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
