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
import { MoleculeAgentConfigError } from "./errors.js";
import { PeerMessageDispatcher } from "./explorer.js";
import { LOG_CONTEXT } from "./logging.js";

/** Where the agent is in its life, as the health indicator reports it. */
export type AgentLifecycleState = "starting" | "running" | "stopping" | "stopped" | "failed";

/**
 * Starts the `RemoteAgent` when the application has bootstrapped and stops it (draining in-flight
 * handlers, clearing timers, closing connections) before the application shuts down. On SIGTERM
 * this only runs when the app called `app.enableShutdownHooks()`. Logs one line per step.
 */
@Injectable()
export class MoleculeAgentLifecycle
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  readonly #logger = new Logger(LOG_CONTEXT);
  #state: AgentLifecycleState = "starting";
  #started = false;
  #stopping: Promise<void> | undefined;

  constructor(
    @Inject(RemoteAgent) private readonly agent: RemoteAgent,
    @Inject(PlatformClient) private readonly client: PlatformClient,
    @Inject(MOLECULE_AGENT_CONFIG) private readonly config: ResolvedConfig,
    @Inject(PeerMessageDispatcher) private readonly dispatcher: PeerMessageDispatcher,
    @Optional() @Inject(HttpAdapterHost) private readonly adapterHost?: HttpAdapterHost,
  ) {}

  /** The agent's state: `running` between a successful start and shutdown. */
  get state(): AgentLifecycleState {
    return this.#state;
  }

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
    try {
      await this.agent.start();
    } catch (error) {
      this.#state = "failed";
      throw error;
    }
    this.#state = "running";
    const handlers = this.dispatcher.routes.map((r) => r.name).join(", ") || "none";
    this.#logger.log(
      `Connected workspace ${options.workspaceId} (delivery: ${this.agent.delivery}; handlers: ${handlers}).`,
    );
    void this.agent.done.then(
      (outcome) => {
        if (outcome.reason === "stopped") return;
        this.#state = "failed";
        this.#logger.warn(
          `The agent for workspace ${options.workspaceId} stopped: ${outcome.reason}` +
            (outcome.error instanceof Error ? ` (${outcome.error.message})` : "") +
            ". Inbound messages are no longer handled.",
        );
      },
      () => undefined,
    );
  }

  /** Stops the agent; resolves once in-flight handlers have drained and every timer is cleared. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.#started) return;
    this.#stopping ??= this.#stop();
    await this.#stopping;
  }

  async #stop(): Promise<void> {
    const { workspaceId, drainTimeoutMs } = this.config.options;
    const failed = this.#state === "failed";
    this.#state = "stopping";
    const limit = drainTimeoutMs === undefined ? "" : `, up to ${drainTimeoutMs} ms`;
    this.#logger.log(
      `Draining workspace ${workspaceId}: ${this.agent.activeTasks} in flight${limit}.`,
    );
    await this.agent.stop();
    this.#state = failed ? "failed" : "stopped";
    this.#logger.log(`Stopped workspace ${workspaceId}.`);
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
