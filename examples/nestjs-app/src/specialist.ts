// Boots the reviewer as a Nest application: an HTTP app (push delivery) or a worker (poll).
// oxlint-disable-next-line import/no-unassigned-import -- Nest needs the Reflect metadata API loaded
import "reflect-metadata";
import { createServer } from "node:net";
import type { INestApplicationContext, LogLevel } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import { RemoteAgent } from "@molecule-ai/agent-core";
import { MoleculeAgentLifecycle } from "@molecule-ai/nestjs";
import type { MoleculeAgentModuleOptions } from "@molecule-ai/nestjs";
import type {
  Logger,
  PlatformClient,
  RemoteAgentOptions,
  TokenStore,
} from "@molecule-ai/agent-core";
import { AppModule } from "./app.module.js";
import { ReviewerAgent } from "./reviewer.agent.js";

/** The route the push handler is mounted at (a secret path segment is appended). */
export const PUSH_PATH = "/molecule/a2a";

/** Options of {@link startNestSpecialist}. */
export interface NestSpecialistOptions {
  /** The platform's base URL (the emulator's `emu.url`, or a real platform). */
  platformUrl: string;
  /** The reviewer's workspace id. */
  workspaceId: string;
  /** The workspace token (omit it when the workspace has none yet: register mints one). */
  token?: string;
  /**
   * `"poll"` (default): a Nest worker (`createApplicationContext`) that fetches its messages, no
   * port needed. `"push"`: an HTTP app; the platform POSTs each message to a secret route and the
   * handler's return value is the A2A result.
   */
  delivery?: "poll" | "push";
  /** Where the token is loaded from and saved to (e.g. `new FileTokenStore({ workspaceId })`). */
  tokenStore?: TokenStore;
  /** Logger for the SDK's client and agent (default: silent). */
  logger?: Logger;
  /** SaaS org (tenant) id. */
  orgId?: string;
  /** Push: the HTTP adapter (default `"express"`). */
  adapter?: "express" | "fastify";
  /** Push: bind address (default `127.0.0.1`). */
  host?: string;
  /** Push: port (default: a free port). */
  port?: number;
  /** Push: the URL the platform reaches the push route at (default `http://<host>:<port>/molecule/a2a`). */
  publicUrl?: string;
  /** When the workspace is paused at start: refuse (default), wait, or resume it. */
  whenPaused?: RemoteAgentOptions["whenPaused"];
  /** The agent card name (default `"reviewer"`). */
  name?: string;
  /** Heartbeat period in ms (default 30 000). */
  heartbeatIntervalMs?: number;
  /** Nest's own log levels (default `false`: Nest prints nothing). */
  nestLogLevels?: LogLevel[] | false;
}

/** A running reviewer. */
export interface NestSpecialist {
  /** The `RemoteAgent` the module runs (`agent.done`, `agent.delivery`, `agent.pushUrl`). */
  agent: RemoteAgent<PlatformClient>;
  /** The Nest application (or application context, with poll delivery). */
  app: INestApplicationContext;
  /** The handler provider (e.g. `reviewer.reviewed`). */
  reviewer: ReviewerAgent;
  /** Closes the Nest app: the agent drains its handlers and every timer and socket is closed. */
  stop(): Promise<void>;
}

async function freePort(host: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts the NestJS reviewer specialist: `AppModule` with `MoleculeAgentModule` and the
 * `@OnPeerMessage()` handler of {@link ReviewerAgent}. Resolves once the workspace is registered
 * and online (Nest's bootstrap hooks have run).
 *
 * @example
 * const reviewer = await startNestSpecialist({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token });
 * // ... peers call it ...
 * await reviewer.stop();
 */
export async function startNestSpecialist(options: NestSpecialistOptions): Promise<NestSpecialist> {
  const delivery = options.delivery ?? "poll";
  const moduleOptions: MoleculeAgentModuleOptions = {
    platformUrl: options.platformUrl,
    workspaceId: options.workspaceId,
    agentCard: {
      name: options.name ?? "reviewer",
      description: "Reviews text against fixed editorial rules (NestJS, no model).",
      skills: [
        {
          id: "review",
          name: "Review text",
          description: "Checks a text and returns a verdict with findings",
          tags: ["review", "editing"],
        },
      ],
    },
  };
  if (options.token !== undefined) moduleOptions.token = options.token;
  if (options.tokenStore !== undefined) moduleOptions.tokenStore = options.tokenStore;
  if (options.logger !== undefined) moduleOptions.logger = options.logger;
  if (options.orgId !== undefined) moduleOptions.orgId = options.orgId;
  if (options.heartbeatIntervalMs !== undefined)
    moduleOptions.heartbeatIntervalMs = options.heartbeatIntervalMs;
  if (options.whenPaused !== undefined) moduleOptions.whenPaused = options.whenPaused;
  const logger = options.nestLogLevels ?? false;

  let app: INestApplicationContext;
  if (delivery === "push") {
    const host = options.host ?? "127.0.0.1";
    const port = options.port ?? (await freePort(host));
    moduleOptions.delivery = {
      mode: "push",
      path: PUSH_PATH,
      // The platform refuses IP-literal agent URLs: a loopback or wildcard bind is `localhost`.
      publicUrl:
        options.publicUrl ??
        `http://${host === "0.0.0.0" || host.startsWith("127.") ? "localhost" : host}:${port}${PUSH_PATH}`,
    };
    const adapter = options.adapter === "fastify" ? new FastifyAdapter() : new ExpressAdapter();
    const http = await NestFactory.create(AppModule.register(moduleOptions), adapter, {
      logger,
      abortOnError: false, // throw start-up errors instead of exiting the process
    });
    app = http;
    try {
      // listen() runs the bootstrap hooks (the start-up checks), then binds the port; the URL is
      // registered once the server listens, so the platform never forwards to an unbound port.
      await http.listen(port, host);
      await http.get(MoleculeAgentLifecycle).ready;
    } catch (err) {
      await http.close().catch(() => undefined);
      throw err;
    }
  } else {
    moduleOptions.delivery = "poll";
    // createApplicationContext runs the bootstrap hooks: the workspace registers for poll delivery.
    app = await NestFactory.createApplicationContext(AppModule.register(moduleOptions), {
      logger,
      abortOnError: false,
    });
  }

  let stopping: Promise<void> | undefined;
  return {
    agent: app.get(RemoteAgent),
    app,
    reviewer: app.get(ReviewerAgent),
    stop: () => (stopping ??= app.close()),
  };
}
