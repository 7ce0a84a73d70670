// A routing table of inbound-message handlers by sender (`source`, peer id or name): which
// handler answers which message. The NestJS adapter's `@OnPeerMessage()` methods use it.
import type { InboundMessage } from "../inbound/index.js";
import { PeerHandlerConfigError } from "./peer-router-errors.js";

/** Who sent an inbound message, as classified by the platform. */
export type PeerMessageSource = "canvas_user" | "peer_agent";

/**
 * Which inbound messages a handler answers. Every field that is set must match; an empty filter
 * matches every message.
 */
export interface PeerMessageFilter {
  /** `"canvas_user"` (a person on the canvas) or `"peer_agent"` (another workspace). */
  source?: PeerMessageSource;
  /**
   * Peer workspace ids or names (one or several). A message matches when its sender's workspace id
   * or its sender's name equals one of them. Implies `source: "peer_agent"`.
   */
  from?: string | readonly string[];
}

/** A discovered handler: the filter plus a callable and a human-readable name for errors. */
export interface PeerRoute<H> {
  /** Names the handler in start-up errors and logs (e.g. `ClassName.methodName`). */
  name: string;
  filter: PeerMessageFilter;
  handler: H;
}

interface NormalizedFilter {
  source: PeerMessageSource | undefined;
  from: ReadonlySet<string> | undefined;
}

interface CompiledRoute<H> extends PeerRoute<H> {
  normalized: NormalizedFilter;
  specificity: number;
}

/**
 * Specificity of a filter: a `from` list outranks a `source`, which outranks a catch-all.
 * `from` + explicit `source: "peer_agent"` is the same rank as `from` alone (it adds nothing).
 */
function specificityOf(filter: NormalizedFilter): number {
  if (filter.from) return 2;
  if (filter.source) return 1;
  return 0;
}

function describeFilter(filter: PeerMessageFilter): string {
  const parts: string[] = [];
  if (filter.source) parts.push(`source: ${JSON.stringify(filter.source)}`);
  if (filter.from !== undefined) parts.push(`from: ${JSON.stringify(filter.from)}`);
  return parts.length === 0 ? "{} (every message)" : `{ ${parts.join(", ")} }`;
}

function normalize(route: PeerRoute<unknown>, label: string): NormalizedFilter {
  const { source, from } = route.filter;
  if (source !== undefined && source !== "canvas_user" && source !== "peer_agent") {
    throw new PeerHandlerConfigError(
      "invalid_filter",
      `${label} on ${route.name}: source must be "canvas_user" or "peer_agent", got ${JSON.stringify(source)}.`,
    );
  }
  if (from === undefined) return { source, from: undefined };
  const list = typeof from === "string" ? [from] : from;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some((v) => typeof v !== "string" || v === "")
  ) {
    throw new PeerHandlerConfigError(
      "invalid_filter",
      `${label} on ${route.name}: from must be a non-empty peer workspace id or name, or a non-empty list of them; got ${JSON.stringify(from)}.`,
    );
  }
  if (source === "canvas_user") {
    throw new PeerHandlerConfigError(
      "invalid_filter",
      `${label} on ${route.name}: from ${JSON.stringify(from)} can never match source "canvas_user" (canvas messages have no sending workspace). Drop \`from\` or use source "peer_agent".`,
    );
  }
  return { source: "peer_agent", from: new Set(list) };
}

/** Whether two filters of equal specificity could claim the same message. */
function overlaps(a: NormalizedFilter, b: NormalizedFilter): boolean {
  if (a.source !== b.source) return false;
  if (!a.from || !b.from) return true;
  for (const peer of a.from) if (b.from.has(peer)) return true;
  return false;
}

function matches(filter: NormalizedFilter, msg: InboundMessage): boolean {
  if (filter.source !== undefined && msg.source !== filter.source) return false;
  if (filter.from) {
    const byId = msg.sourceId != null && filter.from.has(msg.sourceId);
    const byName = msg.peerName !== undefined && filter.from.has(msg.peerName);
    if (!byId && !byName) return false;
  }
  return true;
}

/** The outcome of routing one message. */
export type PeerRouteMatch<H> =
  | { kind: "matched"; route: PeerRoute<H> }
  | { kind: "none" }
  | { kind: "ambiguous"; routes: PeerRoute<H>[] };

/** Options of {@link PeerRouter}. */
export interface PeerRouterOptions {
  /** What a handler is called in errors, e.g. `"@OnPeerMessage()"` (default `"route"`). */
  label?: string;
}

/**
 * A routing table of inbound-message handlers.
 *
 * Rules: a handler matches a message when every field of its filter matches. When several match,
 * the most specific wins (`from` > `source` > catch-all). Two handlers that could claim the same
 * message at the same specificity are rejected at construction with a {@link PeerHandlerConfigError}
 * naming both. The one case that cannot be seen up front (one handler lists a peer's id, another
 * its name) is reported as `ambiguous` at run time.
 */
export class PeerRouter<H> {
  readonly #routes: CompiledRoute<H>[];

  /** What a handler is called in errors (see {@link PeerRouterOptions.label}). */
  readonly label: string;

  constructor(routes: readonly PeerRoute<H>[], options: PeerRouterOptions = {}) {
    const label = (this.label = options.label ?? "route");
    const compiled = routes.map((route): CompiledRoute<H> => {
      const normalized = normalize(route, label);
      return { ...route, normalized, specificity: specificityOf(normalized) };
    });
    for (let i = 0; i < compiled.length; i++) {
      for (let j = i + 1; j < compiled.length; j++) {
        const a = compiled[i]!;
        const b = compiled[j]!;
        if (a.specificity === b.specificity && overlaps(a.normalized, b.normalized)) {
          const same = a.name === b.name ? `${a.name} (declared twice)` : `${a.name} and ${b.name}`;
          throw new PeerHandlerConfigError(
            "duplicate_handler",
            `Two ${label} handlers would claim the same message: ${same}, with filters ${describeFilter(a.filter)} and ${describeFilter(b.filter)}. Give them filters that do not overlap (different \`source\`, or disjoint \`from\` lists) or merge them into one method.`,
          );
        }
      }
    }
    this.#routes = compiled.sort((x, y) => y.specificity - x.specificity);
  }

  /** The number of handlers. */
  get size(): number {
    return this.#routes.length;
  }

  /** The handlers, most specific first. */
  get routes(): readonly PeerRoute<H>[] {
    return this.#routes;
  }

  /** Picks the handler for a message. */
  match(msg: InboundMessage): PeerRouteMatch<H> {
    let best: CompiledRoute<H>[] = [];
    for (const route of this.#routes) {
      if (best.length > 0 && route.specificity < best[0]!.specificity) break;
      if (matches(route.normalized, msg)) best.push(route);
    }
    if (best.length === 0) return { kind: "none" };
    if (best.length === 1) return { kind: "matched", route: best[0]! };
    return { kind: "ambiguous", routes: best };
  }
}
