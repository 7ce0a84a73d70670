import { Inject, Injectable, Logger } from "@nestjs/common";
import type { OnModuleInit } from "@nestjs/common";
import { DiscoveryService, MetadataScanner } from "@nestjs/core";
import type { HandlerContext, InboundMessage, PlatformClient } from "@molecule-ai/agent-core";
import type { InboundFile } from "@molecule-ai/agent-core/files";
import {
  dispatchRouted,
  NoPeerHandlerError,
  PeerHandlerConfigError,
  PeerRouter,
} from "@molecule-ai/agent-core/adapters";
import type { PeerRoute } from "@molecule-ai/agent-core/adapters";
import { PeerAgent, getPeerMessageFilters } from "./decorators.js";
import type { PeerAgentOptions } from "./decorators.js";
import { LOG_CONTEXT } from "./logging.js";
import { MOLECULE_AGENT_CONFIG } from "./constants.js";
import type { ResolvedConfig } from "./options.js";

/**
 * A discovered `@OnPeerMessage()` method bound to its instance: called with the message, the
 * handler context and the message's files (`msg.files`, `[]` when none).
 */
export type BoundPeerHandler = (
  msg: InboundMessage,
  ctx: HandlerContext<PlatformClient>,
  files: readonly InboundFile[],
) => unknown;

const LABEL = "@OnPeerMessage()";

/**
 * Finds the `@OnPeerMessage()` methods at start-up (with `DiscoveryService` and `MetadataScanner`)
 * and routes each inbound message to one of them. Injectable for advanced uses (listing routes).
 */
@Injectable()
export class PeerMessageDispatcher implements OnModuleInit {
  readonly #logger = new Logger(LOG_CONTEXT);
  #router = new PeerRouter<BoundPeerHandler>([], { label: LABEL });

  /** @internal Created by Nest's injector. */
  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(MOLECULE_AGENT_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  /** Scans providers and controllers; throws a `PeerHandlerConfigError` when they conflict. */
  onModuleInit(): void {
    const { delivery } = this.config;
    this.#router = new PeerRouter(this.explore(), { label: LABEL });
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
    try {
      const files = msg.files ?? [];
      return await dispatchRouted(this.#router, msg, (handler) => handler(msg, ctx, files));
    } catch (error) {
      if (error instanceof NoPeerHandlerError) this.#logger.warn(error.message);
      throw error;
    }
  }

  private explore(): PeerRoute<BoundPeerHandler>[] {
    const routes: PeerRoute<BoundPeerHandler>[] = [];
    const seen = new Set<object>();
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const isStatic = wrapper.isDependencyTreeStatic();
      const instance: unknown = wrapper.instance;
      // Request-scoped wrappers have no instance yet: inspect the class instead.
      const prototype: unknown = isStatic
        ? instance && typeof instance === "object" && Object.getPrototypeOf(instance)
        : (wrapper.metatype as { prototype?: unknown } | null)?.prototype;
      if (!prototype || typeof prototype !== "object") continue;
      const methodOf = (name: string): unknown => (prototype as Record<string, unknown>)[name];
      const methods = this.scanner
        .getAllMethodNames(prototype)
        .filter((name) => getPeerMessageFilters(methodOf(name)).length > 0);
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
      const target = instance as Record<string, unknown>;
      if (seen.has(target)) continue;
      seen.add(target);
      for (const method of methods) {
        const fn = target[method] as BoundPeerHandler; // no filters unless it is a function
        const handler: BoundPeerHandler = (msg, ctx, files) => fn.call(target, msg, ctx, files);
        for (const filter of getPeerMessageFilters(fn)) {
          routes.push({ name: `${label}.${method}`, filter, handler });
        }
      }
    }
    return routes;
  }
}
