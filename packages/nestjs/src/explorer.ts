import { Inject, Injectable, Logger } from "@nestjs/common";
import type { OnModuleInit } from "@nestjs/common";
import { DiscoveryService, MetadataScanner } from "@nestjs/core";
import type { HandlerContext, InboundMessage, PlatformClient } from "@molecule-ai/agent-core";
import { PeerAgent, getPeerMessageFilters } from "./decorators.js";
import type { PeerAgentOptions } from "./decorators.js";
import { MOLECULE_AGENT_CONFIG } from "./config.js";
import type { ResolvedConfig } from "./config.js";
import { NoPeerHandlerError, PeerHandlerConfigError, PeerReplyTypeError } from "./errors.js";
import { PeerRouter } from "./routing.js";
import type { PeerRoute } from "./routing.js";

/** A discovered `@OnPeerMessage()` method bound to its instance. */
export type BoundPeerHandler = (
  msg: InboundMessage,
  ctx: HandlerContext<PlatformClient>,
) => unknown;

interface InstanceWrapperLike {
  instance: unknown;
  metatype?: unknown;
  isDependencyTreeStatic(): boolean;
}

function describeMessage(msg: InboundMessage): string {
  const from = msg.sourceId
    ? `peer ${msg.sourceId}${msg.peerName ? ` (${msg.peerName})` : ""}`
    : msg.source;
  const id = msg.messageId ?? msg.activityId ?? "(no id)";
  return `message ${id} from ${from}`;
}

/**
 * Finds the `@OnPeerMessage()` methods at start-up (with `DiscoveryService` and `MetadataScanner`)
 * and routes each inbound message to one of them. Injectable for advanced uses (listing routes).
 */
@Injectable()
export class PeerMessageDispatcher implements OnModuleInit {
  readonly #logger = new Logger("MoleculeAgent");
  #router: PeerRouter<BoundPeerHandler> = new PeerRouter([]);

  /** @internal Created by Nest's injector. */
  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(MOLECULE_AGENT_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  /** Scans providers and controllers; throws a {@link PeerHandlerConfigError} when they conflict. */
  onModuleInit(): void {
    const { delivery } = this.config;
    this.#router = new PeerRouter(this.explore());
    if (this.#router.size === 0 && delivery.mode !== "off") {
      throw new PeerHandlerConfigError(
        "invalid_filter",
        `MoleculeAgentModule: inbound delivery is "${delivery.mode}" but no @OnPeerMessage() handler was found. ` +
          "Add a provider class marked @PeerAgent() with an @OnPeerMessage() method (and list it in a module's providers), " +
          'or set delivery: "off" if this app only calls peers.',
      );
    }
  }

  /** The discovered handlers, most specific first. */
  get routes(): readonly PeerRoute<BoundPeerHandler>[] {
    return this.#router.routes;
  }

  /** Routes one inbound message to its handler and returns the reply text (if any). */
  async dispatch(msg: InboundMessage, ctx: HandlerContext<PlatformClient>): Promise<string | void> {
    const match = this.#router.match(msg);
    if (match.kind === "none") {
      const error = new NoPeerHandlerError(
        `No @OnPeerMessage() handler matches ${describeMessage(msg)} (source "${msg.source}"). ` +
          "Add a handler without a filter (or one whose filter matches) to answer it; the message is dead-lettered.",
      );
      this.#logger.warn(error.message);
      throw error;
    }
    if (match.kind === "ambiguous") {
      const names = match.routes.map((r) => r.name).join(" and ");
      const error = new NoPeerHandlerError(
        `Both ${names} match ${describeMessage(msg)} (one lists the peer by id, the other by name). ` +
          "List each peer in one handler only; the message is dead-lettered.",
      );
      this.#logger.warn(error.message);
      throw error;
    }
    const result = await match.route.handler(msg, ctx);
    return toReply(result, match.route.name);
  }

  private explore(): PeerRoute<BoundPeerHandler>[] {
    const routes: PeerRoute<BoundPeerHandler>[] = [];
    const seen = new Set<unknown>();
    const wrappers = [
      ...this.discovery.getProviders(),
      ...this.discovery.getControllers(),
    ] as unknown as InstanceWrapperLike[];
    for (const wrapper of wrappers) {
      const isStatic = wrapper.isDependencyTreeStatic();
      const instance = wrapper.instance;
      const metatype = wrapper.metatype;
      // Request-scoped wrappers have no instance yet: inspect the class instead.
      const target: object | null = isStatic
        ? instance && typeof instance === "object"
          ? instance
          : null
        : typeof metatype === "function" &&
            typeof (metatype as { prototype?: unknown }).prototype === "object"
          ? (metatype as { prototype: object }).prototype
          : null;
      if (!target) continue;
      const prototype: object | null = isStatic ? Object.getPrototypeOf(target) : target;
      if (!prototype) continue;
      const methods = this.scanner
        .getAllMethodNames(prototype)
        .filter(
          (name) => getPeerMessageFilters((prototype as Record<string, unknown>)[name]).length > 0,
        );
      if (methods.length === 0) continue;
      const ctor = (prototype as { constructor: { name: string } }).constructor;
      const marker = Reflect.getMetadata(PeerAgent.KEY, ctor) as PeerAgentOptions | undefined;
      const label = marker?.name || ctor.name;
      if (!marker) {
        throw new PeerHandlerConfigError(
          "invalid_filter",
          `${label}.${methods[0]} has @OnPeerMessage() but the class is not marked @PeerAgent(). Add @PeerAgent() to the class.`,
        );
      }
      if (!isStatic) {
        throw new PeerHandlerConfigError(
          "invalid_filter",
          `${label} is request-scoped (or depends on a request-scoped provider), so its @OnPeerMessage() methods cannot be called for inbound messages. Make it a singleton (the default scope).`,
        );
      }
      if (seen.has(target)) continue;
      seen.add(target);
      for (const method of methods) {
        const fn = (target as Record<string, unknown>)[method];
        if (typeof fn !== "function") continue;
        const handler: BoundPeerHandler = (msg, ctx) =>
          (fn as BoundPeerHandler).call(target, msg, ctx);
        for (const filter of getPeerMessageFilters(fn)) {
          routes.push({ name: `${label}.${method}`, filter, handler });
        }
      }
    }
    return routes;
  }
}

/** Turns a handler's return value into reply text (or no reply). */
export function toReply(result: unknown, handlerName: string): string | void {
  if (result === undefined || result === null) return undefined;
  if (typeof result === "string") return result;
  if (typeof result === "number" || typeof result === "boolean" || typeof result === "bigint")
    return String(result);
  throw new PeerReplyTypeError(
    `${handlerName} returned ${Object.prototype.toString.call(result)}; an @OnPeerMessage() handler must return the reply text (a string) or nothing. Use JSON.stringify(...) to reply with data.`,
  );
}
