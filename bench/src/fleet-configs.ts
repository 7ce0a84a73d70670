// The agent configurations fleet.ts measures, defaults first. Each is documented in the core
// README ("Running many agents").
import type { RemoteAgentOptions } from "@molecule-ai/agent-core";

/** One labelled configuration: RemoteAgent options and an optional shared undici Agent. */
export interface FleetConfig {
  label: string;
  agent: Partial<RemoteAgentOptions>;
  /** Options of one undici `Agent` shared by every client (none: the SDK's defaults). */
  sharedDispatcher?: { connections?: number };
  /** Node flags of the agents' process. */
  nodeFlags?: string[];
  /** Environment variables of the agents' process. */
  env?: Record<string, string>;
}

export const FLEET_CONFIGS = {
  defaults: {
    label: "defaults (poll + event wake-ups, no dispatcher given)",
    agent: {},
  },
  "wakeups-off": {
    label: "event wake-ups off (eventWakeups: false)",
    agent: { eventWakeups: false },
  },
  "heartbeat-only": {
    label:
      'heartbeats and state checks only (delivery: "none"), like the Python run_heartbeat_loop',
    agent: { delivery: "none" },
  },
  "shared-16": {
    label: "defaults on one undici Agent limited to 16 connections",
    agent: {},
    sharedDispatcher: { connections: 16 },
  },
  fleet: {
    label:
      "defaults, Node run with --max-semi-space-size=1 and MALLOC_ARENA_MAX=2 (compared in guide 03, which recommends --optimize-for-size: the small-heap configuration)",
    agent: {},
    nodeFlags: ["--max-semi-space-size=1"],
    env: { MALLOC_ARENA_MAX: "2" },
  },
  "small-heap": {
    label: "defaults, Node run with --optimize-for-size",
    agent: {},
    nodeFlags: ["--optimize-for-size"],
  },
  lightest: {
    label:
      'delivery: "none", one undici Agent of 64 connections for all, Node run with --optimize-for-size',
    agent: { delivery: "none" },
    // 64, not 16: 10,000 agents make 4,000 requests a second (heartbeat + state check every 5 s).
    sharedDispatcher: { connections: 64 },
    nodeFlags: ["--optimize-for-size"],
  },
} satisfies Record<string, FleetConfig>;

/** A configuration's name. */
export type FleetConfigName = keyof typeof FLEET_CONFIGS;
