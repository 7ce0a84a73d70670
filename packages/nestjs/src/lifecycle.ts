import { Inject, Injectable, Logger, Optional } from "@nestjs/common";
import type {
  BeforeApplicationShutdown,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from "@nestjs/common";
import { HttpAdapterHost } from "@nestjs/core";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import {
  AgentRun,
  LINES_PER_SECOND,
  LineBudget,
  SIGNAL_STOP_MS,
} from "@molecule-ai/agent-core/adapters";
import type { AgentLifecycleState } from "@molecule-ai/agent-core/adapters";
import { MOLECULE_AGENT_CONFIG } from "./constants.js";
import type { ResolvedConfig } from "./options.js";
import { MoleculeAgentConfigError } from "./errors.js";
import { PeerMessageDispatcher } from "./explorer.js";
import { ServerListening } from "./listen.js";
import { LOG_CONTEXT } from "./logging.js";

/**
 * Starts the `RemoteAgent` when the application has bootstrapped and stops it (in-flight handlers
 * finish and their answers are sent within `drainTimeoutMs`, default 25 s: inside Kubernetes' 30 s
 * grace; then timers are cleared and connections closed) before the application shuts down. On
 * SIGTERM this only runs when the app called `app.enableShutdownHooks()`. Logs one line per step.
 *
 * With push delivery the start-up checks run during bootstrap (a bad token or an unreachable
 * platform still fails `app.listen()`), but the push URL is registered, and the platform lists the
 * workspace online, only once the Nest HTTP server listens, so `app.listen()` may resolve a moment
 * before: await {@link MoleculeAgentLifecycle.ready} to know the workspace is online. An app that
 * only calls `app.init()` is never registered (one log line says so).
 */
@Injectable()
export class MoleculeAgentLifecycle
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  readonly #logger = new Logger(LOG_CONTEXT);
  readonly #run: AgentRun;
  /** The shutdown's time (ms): see {@link MoleculeAgentLifecycle.beforeApplicationShutdown}. */
  readonly #stopMs: number;
  #ready!: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void };

  /** @internal Created by Nest's injector. */
  constructor(
    @Inject(RemoteAgent) private readonly agent: RemoteAgent,
    @Inject(PlatformClient) private readonly client: PlatformClient,
    @Inject(MOLECULE_AGENT_CONFIG) private readonly config: ResolvedConfig,
    @Inject(PeerMessageDispatcher) private readonly dispatcher: PeerMessageDispatcher,
    @Inject(ServerListening) private readonly listening: ServerListening,
    @Optional() @Inject(HttpAdapterHost) private readonly adapterHost?: HttpAdapterHost,
  ) {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((yes, no) => ((resolve = yes), (reject = no)));
    promise.catch(() => undefined); // awaited by whoever asks; never unhandled
    this.#ready = { promise, resolve, reject };
    const { workspaceId, drainTimeoutMs } = config.options;
    const stopMs = (this.#stopMs = drainTimeoutMs ?? SIGNAL_STOP_MS);
    // One line per message (who sent it, how long it took; never its text), at most
    // LINES_PER_SECOND a second: past that, one line a second counts the rest.
    const lines = new LineBudget(LINES_PER_SECOND, (n) =>
      this.#logger.log(
        `${n} more message(s) handled in the last second without a line each (at most ${LINES_PER_SECOND} such lines a second).`,
      ),
    );
    this.#run = new AgentRun(agent, {
      onEnded: (outcome) =>
        this.#logger.warn(
          `The agent for workspace ${workspaceId} stopped: ${outcome.reason}` +
            (outcome.error instanceof Error ? ` (${outcome.error.message})` : "") +
            ". Inbound messages are no longer handled.",
        ),
      onStopping: () =>
        this.#logger.log(
          `Draining workspace ${workspaceId}: ${agent.activeTasks} in flight, up to ${stopMs} ms.`,
        ),
      onStopped: () => this.#logger.log(`Stopped workspace ${workspaceId}.`),
      onPaused: (paused) =>
        this.#logger.log(
          paused
            ? `Workspace ${workspaceId} was paused on the platform: no messages are handled until it is resumed.`
            : `Workspace ${workspaceId} was resumed: handling messages again.`,
        ),
    });
    // The count of the last second is said when the agent ends, however it ends.
    agent.on("stopped", () => lines.close());
    agent.on("handled", ({ message: m, durationMs, replied }) => {
      if (m.isReply || !lines.take()) return;
      const id = m.messageId ?? m.activityId ?? "(no id)";
      const what = replied ? "Answered" : "Handled (no answer)";
      this.#logger.log(
        `${what} message ${id} from ${m.sourceId ?? m.source} in ${Math.round(durationMs)} ms.`,
      );
    });
  }

  /** The agent's state: `running` between a successful start and shutdown (`paused` while its workspace is). */
  get state(): AgentLifecycleState {
    return this.#run.state;
  }

  /**
   * Resolves once the workspace is registered and the agent runs (with push delivery: after the
   * HTTP server listens); rejects with the start-up error. The same promise every time.
   */
  get ready(): Promise<void> {
    return this.#ready.promise;
  }

  /**
   * Runs the start-up checks, then registers the workspace (push delivery: once the HTTP server
   * listens) and starts heartbeats and inbound delivery.
   */
  async onApplicationBootstrap(): Promise<void> {
    const { delivery, options } = this.config;
    if (delivery.mode === "push" && !this.adapterHost?.httpAdapter) {
      throw new MoleculeAgentConfigError(
        'MoleculeAgentModule: delivery mode "push" needs an HTTP application (NestFactory.create), ' +
          'but this is an application context without an HTTP server. Use delivery "poll" instead.',
      );
    }
    let bootstrapped = false;
    const started = this.#run.start();
    void started.then(
      () => {
        const handlers = this.dispatcher.routes.map((r) => r.name).join(", ") || "none";
        this.#logger.log(
          `Connected workspace ${options.workspaceId} (delivery: ${this.agent.delivery}; handlers: ${handlers}).`,
        );
        this.#ready.resolve();
      },
      (error: unknown) => {
        this.#ready.reject(error);
        // Before the wait for the server, the error fails bootstrap (and app.listen()) instead.
        const stopped = (error as { code?: unknown } | null)?.code === "agent_stopped";
        if (bootstrapped && !stopped) {
          this.#logger.error(
            `Workspace ${options.workspaceId} could not register its push URL: ${
              error instanceof Error ? error.message : String(error)
            }. Inbound messages are not delivered.`,
          );
        }
      },
    );
    // Push: the registration waits for the server to listen; bootstrap ends before it.
    const waiting = this.listening.waiting.then(() => void (bootstrapped = true));
    await Promise.race([started, waiting]);
    if (this.agent.delivery === "push" && this.listening.server?.listening === false) {
      this.#logger.log(
        `Workspace ${options.workspaceId} registers its push URL once the HTTP server listens (app.listen()): an app that never listens is never registered.`,
      );
    }
  }

  /**
   * Stops the agent within `drainTimeoutMs` (default 25 000 ms): in-flight handlers finish and
   * their answers are sent in it (a handler still running near its end has its `signal` aborted,
   * and its message runs again after the restart); resolves once every timer is cleared.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.#run.stop({ timeoutMs: this.#stopMs });
  }

  /**
   * Closes the client's connection pool last, so other providers can still use the client in
   * their own `beforeApplicationShutdown` hooks (e.g. a goodbye `notify`).
   */
  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
