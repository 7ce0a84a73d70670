// Which paths the endpoint answers (the JSON-RPC endpoint, the HTTP+JSON routes below it, the
// agent card and, for a signed card with a public key, its JWKS; all below the optional capability
// secret) and the agent cards it serves there (signed when `cardSigning` is set): the pure v1.0
// card to a caller that says `A2A-Version: 1.0`, the v0.3/v1.0 hybrid to any other.
import { MoleculeOptionError } from "../../transport/index.js";
import { buildAgentCard, type BuildAgentCardOptions } from "../card.js";
import { buildV1AgentCard, cardVersionFor } from "../card-v1.js";
import type { CardSigningOptions } from "../card-signature.js";
import type { AgentCard } from "../types.js";
import type { Outcome } from "./outcome.js";
import type { RestTarget } from "./rest.js";
import { endpointPathOf, normalizePath } from "./endpoint-path.js";
import { SecretMatcher } from "./secret.js";

/** What a request path addresses: JSON-RPC, the card, its JWKS, or an HTTP+JSON route. */
export type Route = "rpc" | "card" | "jwks" | RestTarget;

/** The first path segments of the HTTP+JSON routes (rest.ts). */
const REST_ROOTS = new Set(["message:send", "message:stream", "tasks", "extendedAgentCard"]);

/** `suffix` (a path below the endpoint) as an HTTP+JSON target, if it starts like one. */
function restTarget(suffix: string, query: string): RestTarget | undefined {
  const slash = suffix.indexOf("/", 1);
  const first = slash === -1 ? suffix.slice(1) : suffix.slice(1, slash);
  return REST_ROOTS.has(first) ? { path: suffix, query } : undefined;
}

const CARD_SUFFIXES = ["/.well-known/agent-card.json", "/.well-known/agent.json"];
const JWKS_SUFFIX = "/.well-known/jwks.json";

/** The options that shape the routes and the card. */
export interface RouteOptions {
  agentCard: AgentCard;
  basePath?: string | undefined;
  pathSecret: string | false;
  publicUrl?: string | undefined;
  /** What the card says the endpoint serves (its URL aside). */
  serves: Omit<BuildAgentCardOptions, "url">;
  cardSigning?: CardSigningOptions | undefined;
}

/** JWK members that only a private key has: never published. */
const PRIVATE_JWK = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/** Classifies request paths and serves the card (cached per origin unless `publicUrl` fixes it). */
export class EndpointRoutes {
  /** The endpoint path (`basePath` plus the secret segment, if any). */
  readonly endpointPath: string;
  readonly #card: AgentCard;
  readonly #serves: Omit<BuildAgentCardOptions, "url">;
  readonly #prefix: string; // basePath without trailing slash ("" for "/")
  readonly #secret: SecretMatcher | undefined;
  readonly #fixedUrl: string | undefined;
  /** The cards of a fixed URL, by version. */
  readonly #fixedCards = new Map<CardVersion, string | Promise<string>>();
  /** The cards by version and origin. */
  readonly #cards = new Map<string, string>();
  /** When the endpoint started (the served card's `Last-Modified`), as an HTTP date. */
  readonly #since = new Date(Math.floor(Date.now() / 1000) * 1000).toUTCString();
  readonly #sign: ((card: object) => Promise<object>) | undefined;
  readonly #jwks: string | undefined;

  constructor(options: RouteOptions) {
    this.#card = options.agentCard;
    this.#serves = options.serves;
    // Validates the card early (throws on a missing name).
    buildAgentCard(options.agentCard, { url: "http://localhost/" });
    this.endpointPath = endpointPathOf(options.basePath, options.pathSecret);
    const base = normalizePath(options.basePath ?? "/");
    this.#prefix = base === "/" ? "" : base;
    let secretSegment = "";
    if (options.pathSecret !== false && options.pathSecret !== undefined) {
      this.#secret = new SecretMatcher(options.pathSecret);
      secretSegment = `/${options.pathSecret}`;
    }
    if (options.publicUrl !== undefined) {
      const u = new URL(options.publicUrl);
      this.#fixedUrl =
        u.origin + normalizePath(u.pathname).replace(/^\/$/, "") + secretSegment || "/";
    }
    const signing = options.cardSigning;
    if (signing !== undefined) {
      if (this.#fixedUrl === undefined) {
        throw new MoleculeOptionError(
          "cardSigning",
          "cardSigning needs publicUrl: a card is signed for the URL it names, never for whatever Host a request sends.",
        );
      }
      const pub = signing.publicKey;
      if (pub !== undefined) {
        const key: Record<string, unknown> = { ...pub, kid: signing.keyId, use: "sig" };
        // Web Crypto names an Ed25519 key's alg "Ed25519" where the JWS says "EdDSA": a verifier
        // (jose) refuses a key whose alg differs, so the key carries the JWS alg or none.
        delete key["alg"];
        if (signing.algorithm !== undefined) key["alg"] = signing.algorithm;
        for (const k of PRIVATE_JWK) delete key[k];
        this.#jwks = JSON.stringify({ keys: [key] });
      }
      const jku = pub === undefined ? undefined : this.#fixedUrl.replace(/\/$/, "") + JWKS_SUFFIX;
      if (typeof signing.keyId !== "string" || signing.keyId === "" || !signing.privateKey) {
        throw new MoleculeOptionError(
          "cardSigning",
          "cardSigning needs privateKey (a CryptoKey or private JWK) and keyId (the kid verifiers look the key up by).",
        );
      }
      // Web Crypto and the canonical form load with the first card served.
      let signer: Promise<(card: object) => Promise<object>> | undefined;
      this.#sign = async (card) => {
        signer ??= import("../card-signature.js").then((m) => m.cardSigner(signing, jku));
        return await (
          await signer
        )(card);
      };
    }
  }

  /**
   * Classifies a path (with its query): the JSON-RPC endpoint, the card, its JWKS, an HTTP+JSON
   * route, or nothing (404).
   */
  route(rawPath: string): Route | undefined {
    const q = rawPath.indexOf("?");
    let path = q === -1 ? rawPath : rawPath.slice(0, q);
    if (path.length > 1 && path.endsWith("/")) path = normalizePath(path);
    const prefix = this.#prefix;
    const query = q === -1 ? "" : rawPath.slice(q + 1);
    if (this.#secret === undefined) {
      if (path === (prefix || "/")) return "rpc";
      for (const s of CARD_SUFFIXES) if (path === prefix + s || path === s) return "card";
      if (this.#jwks !== undefined && path === prefix + JWKS_SUFFIX) return "jwks";
      return path.startsWith(`${prefix}/`)
        ? restTarget(path.slice(prefix.length), query)
        : undefined;
    }
    if (!path.startsWith(`${prefix}/`)) return undefined;
    const rest = path.slice(prefix.length + 1);
    const slash = rest.indexOf("/");
    const segment = slash === -1 ? rest : rest.slice(0, slash);
    const suffix = slash === -1 ? "" : rest.slice(slash);
    let kind: Route | undefined;
    if (suffix === "") kind = "rpc";
    else if (suffix === CARD_SUFFIXES[0] || suffix === CARD_SUFFIXES[1]) kind = "card";
    else if (suffix === JWKS_SUFFIX && this.#jwks !== undefined) kind = "jwks";
    else kind = restTarget(suffix, query);
    if (kind === undefined) return undefined;
    return this.#secret.matches(segment) ? kind : undefined;
  }

  /**
   * The card (or, `route` `"jwks"`, the JWKS of its signing key) for a request that reached the
   * server at `origin` (`https://host:port`) with `a2aVersion` (its `A2A-Version` header): the
   * pure v1.0 card for 1.0, else the hybrid; both answers say they vary by that header.
   */
  card(
    origin: string,
    route: "card" | "jwks" = "card",
    a2aVersion?: string | null,
  ): Outcome | Promise<Outcome> {
    const cache = this.#secret === undefined ? "public, max-age=300" : "no-store";
    if (route === "jwks") {
      return { status: 200, body: this.#jwks ?? "{}", headers: { "cache-control": cache } };
    }
    // v1.0 §8.6: an ETag (SHOULD) from the card's content, and Last-Modified (MAY): the card is
    // the same from the endpoint's start.
    const answer = (body: string): Outcome => ({
      status: 200,
      body,
      headers: {
        "cache-control": cache,
        etag: etagOf(body),
        "last-modified": this.#since,
        vary: "A2A-Version",
      },
    });
    const body = this.#cardFor(origin, cardVersionFor(a2aVersion));
    return typeof body === "string" ? answer(body) : body.then(answer);
  }

  /** `card` built (and signed) as the served card of `version` is, for a request at `origin`. */
  build(card: AgentCard, origin: string, version: CardVersion): string | Promise<string> {
    return this.#cardJson(card, this.#fixedUrl ?? origin + this.endpointPath, version);
  }

  #cardJson(card: AgentCard, url: string, version: CardVersion): string | Promise<string> {
    const options = { ...this.#serves, url };
    const built =
      version === "1.0" ? buildV1AgentCard(card, options) : buildAgentCard(card, options);
    if (this.#sign === undefined) return JSON.stringify(built);
    return this.#sign(built).then((signed) => JSON.stringify(signed));
  }

  #cardFor(origin: string, version: CardVersion): string | Promise<string> {
    if (this.#fixedUrl !== undefined) {
      let card = this.#fixedCards.get(version);
      if (card === undefined) {
        const built = this.#cardJson(this.#card, this.#fixedUrl, version);
        // A signing failure is answered (and reported) once; the next request tries again.
        if (typeof built !== "string") built.catch(() => this.#fixedCards.delete(version));
        this.#fixedCards.set(version, built);
        card = built;
      }
      return card;
    }
    const key = `${version} ${origin}`;
    let card = this.#cards.get(key);
    if (card === undefined) {
      card = this.#cardJson(this.#card, origin + this.endpointPath, version) as string;
      if (this.#cards.size >= 32) this.#cards.clear();
      this.#cards.set(key, card);
    }
    return card;
  }
}

/** Which card a request gets: the pure v1.0 card, or the v0.3/v1.0 hybrid. */
type CardVersion = "0.3" | "1.0";

/** A weak ETag of a card's JSON: FNV-1a over its UTF-16 code units and its length (not a secret). */
function etagOf(body: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < body.length; i++) h = Math.imul(h ^ body.charCodeAt(i), 0x01000193);
  return `W/"${(h >>> 0).toString(36)}-${body.length.toString(36)}"`;
}
