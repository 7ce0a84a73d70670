import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Controller, Inject, Post, Req, Res, VERSION_NEUTRAL } from "@nestjs/common";
import type { Type } from "@nestjs/common";
import { RemoteAgent } from "@molecule-ai/agent-core";
import type { ResolvedConfig } from "./config.js";
import { MoleculeAgentConfigError } from "./errors.js";
import { MOLECULE_AGENT_PUSH_SECRET } from "./push-secret.js";

/** The request as either adapter hands it over: Express's is the raw request, Fastify's wraps it. */
interface PlatformRequest {
  raw?: IncomingMessage;
  body?: unknown;
  params?: Record<string, string | undefined>;
}

/** The reply as either adapter hands it over: Express's is the raw response, Fastify's wraps it. */
interface PlatformReply {
  raw?: ServerResponse;
  hijack?: () => void;
}

const HANDLE = "handle";
const NOT_FOUND = JSON.stringify({
  jsonrpc: "2.0",
  id: null,
  error: { code: -32600, message: "Not found" },
});

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/**
 * Creates the push controller class: one per module definition, so its route can be set from
 * options that are only known once `forRootAsync`'s factory has run. It answers on the raw Node
 * response, so it behaves the same on the Express and the Fastify adapter.
 */
export function createPushController(): Type {
  // Version-neutral: URI versioning must not move the URL the platform was given.
  @Controller({ version: VERSION_NEUTRAL })
  class MoleculePushController {
    readonly #secret: Buffer | undefined;

    constructor(
      @Inject(RemoteAgent) private readonly agent: RemoteAgent,
      @Inject(MOLECULE_AGENT_PUSH_SECRET) secret: string | undefined,
    ) {
      this.#secret = secret === undefined ? undefined : digest(secret);
    }

    async handle(@Req() req: PlatformRequest, @Res() res: PlatformReply): Promise<void> {
      const rawReq = req.raw ?? (req as IncomingMessage);
      const rawRes = res.raw ?? (res as ServerResponse);
      // Fastify: we answer on the raw response ourselves.
      if (typeof res.hijack === "function") res.hijack();
      const candidate = req.params?.["secret"] ?? "";
      if (!this.#secret || !timingSafeEqual(digest(candidate), this.#secret)) {
        rawRes.writeHead(404, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(NOT_FOUND),
        });
        rawRes.end(NOT_FOUND);
        return;
      }
      // The core handler serves its JSON-RPC endpoint at "/": present the request as mounted there
      // (as Express does for mounted sub-apps), keeping the query string.
      const url = rawReq.url ?? "/";
      const query = url.indexOf("?");
      rawReq.url = query === -1 ? "/" : `/${url.slice(query)}`;
      await this.agent.handleA2A.handleNode(rawReq, rawRes, req.body);
    }
  }
  return MoleculePushController;
}

/**
 * Mounts `POST <path>/:secret` on the controller when delivery is push. Called from a provider
 * factory: Nest registers routes after every provider exists, so the path may come from
 * `forRootAsync`. With other delivery modes the controller has no route at all.
 */
export function mountPushRoute(controller: Type, config: ResolvedConfig): void {
  if (config.delivery.mode !== "push") return;
  const prototype = controller.prototype as object;
  const descriptor = Object.getOwnPropertyDescriptor(prototype, HANDLE);
  if (!descriptor)
    throw new MoleculeAgentConfigError(
      "MoleculeAgentModule: the push controller has no handler method.",
    );
  Post(`${config.delivery.path}/:secret`)(prototype, HANDLE, descriptor);
}
