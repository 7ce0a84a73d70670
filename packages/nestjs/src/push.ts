// The push route of an app whose agent receives by push on a route of its own: mounted straight on
// the app's HTTP adapter (Express or Fastify) when the module initialises, only when the options
// say push (with `forRoot` and `forRootAsync` alike): no controller is declared, so an app on poll
// maps no route at all.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { Inject, Injectable, Optional } from "@nestjs/common";
import type { OnApplicationBootstrap, OnModuleInit } from "@nestjs/common";
import { ApplicationConfig, HttpAdapterHost } from "@nestjs/core";
import { generatePathSecret, RemoteAgent } from "@molecule-ai/agent-core";
import { raiseKeepAliveTimeout } from "@molecule-ai/agent-core/a2a";
import type { A2AHandler } from "@molecule-ai/agent-core/a2a";
import {
  FILE_READ_SUFFIX as FILE_READ,
  INGEST_SUFFIX as INGEST,
} from "@molecule-ai/agent-core/files";
import { MOLECULE_AGENT_CONFIG, MOLECULE_AGENT_PUSH_SECRET } from "./constants.js";
import type { ResolvedConfig } from "./options.js";

/** The request as either adapter hands it over: Express's is the raw request, Fastify's wraps it. */
interface PlatformRequest {
  raw?: IncomingMessage;
  body?: unknown;
  params?: Record<string, string | undefined>;
}

/** What the push controller uses of a Fastify instance. */
interface Fastify {
  hasContentTypeParser(type: string): boolean;
  addContentTypeParser(
    type: string,
    parser: (req: unknown, body: unknown, done: (err: Error | null) => void) => void,
  ): void;
}

/** The reply as either adapter hands it over: Express's is the raw response, Fastify's wraps it. */
interface PlatformReply {
  raw?: ServerResponse;
  hijack?: () => void;
}

/** `prefix` and `path` joined with one slash between them, and no trailing one. */
function joinRoute(prefix: string, path: string): string {
  const head = prefix.replace(/^\/*/, "/").replace(/\/+$/, "");
  return `${head === "/" ? "" : head}${path}`.replace(/\/{2,}/g, "/");
}

/**
 * Serves `POST <global prefix><delivery.path>/:secret` through core's push handler (path secret
 * checked in constant time, 404 otherwise) on the raw Node response, so it behaves the same on the
 * Express and the Fastify adapter, and below it the two routes the platform forwards chat files to
 * (`POST …/internal/chat/uploads/ingest`, `GET …/internal/file/read`: the platform's bearer,
 * checked by core). Being no controller, Nest's guards, interceptors and versioning do not apply
 * to them (the capability secret is their authentication). With push delivery it raises the app's
 * HTTP server keep-alive timeout to 95 s (never lowers it): Node's default 5 s is shorter than the
 * platform proxy's pooled connections idle (90 s), so a forward could land on a connection the
 * server was closing (`read ECONNRESET`).
 */
@Injectable()
export class MoleculePushRoute implements OnModuleInit, OnApplicationBootstrap {
  #a2a: A2AHandler | undefined;

  /** @internal Created by Nest's injector. */
  constructor(
    @Inject(RemoteAgent) private readonly agent: RemoteAgent,
    @Inject(MOLECULE_AGENT_PUSH_SECRET) private readonly secret: string | undefined,
    @Inject(MOLECULE_AGENT_CONFIG) private readonly config: ResolvedConfig,
    @Optional() @Inject(HttpAdapterHost) private readonly adapterHost?: HttpAdapterHost,
    @Optional() @Inject(ApplicationConfig) private readonly appConfig?: ApplicationConfig,
  ) {}

  /** Mounts the routes (push delivery on an HTTP application only). */
  onModuleInit(): void {
    const { delivery } = this.config;
    const adapter = this.adapterHost?.httpAdapter;
    if (delivery.mode !== "push" || !adapter) return;
    this.#a2a = this.agent.createPushHandler({ pathSecret: this.secret ?? generatePathSecret() });
    const route = `${joinRoute(this.appConfig?.getGlobalPrefix() ?? "", delivery.path)}/:secret`;
    adapter.post(route, (req: PlatformRequest, res: PlatformReply) => this.#handle(req, res, ""));
    adapter.post(`${route}${INGEST}`, (req: PlatformRequest, res: PlatformReply) =>
      this.#handle(req, res, INGEST),
    );
    adapter.get(`${route}${FILE_READ}`, (req: PlatformRequest, res: PlatformReply) =>
      this.#handle(req, res, FILE_READ),
    );
  }

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost?.httpAdapter;
    const server = adapter?.getHttpServer() as Server | undefined;
    if (this.#a2a && typeof server?.keepAliveTimeout === "number") raiseKeepAliveTimeout(server);
    // Fastify refuses a body type without a parser (415) before any route runs: the platform's
    // upload forward is multipart. A parser that reads nothing leaves the body to core's route
    // (an app that registered @fastify/multipart has one that reads nothing before `req.file()`).
    const fastify =
      adapter?.getType() === "fastify" ? (adapter.getInstance() as Fastify) : undefined;
    if (this.#a2a && fastify && !fastify.hasContentTypeParser("multipart/form-data"))
      fastify.addContentTypeParser("multipart/form-data", (_req, _body, done) => done(null));
  }

  async #handle(req: PlatformRequest, res: PlatformReply, suffix: string): Promise<void> {
    const rawReq = req.raw ?? (req as IncomingMessage);
    const rawRes = res.raw ?? (res as ServerResponse);
    // Fastify: we answer on the raw response ourselves.
    if (typeof res.hijack === "function") res.hijack();
    // Core's handler serves `/<secret>`: present the request as mounted there (as Express does
    // for mounted sub-apps, with the app's global prefix and `path` dropped), keeping the query.
    const url = rawReq.url ?? "/";
    const query = url.indexOf("?");
    const secret = encodeURIComponent(req.params?.["secret"] ?? "");
    rawReq.url = `/${secret}${suffix}${query === -1 ? "" : url.slice(query)}`;
    await this.#a2a!.handleNode(rawReq, rawRes, req.body);
  }
}
