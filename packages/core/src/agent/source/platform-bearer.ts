// The platform's bearer on pushes (August 2026: enteros-core 858511a8, 0ab833a4, b27707c2): the
// A2A proxy sends `Authorization: Bearer <platform_inbound_secret>` (the secret register and
// every heartbeat return) with each request it forwards to an agent URL it counts as external
// (`isExternalAgentURL`, handlers/ssrf.go: any host name but the platform's own `ws-<id>` names,
// or a public IP; not a loopback or private IP literal, unless the server runs with
// MOLECULE_A2A_ALWAYS_AUTH, and then best effort). Once the agent knows a secret and that the
// platform sends it (its heartbeat answers `generation`, 2026-07-26 on, or a push carried it), a
// POST to its push endpoint without it, or with another, is refused before its body is read: only
// the platform may push, whoever learns the URL. With no secret known yet (an older platform, or
// before the first register answer) nothing changes; nor on a May-June 2026 platform, which hands
// out the secret but pushes without it. GETs (the card, the transcript the platform
// reads without a bearer) are left to the path secret; the chat-file routes check it themselves.
import type { IncomingMessage, ServerResponse } from "node:http";
import { classifyAddress, closeUnread, isIpLiteral, verifyBearer } from "../../a2a/index.js";
import { FILE_READ_SUFFIX, INGEST_SUFFIX } from "../../platform/index.js";
import type { Logger } from "../../transport/index.js";

/** Whether the platform sends its bearer to `url` (handlers/ssrf.go `isExternalAgentURL`). */
function platformSendsBearer(url: string | undefined): boolean {
  if (url === undefined) return false;
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host === "") return false;
  // The platform's own names (a workspace container, a per-workspace tunnel) count as internal.
  if (/^ws-[0-9a-f-]+(\.|$)/.test(host)) return false;
  // An IP literal: only a public one is external (loopback, private, link-local, CGNAT are not).
  if (isIpLiteral(host)) return classifyAddress(host.replace(/^\[|\]$/g, "")) === "public";
  return true;
}

/** Options of {@link PlatformBearer}. */
export interface PlatformBearerOptions {
  /** The newest inbound secret the platform sent (`client.files.inboundSecret`). */
  secret: () => string | undefined;
  /**
   * `true`: require the bearer once a secret is known; `false`: never; `undefined` (default): once
   * the platform is known to send it (`signs()`, or a push that carried it).
   */
  require: boolean | undefined;
  /** Whether the platform said it sends the bearer with pushes (`client.files.signsPushes`). */
  signs: () => boolean;
  /** The URL the agent registered (or will): whether the platform sends its bearer there. */
  url: () => string | undefined;
  logger?: Logger | undefined;
}

const REFUSAL = JSON.stringify({
  error:
    "unauthorized: only the platform may push to this agent (Authorization: Bearer <platform_inbound_secret>)",
});

/** The bearer check of one push endpoint; see the file comment. */
export class PlatformBearer {
  readonly #o: PlatformBearerOptions;
  #refused = 0;
  /** A push arrived with the valid bearer: the platform sends it. */
  #seen = false;

  constructor(options: PlatformBearerOptions) {
    this.#o = options;
  }

  /** Whether a request with this method, path and `Authorization` header is refused. */
  refuses(
    method: string | undefined,
    path: string,
    authorization: string | null | undefined,
  ): boolean {
    if (method !== "POST" || this.#o.require === false) return false;
    // The chat-file routes check the bearer themselves; a May-2026 platform sends it there only.
    if (path.endsWith(INGEST_SUFFIX) || path.endsWith(FILE_READ_SUFFIX)) return false;
    const secret = this.#o.secret();
    if (secret === undefined || secret === "" || !platformSendsBearer(this.#o.url())) return false;
    if (verifyBearer(authorization, secret)) {
      this.#seen = true;
      return false;
    }
    if (this.#o.require !== true && !this.#seen && !this.#o.signs()) return false;
    // One line for the first refusal, then one per 100: a stranger's flood is not a log flood.
    if (this.#refused++ % 100 === 0) {
      this.#o.logger?.warn?.(
        "refused a push without the platform's bearer: someone other than the platform called the push URL, or the platform's secret changed since the last heartbeat, or the platform is older than July 2026 and sends none (then set delivery.requirePlatformBearer: false)",
        { refused: this.#refused },
      );
    }
    return true;
  }

  /** Answers a refused node:http request (401, its body left unread); `true` when it did. */
  handleNode(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    if (!this.refuses(req.method, path, req.headers.authorization)) return false;
    closeUnread(req, res);
    res.writeHead(401, {
      "content-type": "application/json",
      "cache-control": "no-store",
      "content-length": String(REFUSAL.length),
    });
    res.end(REFUSAL);
    return true;
  }

  /** The 401 of a refused fetch request, else `undefined`. */
  handleFetch(request: Request): Response | undefined {
    const path = new URL(request.url).pathname;
    if (!this.refuses(request.method, path, request.headers.get("authorization"))) return undefined;
    return new Response(REFUSAL, {
      status: 401,
      headers: { "content-type": "application/json", "cache-control": "no-store" },
    });
  }
}
