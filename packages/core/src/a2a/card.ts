// The agent card the push server serves to a caller that does not ask for v1.0 (no `A2A-Version`,
// or 0.3): one JSON document readable by A2A v0.3 clients (top-level `url`, `protocolVersion`,
// `preferredTransport`, `additionalInterfaces`) and v1.0 clients (`supportedInterfaces`). It lists
// each binding the endpoint serves once per protocol version: JSON-RPC for v0.3 (the top-level
// fields), JSON-RPC and HTTP+JSON for v1.0. A caller that says `A2A-Version: 1.0` gets the pure
// v1.0 card instead (card-v1.ts).
import { MoleculeOptionError } from "../transport/index.js";
import type { A2AAgentExtension, A2AAgentSkill, AgentCard } from "./types.js";

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
  /** v0.3: every transport of the top-level interface (JSON-RPC), as v0.3 §5.6.2 asks. */
  additionalInterfaces: { url: string; transport: "JSONRPC" }[];
  /** v1.0: the bindings served at the same URL, JSON-RPC first. */
  supportedInterfaces: A2AAgentInterface[];
  capabilities: {
    [key: string]: unknown;
    streaming: boolean;
    pushNotifications: boolean;
    extensions?: A2AAgentExtension[];
    extendedAgentCard?: boolean;
  };
  defaultInputModes: string[];
  defaultOutputModes: string[];
  skills: A2AAgentSkill[];
  /** v0.3: an authenticated extended card is served. */
  supportsAuthenticatedExtendedCard?: boolean;
}

/** Options of {@link buildAgentCard}. */
export interface BuildAgentCardOptions {
  /** The absolute URL of the endpoint (including any path secret). */
  url: string;
  /** Whether `message/stream` / `SendStreamingMessage` are answered. Default false. */
  streaming?: boolean;
  /** Whether push notification configs are served. Default false. */
  pushNotifications?: boolean;
  /** Whether an authenticated extended card is served. Default false. */
  extendedAgentCard?: boolean;
  /**
   * A gRPC server serving the same endpoint (`@molecule-ai/grpc`): listed as a v1.0 `GRPC`
   * interface at `url` (`host:port`), with `tenant` (the path secret) when there is one.
   */
  grpc?: { url: string; tenant?: string | undefined } | undefined;
}

// Keys the hybrid card owns; a user card cannot override them with inconsistent values.
const OWNED_KEYS = new Set([
  "url",
  "protocolVersion",
  "preferredTransport",
  "additionalInterfaces",
  "supportedInterfaces",
  "capabilities",
  "supportsAuthenticatedExtendedCard",
  "signatures",
]);

/**
 * What the endpoint itself decides in `capabilities` (the rest is the author's). v0.3's optional
 * `stateTransitionHistory` is not served (v1.0 removed it, and no reader acts on it).
 */
const OWNED_CAPABILITIES = new Set([
  "streaming",
  "pushNotifications",
  "stateTransitionHistory",
  "extendedAgentCard",
]);

/**
 * Builds the v0.3/v1.0 hybrid card for `card`, advertising `url` as the JSON-RPC endpoint (both
 * protocol versions) and the HTTP+JSON endpoint (v1.0). Only `name` is required on `card`;
 * everything else gets a sensible default. What the author declares beyond the endpoint's own
 * facts (skills with their v1.0 fields, `capabilities.extensions`, security schemes, provider,
 * icon, ...) is kept as declared; `capabilities.streaming`, `pushNotifications` and
 * `extendedAgentCard` say what the endpoint serves.
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
  const declared: Record<string, unknown> = {};
  const caps = card.capabilities;
  if (typeof caps === "object" && caps !== null) {
    for (const [key, value] of Object.entries(caps)) {
      if (!OWNED_CAPABILITIES.has(key) && value !== undefined) declared[key] = value;
    }
  }
  const skills = (card.skills ?? []).map((s) => ({
    ...s,
    tags: Array.isArray(s.tags) ? s.tags : [],
    description: s.description ?? s.name,
  }));
  const out: HybridAgentCard = {
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
      { url, protocolBinding: "HTTP+JSON", protocolVersion: "1.0" },
      ...grpcInterface(options.grpc),
    ],
    capabilities: {
      ...declared,
      streaming: options.streaming === true,
      pushNotifications: options.pushNotifications === true,
    },
    defaultInputModes: stringArray(card["defaultInputModes"]) ?? ["text/plain"],
    defaultOutputModes: stringArray(card["defaultOutputModes"]) ?? ["text/plain"],
    skills,
  };
  if (options.extendedAgentCard === true) {
    out.capabilities.extendedAgentCard = true;
    out.supportsAuthenticatedExtendedCard = true;
  }
  return out;
}

/** The card's `GRPC` interface, if a gRPC server serves the endpoint. */
function grpcInterface(grpc: BuildAgentCardOptions["grpc"]): A2AAgentInterface[] {
  if (grpc === undefined) return [];
  const g: A2AAgentInterface = { url: grpc.url, protocolBinding: "GRPC", protocolVersion: "1.0" };
  if (grpc.tenant !== undefined) g.tenant = grpc.tenant;
  return [g];
}

/** The extensions a card declares (`capabilities.extensions`), valid entries only. */
export function declaredExtensions(card: AgentCard): A2AAgentExtension[] {
  const list = card.capabilities?.extensions;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (e): e is A2AAgentExtension =>
      typeof e === "object" && e !== null && typeof e.uri === "string" && e.uri !== "",
  );
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
}
