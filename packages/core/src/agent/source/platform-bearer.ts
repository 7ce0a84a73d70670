// The platform's bearer on pushes (August 2026: enteros-core 858511a8, 0ab833a4, b27707c2): the
// A2A proxy sends `Authorization: Bearer <platform_inbound_secret>` (the secret register and
// every heartbeat return) with each request it forwards to an agent URL it counts as external
// (`isExternalAgentURL`, handlers/ssrf.go: any host name but the platform's own `ws-<id>` names,
// or a public IP; not a loopback or private IP literal, unless the server runs with
// MOLECULE_A2A_ALWAYS_AUTH, and then best effort).
//
// Only the platform gets in, from the first request the agent answers (docs/security.md):
// - no POST runs a handler before the agent knows the platform's secret: until register (or the
//   first heartbeat) answers, a POST is held (at most HOLD_MS) and then refused `503` +
//   `Retry-After`, unless it carries the bearer of the secret a previous run stored;
// - once the secret is known, a POST with another bearer, or none, is refused `401` (constant
//   time) when the platform signs its pushes to this URL: its heartbeat said so (`generation`,
//   2026-07-26 on; stored, so a restart knows it at once), or a push carried the bearer; until the
//   first heartbeat says whether it does, such a POST is held, then refused `503`;
// - `requirePlatformBearer: true`: the bearer on every POST, whatever the URL (an IP literal
//   too); a platform that sends no secret fails the start (`checkHonoured`);
// - `requirePlatformBearer: false`: never checked (the path secret alone);
// - a platform that hands out no secret (before May 2026), or one that does but pushes without it
//   (May to June 2026), keeps working once it said so; so does an IP-literal URL the platform
//   pushes to without the bearer.
// The agent's store keeps the SHA-256 of the secret's header and whether the platform signs
// (`CursorState.platformPush`), never the secret. GETs (the card, the transcript the platform
// reads without a bearer) are left to the path secret; the chat-file routes check it themselves.
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  bearerDigest,
  classifyAddress,
  isIpLiteral,
  refusePlatformFetch,
  refusePlatformNode,
  verifyBearer,
  verifyBearerDigest,
  type PlatformAuthVerdict,
} from "../../a2a/index.js";
import type { PlatformPushRecord } from "../../inbound/index.js";
import { FILE_READ_SUFFIX, INGEST_SUFFIX } from "../../platform/index.js";
import type { AgentStateStore } from "../../store/index.js";
import { describe, type Logger, MoleculeError } from "../../transport/index.js";
import type { AgentPlatformClient } from "../types.js";

/** The longest a POST is held while the agent learns its platform's secret. */
const HOLD_MS = 5_000;

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

/** Options of {@link PlatformPushAuth}. */
export interface PlatformPushAuthOptions {
  /** The agent's client: `files.inboundSecret` and `files.signsPushes` as register and heartbeats set them. */
  client: Pick<AgentPlatformClient, "files">;
  /** Where what was learned is kept across restarts. */
  state: AgentStateStore;
  /**
   * `true`: the bearer on every POST; `false`: never; `undefined` (default): once the platform is
   * known to send it to this URL (see the file comment).
   */
  require: boolean | undefined;
  logger?: Logger | undefined;
  /** Aborted when the agent stops: a held POST is answered (`503`) at once. */
  signal?: AbortSignal | undefined;
}

/** A verdict of {@link PlatformPushAuth.verdict}: `wait` until the agent hears its platform. */
type Verdict = PlatformAuthVerdict | "wait";

/** What an agent knows about its platform's bearer, shared by all its push endpoints. */
export class PlatformPushAuth {
  readonly #o: PlatformPushAuthOptions;
  /** What a previous run stored (loaded by {@link open}). */
  #stored: PlatformPushRecord = {};
  #opened: Promise<void> | undefined;
  /** The platform answered register or a heartbeat in this run. */
  #heard = false;
  /** A heartbeat answered in this run: `files.signsPushes` says whether the platform signs. */
  #heartbeat = false;
  /** A push arrived with the valid bearer: the platform sends it to this agent. */
  #seen = false;
  /** The digest of the live secret, by its value (computed once per secret). */
  #live: { secret: string; digest: string } | undefined;
  /** The record last saved (or loaded): a save only when it changes. */
  #saved: PlatformPushRecord = {};
  /** Wakes the POSTs held while the agent learns (see {@link heard}). */
  #wake: { promise: Promise<void>; resolve: () => void } | undefined;
  #refused = 0;
  /**
   * The URL the agent registers for push delivery (set by its start): the URL of an endpoint that
   * does not know its own (a handler mounted without `publicUrl`).
   */
  registeredUrl: string | undefined;

  constructor(options: PlatformPushAuthOptions) {
    this.#o = options;
    options.signal?.addEventListener("abort", () => this.#wakeAll(), { once: true });
  }

  /** Loads what a previous run learned (once; a store that cannot be read keeps nothing). */
  open(): Promise<void> {
    this.#opened ??= this.#o.state.loadPlatformPush().then(
      (record) => {
        this.#stored = this.#saved = record ?? {};
      },
      (error: unknown) => {
        this.#opened = undefined;
        this.#o.logger?.warn?.("could not read what the agent learned about its platform", {
          error: describe(error),
        });
      },
    );
    return this.#opened;
  }

  /** The platform answered register or a heartbeat: what it said is now known (and kept). */
  heard(what: "register" | "heartbeat"): void {
    this.#heard = true;
    if (what === "heartbeat") this.#heartbeat = true;
    this.#save();
    this.#wakeAll();
  }

  /** Wakes the POSTs held while the agent learns. */
  #wakeAll(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.resolve();
  }

  /**
   * Throws when `requirePlatformBearer: true` cannot be honoured: the platform answered register
   * and the first heartbeat without a secret. On an IP-literal URL (which the platform signs only
   * with MOLECULE_A2A_ALWAYS_AUTH) the option is honoured, and the agent says what that means.
   */
  checkHonoured(url: string | undefined): void {
    if (this.#o.require !== true) return;
    if (!this.#o.client.files?.inboundSecret) {
      throw new MoleculeError(
        "delivery.requirePlatformBearer is true, but the platform sent no platform_inbound_secret with register or the first heartbeat (a platform older than May 2026, or a client without `files`), so no push could be told from a stranger's: upgrade the platform, or set requirePlatformBearer: false to rely on the path secret alone.",
        { code: "platform_bearer_unavailable", retryable: false },
      );
    }
    if (url !== undefined && !platformSendsBearer(url)) {
      this.#o.logger?.warn?.(
        "requirePlatformBearer: true on a URL the platform counts as internal (an IP literal such as 127.0.0.1 or a ws-<id> name): it sends its bearer there only when it runs with MOLECULE_A2A_ALWAYS_AUTH, and every push without it is refused (401); register a host-name URL (publicUrl) to receive pushes",
        { url: url.replace(/\/[^/]*$/, "/…") },
      );
    }
  }

  /** What to do with a POST to `url` carrying `authorization`, now. */
  verdict(url: string | undefined, authorization: string | null | undefined): Verdict {
    const require = this.#o.require;
    if (require === false) return "pass";
    const secret = this.#o.client.files?.inboundSecret;
    if (secret) {
      if (verifyBearer(authorization, secret)) {
        if (!this.#seen || this.#liveDigest(secret) !== this.#saved.bearer) {
          this.#seen = true;
          this.#save();
        }
        return "pass";
      }
      if (require === true || this.#seen) return "unauthorized";
      if (!platformSendsBearer(url)) return "pass";
      if (this.#signs()) return "unauthorized";
      return this.#heartbeat ? "pass" : "wait";
    }
    // No secret from the platform in this run (yet): only the bearer a previous run learned.
    const stored = this.#stored.bearer;
    if (stored !== undefined && verifyBearerDigest(authorization, stored)) return "pass";
    if (!this.#heard) return "wait";
    return require === true ? "unknown" : "pass"; // a platform that hands out no secret
  }

  /**
   * The verdict on a request: a POST the agent cannot judge yet is held until it can (at most
   * HOLD_MS, then refused `503`). The chat-file routes check the bearer themselves.
   */
  async judge(
    method: string | undefined,
    path: string,
    url: () => string | undefined,
    authorization: string | null | undefined,
  ): Promise<PlatformAuthVerdict> {
    if (this.#o.require === false) return "pass";
    if (method !== "POST" && !tasksRoute(method, path, url())) return "pass";
    if (path.endsWith(INGEST_SUFFIX) || path.endsWith(FILE_READ_SUFFIX)) return "pass";
    let verdict = this.verdict(url(), authorization);
    const deadline = performance.now() + HOLD_MS;
    while (verdict === "wait") {
      const left = deadline - performance.now();
      if (left <= 0 || this.#o.signal?.aborted === true || !(await this.#learned(left))) {
        verdict = this.verdict(url(), authorization);
        if (verdict === "wait") verdict = "unknown";
        break;
      }
      verdict = this.verdict(url(), authorization);
    }
    if (verdict !== "pass") this.#report(verdict);
    return verdict;
  }

  /** Whether the platform signs its pushes: its heartbeat said so, in this run or a stored one. */
  #signs(): boolean {
    if (this.#heartbeat) return this.#o.client.files?.signsPushes === true;
    return this.#o.client.files?.signsPushes === true || this.#stored.signs === true;
  }

  #liveDigest(secret: string): string {
    if (this.#live?.secret !== secret) this.#live = { secret, digest: bearerDigest(secret) };
    return this.#live.digest;
  }

  /** Keeps what is known now when it differs from what was kept (in the background). */
  #save(): void {
    const secret = this.#o.client.files?.inboundSecret;
    const bearer = secret ? this.#liveDigest(secret) : this.#stored.bearer;
    const signs = this.#signs() || this.#seen;
    if (bearer === this.#saved.bearer && signs === (this.#saved.signs === true)) return;
    const record: PlatformPushRecord = {
      ...(bearer !== undefined ? { bearer } : {}),
      ...(signs ? { signs: true } : {}),
    };
    this.#saved = record;
    this.#o.state.savePlatformPush(record).catch((error: unknown) => {
      this.#o.logger?.warn?.("could not keep what the agent learned about its platform", {
        error: describe(error),
      });
    });
  }

  /** Resolves `true` when the agent hears its platform within `ms`, else `false`. */
  async #learned(ms: number): Promise<boolean> {
    if (this.#wake === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#wake = { promise, resolve };
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<false>((r) => {
      timer = setTimeout(() => r(false), ms);
    });
    try {
      return await Promise.race([this.#wake.promise.then(() => true), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One line for the first refusal, then one per 100: a stranger's flood is not a log flood. */
  #report(verdict: "unauthorized" | "unknown"): void {
    if (this.#refused++ % 100 !== 0) return;
    this.#o.logger?.warn?.(
      verdict === "unknown"
        ? "refused a push (503, Retry-After) before the agent knew its platform's secret: register or the first heartbeat has not answered yet"
        : "refused a push without the platform's bearer: someone other than the platform called the push URL, or the platform's secret changed since the last heartbeat, or the platform is older than July 2026 and sends none (then set delivery.requirePlatformBearer: false)",
      { refused: this.#refused },
    );
  }
}

/** The bearer check of one push endpoint (its URL), over the agent's {@link PlatformPushAuth}. */
export class PlatformBearer {
  readonly #auth: PlatformPushAuth;
  readonly #url: () => string | undefined;

  /**
   * @param url the URL the agent registered (or will) for this endpoint; when it does not know
   *   one, the agent's registered push URL
   */
  constructor(auth: PlatformPushAuth, url: () => string | undefined) {
    this.#auth = auth;
    this.#url = () => url() ?? auth.registeredUrl;
  }

  /** Answers a refused node:http request (401 or 503, its body left unread); `true` when it did. */
  async handleNode(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const verdict = await this.#auth.judge(req.method, path, this.#url, req.headers.authorization);
    if (verdict === "pass") return false;
    refusePlatformNode(req, res, verdict);
    return true;
  }

  /** The refusal of a fetch request, else `undefined`. */
  async handleFetch(request: Request): Promise<Response | undefined> {
    const path = new URL(request.url).pathname;
    const auth = request.headers.get("authorization");
    const verdict = await this.#auth.judge(request.method, path, this.#url, auth);
    return verdict === "pass" ? undefined : refusePlatformFetch(verdict);
  }
}

/** The public documents below an endpoint: its agent card and the card's keys. */
const PUBLIC_SUFFIXES = [
  "/.well-known/agent-card.json",
  "/.well-known/agent.json",
  "/.well-known/jwks.json",
];

/**
 * Whether a request other than a POST reaches the endpoint's task state (a task read, a webhook
 * deleted over HTTP+JSON): any method but `OPTIONS` on a path below the endpoint `url` other than
 * its public card. The platform never sends these (it pushes with POST), so they need its bearer
 * too; a path elsewhere is left to routing (a wrong path stays 404).
 */
function tasksRoute(method: string | undefined, path: string, url: string | undefined): boolean {
  if (method === "OPTIONS" || url === undefined) return false;
  let endpoint: string;
  try {
    endpoint = new URL(url).pathname.replace(/\/+$/, "");
  } catch {
    return false;
  }
  if (path !== endpoint && !path.startsWith(`${endpoint}/`)) return false;
  return !PUBLIC_SUFFIXES.some((s) => path.endsWith(s));
}
