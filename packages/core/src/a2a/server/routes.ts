// Which paths the endpoint answers (the JSON-RPC endpoint and the agent card, below the optional
// capability secret) and the agent card it serves there.
import { buildAgentCard } from "../card.js";
import type { AgentCard } from "../types.js";
import type { Outcome } from "./outcome.js";
import { MoleculeOptionError } from "../../transport/index.js";
import { assertPathSecret, SecretMatcher } from "./secret.js";

/** What a request path addresses. */
export type Route = "rpc" | "card";

const CARD_SUFFIXES = ["/.well-known/agent-card.json", "/.well-known/agent.json"];

/** `path` with a leading slash and no trailing slash (`"/"` stays `"/"`). */
function normalizePath(path: string): string {
  let p = path.startsWith("/") ? path : `/${path}`;
  while (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return p;
}

/** The options that shape the routes and the card. */
export interface RouteOptions {
  agentCard: AgentCard;
  basePath?: string | undefined;
  pathSecret: string | false;
  publicUrl?: string | undefined;
  streaming: boolean;
}

/** Classifies request paths and serves the card (cached per origin unless `publicUrl` fixes it). */
export class EndpointRoutes {
  /** The endpoint path (`basePath` plus the secret segment, if any). */
  readonly endpointPath: string;
  readonly #card: AgentCard;
  readonly #streaming: boolean;
  readonly #prefix: string; // basePath without trailing slash ("" for "/")
  readonly #secret: SecretMatcher | undefined;
  readonly #fixedCard: string | undefined;
  readonly #cards = new Map<string, string>();

  constructor(options: RouteOptions) {
    this.#card = options.agentCard;
    this.#streaming = options.streaming;
    // Validates the card early (throws on a missing name).
    buildAgentCard(options.agentCard, { url: "http://localhost/" });
    const base = normalizePath(options.basePath ?? "/");
    this.#prefix = base === "/" ? "" : base;
    let secretSegment = "";
    if (options.pathSecret === undefined) {
      throw new MoleculeOptionError(
        "pathSecret",
        "pathSecret is not set: pass generatePathSecret() (and register the URL ending with it), or `false` to serve the endpoint without one, only behind your own authentication. (An unset environment variable reads as undefined: the endpoint is not opened.)",
      );
    }
    if (options.pathSecret !== false) {
      assertPathSecret(options.pathSecret);
      this.#secret = new SecretMatcher(options.pathSecret);
      secretSegment = `/${options.pathSecret}`;
    }
    this.endpointPath = this.#prefix + secretSegment || "/";
    if (options.publicUrl !== undefined) {
      const u = new URL(options.publicUrl);
      const url = u.origin + normalizePath(u.pathname).replace(/^\/$/, "") + secretSegment;
      this.#fixedCard = this.#cardJson(url || "/");
    }
  }

  /** Classifies a path: the JSON-RPC endpoint, the card, or nothing (404). */
  route(rawPath: string): Route | undefined {
    const q = rawPath.indexOf("?");
    let path = q === -1 ? rawPath : rawPath.slice(0, q);
    if (path.length > 1 && path.endsWith("/")) path = normalizePath(path);
    const prefix = this.#prefix;
    if (this.#secret === undefined) {
      if (path === (prefix || "/")) return "rpc";
      for (const s of CARD_SUFFIXES) if (path === prefix + s || path === s) return "card";
      return undefined;
    }
    if (!path.startsWith(`${prefix}/`)) return undefined;
    const rest = path.slice(prefix.length + 1);
    const slash = rest.indexOf("/");
    const segment = slash === -1 ? rest : rest.slice(0, slash);
    const suffix = slash === -1 ? "" : rest.slice(slash);
    let kind: Route | undefined;
    if (suffix === "") kind = "rpc";
    else if (suffix === CARD_SUFFIXES[0] || suffix === CARD_SUFFIXES[1]) kind = "card";
    if (kind === undefined) return undefined;
    return this.#secret.matches(segment) ? kind : undefined;
  }

  /** The card answer for a request that reached the server at `origin` (`https://host:port`). */
  card(origin: string): Outcome {
    return {
      status: 200,
      body: this.#cardFor(origin),
      headers: {
        "cache-control": this.#secret === undefined ? "public, max-age=300" : "no-store",
      },
    };
  }

  #cardJson(url: string): string {
    return JSON.stringify(buildAgentCard(this.#card, { url, streaming: this.#streaming }));
  }

  #cardFor(origin: string): string {
    if (this.#fixedCard !== undefined) return this.#fixedCard;
    let card = this.#cards.get(origin);
    if (card === undefined) {
      card = this.#cardJson(origin + this.endpointPath);
      if (this.#cards.size >= 16) this.#cards.clear();
      this.#cards.set(origin, card);
    }
    return card;
  }
}
