// What the pieces of one PlatformClient share: the transport, the workspace token (loaded lazily
// from the token store), the peer cache, the capability probe, and the typed failures of calls
// about this workspace (a 401 or 410 caused by its removal becomes WorkspaceRemovedError).
import { utf8Text } from "../runtime/index.js";
import { derivePathSecret, verifyBearer } from "../a2a/index.js";
import type { Readable } from "node:stream";
import { isMoleculeError, type MoleculeError } from "../transport/index.js";
import { WorkspaceRemovedError } from "./errors.js";
import {
  DEFAULT_USER_AGENT,
  type HttpResponse,
  HttpTransport,
  type RequestSpec,
} from "../transport/index.js";
import type { Logger } from "../transport/index.js";
import { type ChunkedBody, chunksOf, redactDeep } from "../transport/index.js";
import type { z } from "zod";
import { expectShape, type Hints, httpError, ok } from "./http-errors.js";
import { invalid } from "./args.js";
import { requireWorkspaceId as requireId } from "./ids.js";
import { PeerCache } from "./peer-cache.js";
import type { TokenStore } from "./token-store.js";
import type { PlatformCapabilities, PlatformClientOptions } from "./types.js";

/** Codes of failed calls that say nothing of the path to the platform (see `#failed`). */
const NOT_THE_PATH: ReadonlySet<string> = new Set([
  "aborted",
  "rate_limited",
  "response_too_large",
  "invalid_argument",
  "module_unavailable",
]);

/** `encodeURIComponent`, short: every path segment built from input goes through it. */
export const enc = encodeURIComponent;

/** The capability probe's open event stream and the timer that closes it when nobody takes it. */
export interface SpareStream {
  body: ChunkedBody;
  timer: NodeJS.Timeout;
}

/** The shared state of one {@link PlatformClient}; internal, never exported from the package. */
export class PlatformSession {
  readonly workspaceId: string;
  /** The org id sent as `X-Molecule-Org-Id` (SaaS tenants), if any. */
  readonly orgId: string | undefined;
  readonly transport: HttpTransport;
  readonly logger: Logger | undefined;
  readonly peerTimeoutMs: number;
  readonly userAgent: string;
  readonly started = performance.now();
  /** Headers of calls made on this workspace's behalf. */
  readonly selfHeaders: Record<string, string>;
  /** Headers of peer calls through the platform proxy. */
  readonly selfPeerHeaders: Record<string, string>;
  /**
   * Message metadata naming this workspace as the sender. The platform proxy forwards no caller
   * identity to a push endpoint, so this is how the receiver can tell who (claims to have) sent
   * it: an unauthenticated hint, never an authorization.
   */
  readonly senderHint: Record<string, unknown>;
  readonly peers: PeerCache;
  /** The contract probe (cursors, poll delivery), once started (a failed probe is forgotten). */
  contract: Promise<Pick<PlatformCapabilities, "cursors" | "pollDelivery" | "compat">> | undefined;
  /** The capability probe with the event stream, once started (a failed probe is forgotten). */
  caps: Promise<PlatformCapabilities> | undefined;
  /** The probe's open event stream, until the next open takes it (see event-connection.ts). */
  spare: SpareStream | undefined;
  /** Whether the capability probe keeps the stream it opened (an agent with wake-ups asked). */
  keepProbeStream = false;
  /** Bytes per row of the last activity page read after a cursor (sizes the next page: activity.ts). */
  activityRowBytes: number | undefined;
  readonly #store: TokenStore | undefined;
  #token: string | undefined;
  #tokenLoaded: boolean;
  /** Whether a 401 re-reads the store (the token was not given inline): see {@link send}. */
  readonly #rereads: boolean;
  /** The store's read in flight after a 401 (concurrent 401s share it). */
  #rereading: Promise<string | undefined> | undefined;
  /** The last call's failure on the way to the platform, until a later call is answered. */
  pathFailure: MoleculeError | undefined;
  readonly #answered = (): void => {
    this.pathFailure = undefined;
  };

  constructor(options: PlatformClientOptions) {
    if (!options || typeof options !== "object")
      throw invalid("PlatformClient needs { platformUrl, workspaceId }");
    this.workspaceId =
      options.workspaceId === undefined || options.workspaceId === ""
        ? requireId(
            options.workspaceId,
            "workspaceId",
            "set MOLECULE_WORKSPACE_ID (or pass workspaceId) to the id the canvas or the platform emulator shows",
          )
        : requireId(options.workspaceId, "workspaceId");
    this.orgId = options.orgId || undefined;
    this.transport = new HttpTransport({
      baseUrl: options.platformUrl,
      getToken: () => this.#token,
      orgId: options.orgId,
      origin: options.origin,
      dispatcher: options.dispatcher,
      proxy: options.proxy,
      livenessDispatcher: options.livenessDispatcher,
      streamDispatcher: options.streamDispatcher,
      timeoutMs: options.timeoutMs,
      userAgent: options.userAgent,
      logger: options.logger,
      maxResponseBytes: options.maxResponseBytes,
    });
    this.#store = options.tokenStore;
    this.logger = options.logger;
    this.peerTimeoutMs = options.peerTimeoutMs ?? 120_000;
    this.peers = new PeerCache(options.peerCacheTtlMs ?? 300_000);
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    const token = options.token?.trim();
    this.#token = token || undefined;
    this.#tokenLoaded = this.#token !== undefined || this.#store === undefined;
    this.#rereads = this.#token === undefined && this.#store !== undefined;
    this.selfHeaders = { "x-workspace-id": this.workspaceId };
    this.selfPeerHeaders = {
      "x-workspace-id": this.workspaceId,
      "x-source-workspace-id": this.workspaceId,
    };
    this.senderHint = { molecule_source_workspace_id: this.workspaceId };
  }

  /** The token held now (after `ensureToken()` it includes a stored one). */
  get token(): string | undefined {
    return this.#token;
  }

  /** Whether `bearer` is the token held now (compared in constant time). */
  holds(bearer: string): boolean {
    return this.#token !== undefined && verifyBearer(`Bearer ${bearer}`, this.#token);
  }

  /** The push path secret derived from the token (see `PlatformClient.pushPathSecret`). */
  async pushPathSecret(): Promise<string | undefined> {
    await this.ensureToken();
    const token = this.#token;
    if (token === undefined) return undefined;
    return derivePathSecret(token, `molecule-push-path-secret:v1:${this.workspaceId}`);
  }

  /** The secrets to mask in anything built from a response. */
  get known(): string[] {
    return this.#token ? [this.#token] : [];
  }

  /** Loads the token from the store once, unless one was given. */
  async ensureToken(): Promise<void> {
    if (this.#tokenLoaded) return;
    const stored = await this.#store?.load();
    if (this.#token === undefined && stored) this.#token = stored;
    this.#tokenLoaded = true;
  }

  /** Saves `token` to the store, then uses it. */
  async setToken(token: string): Promise<void> {
    await this.#store?.save(token);
    this.#token = token;
    this.#tokenLoaded = true;
  }

  /**
   * Sends a platform request with the token (loaded first when a store holds it). When the token
   * came from the store (a token file), a `401` reads the store again: when it now holds another
   * token (an operator rotated the workspace's credentials and wrote the new one there), the
   * request is sent once more with it. Streams are not re-sent (their next open uses it).
   */
  send(spec: RequestSpec): Promise<HttpResponse> {
    const retry = this.#rereads && spec.auth !== false && !spec.stream;
    // No extra async hop on the hot path once the token is loaded: the outcome is watched beside it.
    const sent = this.#tokenLoaded
      ? retry
        ? this.#sendRereading(spec)
        : this.transport.send(spec)
      : this.ensureToken().then(() =>
          retry ? this.#sendRereading(spec) : this.transport.send(spec),
        );
    sent.then(this.#answered, (err: unknown) => this.#failed(err, spec.signal));
    return sent;
  }

  /**
   * Keeps a call's failure on the way to the platform as {@link pathFailure}: any typed error but
   * the caller's own abort and what never left this process (a spent rate budget, an oversized
   * answer it refused to read, a bad argument). An answer of any status clears it.
   */
  #failed(err: unknown, signal: AbortSignal | undefined): void {
    if (signal?.aborted || !isMoleculeError(err) || NOT_THE_PATH.has(err.code)) return;
    this.pathFailure = err;
  }

  async #sendRereading(spec: RequestSpec): Promise<HttpResponse> {
    const used = this.#token;
    const res = await this.transport.send(spec);
    if (res.status !== 401 || !(await this.#reread(used))) return res;
    return await this.transport.send(spec);
  }

  /**
   * After a 401 for token `used`: reads the store again and switches to the token it holds when
   * that differs; true when the request should be sent again. A store that cannot be read keeps
   * the 401 (its error is logged: the next 401 reads it again).
   */
  async #reread(used: string | undefined): Promise<boolean> {
    if (this.#token !== used) return this.#token !== undefined; // another call switched already
    let stored: string | undefined;
    try {
      stored = await (this.#rereading ??= (this.#store as TokenStore)
        .load()
        .finally(() => (this.#rereading = undefined)));
    } catch (err) {
      this.logger?.warn?.(
        "the platform rejected the workspace token (401), and the token store could not be read again",
        { error: (err as Error).message },
      );
      return false;
    }
    if (stored === undefined || stored === used) return false;
    if (this.#token === used) {
      this.#token = stored;
      this.logger?.info?.(
        "the platform rejected the workspace token (401): the token store holds a new one (rotated?); using it",
      );
    }
    return true;
  }

  /**
   * Sends a streamed request; an error status reads the (bounded) error body and raises the typed
   * error for `op`, so callers only ever get a successful stream.
   */
  async openStream(
    spec: RequestSpec,
    op: string,
  ): Promise<{ res: HttpResponse; stream: Readable }> {
    const res = await this.send(spec);
    const stream = res.stream as Readable;
    if (!ok(res.status)) throw await this.streamFail(res, chunksOf(stream), op, spec.signal);
    return { res, stream };
  }

  /**
   * The typed error of a streamed request's non-2xx answer `res`, read from its unread `body`
   * (at most 64 KiB); `signal` closes a body that never ends and rejects with its reason.
   */
  async streamFail(
    res: HttpResponse,
    body: ChunkedBody,
    op: string,
    signal?: AbortSignal,
  ): Promise<MoleculeError> {
    const text = await readErrorText(body, signal);
    if (signal?.aborted) throw signal.reason;
    const read = { ...res, body: parseMaybeJson(text) };
    // The path's answer (a front's redirect or page) is judged as every other answer is.
    this.transport.judge(op, read);
    return await this.selfFail(read, op, signal);
  }

  /** The typed error of a non-2xx answer to `op`. */
  fail(res: HttpResponse, op: string, hints?: Hints): MoleculeError {
    return httpError(res, op, this.known, hints, { orgId: this.orgId });
  }

  /** Validates a 2xx body against `schema` (see `expectShape`), masking this client's token. */
  expect<T>(
    schema: z.ZodType<T>,
    res: HttpResponse,
    op: string,
    opts?: { includeBody?: boolean },
  ): T {
    return expectShape(schema, res, op, this.known, opts);
  }

  /** Maps a self-scoped failure: a 401 caused by removal becomes {@link WorkspaceRemovedError}. */
  async selfFail(
    res: HttpResponse,
    op: string,
    signal?: AbortSignal,
    hints?: Hints,
  ): Promise<MoleculeError> {
    if (res.status === 410) return this.removedError(op, res);
    if (res.status === 401 && (await this.isRemoved(signal))) return this.removedError(op, res);
    return this.fail(res, op, hints);
  }

  /** On a 401 for this workspace, checks whether the workspace was removed. */
  async isRemoved(signal?: AbortSignal): Promise<boolean> {
    try {
      const res = await this.transport.send({
        method: "GET",
        path: `/workspaces/${enc(this.workspaceId)}`,
        auth: false,
        signal,
        retry: false,
        liveness: true,
      });
      if (res.status === 410) return true;
      if (res.status === 404) return false;
      const body = res.body as { status?: unknown } | undefined;
      return ok(res.status) && body?.status === "removed";
    } catch {
      return false;
    }
  }

  removedError(op: string, res?: HttpResponse): WorkspaceRemovedError {
    return new WorkspaceRemovedError(
      `workspace ${this.workspaceId} was removed from the platform (${op}); stop this agent, or create a new workspace and register again`,
      {
        workspaceId: this.workspaceId,
        status: res?.status,
        body: res ? redactDeep(res.body, this.known) : undefined,
      },
    );
  }
}

/** The most of a streamed request's error body that is read (the rest is not waited for). */
const MAX_ERROR_BODY = 65_536;

/**
 * Reads an error body, at most 64 KiB (then the body is closed); `signal` closes it too (a body
 * that never ends must not hold the open, nor the connection).
 */
function readErrorText(body: ChunkedBody, signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const close = (): void => body.close();
    signal?.addEventListener("abort", close, { once: true });
    const done = (): void => {
      signal?.removeEventListener("abort", close);
      resolve(utf8Text(chunks).slice(0, MAX_ERROR_BODY));
    };
    body.read({
      data(chunk) {
        if (size >= MAX_ERROR_BODY) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_ERROR_BODY) body.close();
      },
      end: done,
    });
    if (signal?.aborted) body.close(); // aborted before the listener was added
  });
}

/** A body as JSON when it parses, else the text (`undefined` when empty). */
function parseMaybeJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
