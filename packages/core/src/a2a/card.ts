// The agent card the push server serves: one JSON document readable by A2A v0.3 clients (top-level
// `url`, `protocolVersion`, `preferredTransport`) and v1.0 clients (`supportedInterfaces`).
import { MoleculeOptionError } from "../transport/index.js";
import type { A2AAgentSkill, AgentCard } from "./types.js";

/** One entry of a v1.0 card's `supportedInterfaces`. */
export interface A2AAgentInterface {
  url: string;
  protocolBinding: "JSONRPC" | "HTTP+JSON" | "GRPC";
  protocolVersion: string;
  tenant?: string;
}

/** The v0.3/v1.0 hybrid agent card served at `/.well-known/agent-card.json`. */
export interface HybridAgentCard {
  [key: string]: unknown;
  name: string;
  description: string;
  version: string;
  /** v0.3: the JSON-RPC endpoint. */
  url: string;
  /** v0.3 protocol version of the top-level interface. */
  protocolVersion: "0.3.0";
  preferredTransport: "JSONRPC";
  additionalInterfaces: { url: string; transport: "JSONRPC" }[];
  /** v1.0: the same endpoint, once per protocol version it answers. */
  supportedInterfaces: A2AAgentInterface[];
  capabilities: { streaming: boolean; pushNotifications: false; stateTransitionHistory: false };
  defaultInputModes: string[];
  defaultOutputModes: string[];
  skills: A2AAgentSkill[];
}

/** Options of {@link buildAgentCard}. */
export interface BuildAgentCardOptions {
  /** The absolute URL of the JSON-RPC endpoint (including any path secret). */
  url: string;
  /** Whether `message/stream` / `SendStreamingMessage` are answered. Default false. */
  streaming?: boolean;
}

// Keys the hybrid card owns; a user card cannot override them with inconsistent values.
const OWNED_KEYS = new Set([
  "url",
  "protocolVersion",
  "preferredTransport",
  "additionalInterfaces",
  "supportedInterfaces",
  "capabilities",
]);

/**
 * Builds the v0.3/v1.0 hybrid card for `card`, advertising `url` as the JSON-RPC endpoint for both
 * protocol versions. Only `name` is required on `card`; everything else gets a sensible default.
 * `capabilities.streaming` is true only when `streaming` is.
 */
export function buildAgentCard(card: AgentCard, options: BuildAgentCardOptions): HybridAgentCard {
  if (typeof card?.name !== "string" || card.name === "") {
    throw new MoleculeOptionError(
      "agentCard.name",
      "agentCard.name must be a non-empty string (the name the canvas and peers show).",
    );
  }
  const { url } = options;
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(card)) {
    if (!OWNED_KEYS.has(key) && value !== undefined) extra[key] = value;
  }
  const skills = (card.skills ?? []).map((s) => ({
    ...s,
    tags: Array.isArray(s.tags) ? s.tags : [],
    description: s.description ?? s.name,
  }));
  return {
    ...extra,
    name: card.name,
    description: typeof card.description === "string" ? card.description : card.name,
    version: typeof card.version === "string" ? card.version : "1.0.0",
    url,
    protocolVersion: "0.3.0",
    preferredTransport: "JSONRPC",
    additionalInterfaces: [{ url, transport: "JSONRPC" }],
    supportedInterfaces: [
      { url, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
      { url, protocolBinding: "JSONRPC", protocolVersion: "0.3" },
    ],
    capabilities: {
      streaming: options.streaming === true,
      pushNotifications: false,
      stateTransitionHistory: false,
    },
    defaultInputModes: stringArray(card["defaultInputModes"]) ?? ["text/plain"],
    defaultOutputModes: stringArray(card["defaultOutputModes"]) ?? ["text/plain"],
    skills,
  };
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
}
