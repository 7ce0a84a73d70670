// The agent card served to a caller that says `A2A-Version: 1.0` (as @a2a-js/sdk's v0.3 mode
// does): the pure v1.0 `AgentCard` (a2a.proto), none of the v0.3 fields the hybrid card carries
// for v0.3 clients (card.ts), and nothing else an author declared outside the v1.0 fields.
import type { A2AAgentExtension, A2AAgentSkill, AgentCard } from "./types.js";
import { buildAgentCard, type A2AAgentInterface, type BuildAgentCardOptions } from "./card.js";

/** The v1.0 agent card (a2a.proto `AgentCard`), as {@link buildV1AgentCard} builds it. */
export interface V1AgentCard {
  name: string;
  description: string;
  /** The bindings the endpoint serves, JSON-RPC first. */
  supportedInterfaces: A2AAgentInterface[];
  provider?: { organization: string; url: string };
  version: string;
  documentationUrl?: string;
  capabilities: {
    streaming: boolean;
    pushNotifications: boolean;
    extensions?: A2AAgentExtension[];
    extendedAgentCard?: boolean;
  };
  securitySchemes?: Record<string, unknown>;
  securityRequirements?: Record<string, unknown>[];
  defaultInputModes: string[];
  defaultOutputModes: string[];
  skills: A2AAgentSkill[];
  iconUrl?: string;
}

/** The fields of each v1.0 message a card holds (a2a.proto): no other is served. */
const CARD_KEYS = [
  "name",
  "description",
  "supportedInterfaces",
  "provider",
  "version",
  "documentationUrl",
  "capabilities",
  "securitySchemes",
  "securityRequirements",
  "defaultInputModes",
  "defaultOutputModes",
  "skills",
  "iconUrl",
] as const;
const CAPABILITY_KEYS = ["streaming", "pushNotifications", "extensions", "extendedAgentCard"];
const SKILL_KEYS = [
  "id",
  "name",
  "description",
  "tags",
  "examples",
  "inputModes",
  "outputModes",
  "securityRequirements",
];
const EXTENSION_KEYS = ["uri", "description", "required", "params"];
const PROVIDER_KEYS = ["organization", "url"];

/** `value`'s fields among `keys` (those set), or `value` as it is when it is not an object. */
function pick(value: unknown, keys: readonly string[]): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * Builds the pure v1.0 card for `card`: what {@link buildAgentCard} serves, without the v0.3
 * fields (`url`, `protocolVersion`, `preferredTransport`, `additionalInterfaces`,
 * `supportsAuthenticatedExtendedCard`, a v0.3 `security`) and keeping, of what the author
 * declared, only the v1.0 fields (security schemes and requirements are served as declared:
 * declare them in their v1.0 form).
 */
export function buildV1AgentCard(card: AgentCard, options: BuildAgentCardOptions): V1AgentCard {
  const hybrid = buildAgentCard(card, options) as Record<string, unknown>;
  const out = pick(hybrid, CARD_KEYS) as Record<string, unknown>;
  const caps = pick(hybrid["capabilities"], CAPABILITY_KEYS) as Record<string, unknown>;
  if (Array.isArray(caps["extensions"])) {
    caps["extensions"] = caps["extensions"].map((e) => pick(e, EXTENSION_KEYS));
  }
  out["capabilities"] = caps;
  out["skills"] = (hybrid["skills"] as unknown[]).map((s) => pick(s, SKILL_KEYS));
  if (out["provider"] !== undefined) out["provider"] = pick(out["provider"], PROVIDER_KEYS);
  return out as unknown as V1AgentCard;
}

/**
 * The card a request's `A2A-Version` asks for: `"1.0"` for a 1.x (or later) version, `"0.3"` (the
 * hybrid) when it is absent, empty or 0.x, as @a2a-js/sdk's v0.3 mode decides.
 */
export function cardVersionFor(a2aVersion: string | null | undefined): "0.3" | "1.0" {
  return /^\s*[1-9]/.test(a2aVersion ?? "") ? "1.0" : "0.3";
}
