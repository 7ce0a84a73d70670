import { Inject, Injectable, Logger, Optional } from "@nestjs/common";
import type {
  BeforeApplicationShutdown,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from "@nestjs/common";
import { HttpAdapterHost } from "@nestjs/core";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { MOLECULE_AGENT_CONFIG } from "./config.js";
import type { ResolvedConfig } from "./config.js";
import { MoleculeAgentConfigError } from "./options.js";

/**
 * Starts the `RemoteAgent` when the application has bootstrapped and stops it (draining in-flight
 * handlers, clearing timers, closing connections) before the application shuts down. On SIGTERM
 * this only runs when the app called `app.enableShutdownHooks()`.
 */
@Injectable()
export class MoleculeAgentLifecycle
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  readonly #logger = new Logger("MoleculeAgent");
  #started = false;
  #stopping: Promise<void> | undefined;

  constructor(
    @Inject(RemoteAgent) private readonly agent: RemoteAgent,
    @Inject(PlatformClient) private readonly client: PlatformClient,
    @Inject(MOLECULE_AGENT_CONFIG) private readonly config: ResolvedConfig,
    @Optional() @Inject(HttpAdapterHost) private readonly adapterHost?: HttpAdapterHost,
  ) {}

  /** Registers the workspace and starts heartbeats and inbound delivery. */
  async onApplicationBootstrap(): Promise<void> {
    const { delivery, options } = this.config;
    if (delivery.mode === "push" && !this.adapterHost?.httpAdapter) {
      throw new MoleculeAgentConfigError(
        'MoleculeAgentModule: delivery mode "push" needs an HTTP application (NestFactory.create), ' +
          'but this is an application context without an HTTP server. Use delivery "poll" instead.',
      );
    }
    this.#started = true;
    await this.agent.start();
    this.#logger.log(`Workspace ${options.workspaceId} is online (delivery: ${delivery.mode}).`);
    void this.agent.done.then(
      (outcome) => {
        if (outcome.reason !== "stopped") {
          this.#logger.warn(
            `The agent for workspace ${options.workspaceId} stopped: ${outcome.reason}` +
              (outcome.error instanceof Error ? ` (${outcome.error.message})` : "") +
              ". Inbound messages are no longer handled.",
          );
        }
      },
      () => undefined,
    );
  }

  /** Stops the agent; resolves once in-flight handlers have drained and every timer is cleared. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.#started) return;
    this.#stopping ??= this.agent.stop();
    await this.#stopping;
  }

  /**
   * Closes the client's connection pool last, so other providers can still use the client in
   * their own `beforeApplicationShutdown` hooks (e.g. a goodbye `notify`).
   */
  async onApplicationShutdown(): Promise<void> {
    const close = (this.client as { close?: () => Promise<void> | void }).close;
    if (typeof close === "function") await close.call(this.client);
  }
}
