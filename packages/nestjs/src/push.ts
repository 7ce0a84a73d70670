import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { Controller, Get, Inject, Optional, Post, Req, Res, VERSION_NEUTRAL } from "@nestjs/common";
import type { OnApplicationBootstrap, Type } from "@nestjs/common";
import { HttpAdapterHost } from "@nestjs/core";
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

/**
 * Creates the push controller class: one per module definition, so its route can be set from
 * options that are only known once `forRootAsync`'s factory has run. It answers on the raw Node
 * response through core's push handler (path secret checked in constant time, 404 otherwise), so
 * it behaves the same on the Express and the Fastify adapter. With push delivery it raises the
 * app's HTTP server keep-alive timeout to 95 s (never lowers it): Node's default 5 s is shorter
 * than the platform proxy's pooled connections idle (90 s), so a forward could land on a
 * connection the server was closing (`read ECONNRESET`).
 */
export function createPushController(): Type {
  // Version-neutral: URI versioning must not move the URL the platform was given.
  @Controller({ version: VERSION_NEUTRAL })
  class MoleculePushController implements OnApplicationBootstrap {
    readonly #a2a: A2AHandler;
    readonly #push: boolean;

    constructor(
      @Inject(RemoteAgent) agent: RemoteAgent,
      @Inject(MOLECULE_AGENT_PUSH_SECRET) secret: string | undefined,
      @Inject(MOLECULE_AGENT_CONFIG) { delivery }: ResolvedConfig,
      @Optional() @Inject(HttpAdapterHost) private readonly adapterHost?: HttpAdapterHost,
    ) {
      this.#push = delivery.mode === "push";
      // Nest maps routes once every controller exists: mount `POST <path>/:secret` now, and the
      // two routes the platform forwards chat files to below it (core's push handler answers
      // them: the platform's bearer, checked there). With other delivery modes there is no route
      // (and a random secret would refuse every request anyway).
      if (delivery.mode === "push") {
        const prototype = MoleculePushController.prototype;
        const handle = Object.getOwnPropertyDescriptor(prototype, "handle")!;
        Post(`${delivery.path}/:secret`)(prototype, "handle", handle);
        const ingest = Object.getOwnPropertyDescriptor(prototype, "ingest")!;
        Post(`${delivery.path}/:secret${INGEST}`)(prototype, "ingest", ingest);
        const read = Object.getOwnPropertyDescriptor(prototype, "readFile")!;
        Get(`${delivery.path}/:secret${FILE_READ}`)(prototype, "readFile", read);
      }
      this.#a2a = agent.createPushHandler({ pathSecret: secret ?? generatePathSecret() });
    }

    onApplicationBootstrap(): void {
      const adapter = this.adapterHost?.httpAdapter;
      const server = adapter?.getHttpServer() as Server | undefined;
      if (this.#push && typeof server?.keepAliveTimeout === "number") raiseKeepAliveTimeout(server);
      // Fastify refuses a body type without a parser (415) before any route runs: the platform's
      // upload forward is multipart. A parser that reads nothing leaves the body to core's route
      // (an app that registered @fastify/multipart has one that reads nothing before `req.file()`).
      const fastify =
        adapter?.getType() === "fastify" ? (adapter.getInstance() as Fastify) : undefined;
      if (this.#push && fastify && !fastify.hasContentTypeParser("multipart/form-data"))
        fastify.addContentTypeParser("multipart/form-data", (_req, _body, done) => done(null));
    }

    async handle(@Req() req: PlatformRequest, @Res() res: PlatformReply): Promise<void> {
      await this.#serve(req, res, "");
    }

    /** `POST <path>/:secret/internal/chat/uploads/ingest`: a canvas upload the platform forwards. */
    async ingest(@Req() req: PlatformRequest, @Res() res: PlatformReply): Promise<void> {
      await this.#serve(req, res, INGEST);
    }

    /** `GET <path>/:secret/internal/file/read?path=`: the canvas downloading a file. */
    async readFile(@Req() req: PlatformRequest, @Res() res: PlatformReply): Promise<void> {
      await this.#serve(req, res, FILE_READ);
    }

    async #serve(req: PlatformRequest, res: PlatformReply, suffix: string): Promise<void> {
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
      await this.#a2a.handleNode(rawReq, rawRes, req.body);
    }
  }
  return MoleculePushController;
}
