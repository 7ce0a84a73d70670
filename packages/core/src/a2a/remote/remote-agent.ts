// Any A2A agent by URL (`RemoteA2AAgent`): its card discovered and optionally verified, the
// binding and dialect it offers (JSON-RPC v0.3 or v1.0, HTTP+JSON v1.0: peer-wire.ts; gRPC v1.0
// with a transport the caller brings: grpc-binding.ts), the caller's credentials sent only for
// the schemes its card declares (security.ts), every connection
// through the SSRF rule of push webhooks (address-guard.ts), every answer bounded (http.ts, the
// peer stream bounds of sse.ts). It has no platform credential to send: it never sees one.
// Answers are the agent's, untrusted: a model reads them through `sanitizePeerText` and
// `spotlightPeerText` (the adapters' `a2aAgentTool` does).
import { randomUUID } from "../../runtime/index.js";
import {
  MoleculeError,
  MoleculePeerError,
  redactDeep,
  redactText,
  withTraceHeaders,
} from "../../transport/index.js";
import type { HttpResponse, TlsParty } from "../../transport/index.js";
import type { CardKeyResolver, VerifiedAgentCard } from "../card-signature.js";
import { verifyAgentCard } from "../card-signature.js";
import { messageFromV1 } from "../from-v1.js";
import { resumingPeerEvents } from "../peer-stream-resume.js";
import type { A2AStreamEvent } from "../from-v1.js";
import { buildMessageSendRequest, summarizeA2AResult } from "../outbound.js";
import {
  peerInterfaceOf,
  peerRequest,
  peerResultOf,
  peerTaskOf,
  peerWireError,
} from "../peer-wire.js";
import type { PeerBinding, PeerOp } from "../peer-wire.js";
import { peerStreamLimits } from "../sse.js";
import type { PeerStreamLimits } from "../sse.js";
import type { A2AMessage, A2ATask, AgentCard } from "../types.js";
import { AddressGuard } from "./address-guard.js";
import { cardCandidates, discoverCard } from "./card-discovery.js";
import { grpcInterfaceOf, grpcRequest } from "./grpc-binding.js";
import type { A2AGrpcTransport, GrpcInterface } from "./grpc-binding.js";
import type {
  RemoteA2AAgentOptions,
  RemoteA2AMessage,
  RemoteA2AResult,
  RemoteA2ASendOptions,
} from "./remote-types.js";
import { remoteRequest, targetUrl } from "./http.js";
import { applyCredentials, declaredSchemes } from "./security.js";
import type { AppliedCredentials } from "./security.js";

/** Largest answer read from a remote agent by default: 16 MiB (as a peer's, `MAX_PEER_RESPONSE_BYTES`). */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** The agent, as the fix of a TLS failure names it: the option holding the URL it was reached at. */
const URL_OPTION: TlsParty = { name: "the agent", url: "RemoteA2AAgent's url" };
const CARD_URL: TlsParty = { name: "the agent", url: "RemoteA2AAgent's cardUrl" };

/** One connected agent: where it is called, how, and with which credentials. */
interface Connection {
  card: AgentCard;
  binding: PeerBinding;
  url: string;
  credentials: AppliedCredentials;
  verified: VerifiedAgentCard | undefined;
  /** The gRPC interface, when the agent is called over gRPC. */
  grpc?: GrpcInterface | undefined;
}

function invalid(message: string): MoleculeError {
  return new MoleculeError(message, { code: "invalid_argument", retryable: false });
}

function httpUrl(raw: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(`RemoteA2AAgent: ${what} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw invalid(`RemoteA2AAgent: ${what} must be an http(s) URL; got ${url.protocol}`);
  if (url.username || url.password)
    throw invalid(`RemoteA2AAgent: ${what} must not hold credentials; pass them as credentials`);
  return url;
}

/**
 * An A2A agent anywhere, by URL: send it a message and wait for the answer, stream a message's
 * task, start a long task and follow, get or cancel it. See the file comment for what it checks.
 * `connect()` reads (and verifies) the card; every call connects first when needed.
 */
export class RemoteA2AAgent {
  /** The agent's origin, as errors name it (its path may be a secret). */
  readonly origin: string;
  readonly #url: URL | undefined;
  readonly #cardUrl: URL | undefined;
  readonly #credentials: Readonly<Record<string, string | undefined>>;
  readonly #secrets: string[];
  readonly #verify: CardKeyResolver | undefined;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #limits: Required<PeerStreamLimits>;
  readonly #userAgent: string;
  readonly #guard: AddressGuard;
  readonly #grpc: A2AGrpcTransport | undefined;
  #connection: Promise<Connection> | undefined;
  #connected: Connection | undefined;

  constructor(options: RemoteA2AAgentOptions) {
    if (options?.url === undefined && options?.cardUrl === undefined)
      throw invalid("RemoteA2AAgent needs url (the agent's URL) or cardUrl (its card's URL)");
    this.#url = options.url === undefined ? undefined : httpUrl(options.url, "url");
    this.#cardUrl = options.cardUrl === undefined ? undefined : httpUrl(options.cardUrl, "cardUrl");
    this.origin = (this.#url ?? this.#cardUrl)!.origin;
    this.#credentials = { ...options.credentials };
    this.#secrets = Object.values(this.#credentials).filter(
      (v): v is string => typeof v === "string" && v !== "",
    );
    this.#verify = options.verifyCard;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    if (!(Number.isFinite(this.#timeoutMs) && this.#timeoutMs > 0))
      throw invalid(
        `RemoteA2AAgent timeoutMs must be a positive number; got ${String(options.timeoutMs)}`,
      );
    this.#maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    if (!(Number.isInteger(this.#maxBytes) && this.#maxBytes > 0))
      throw invalid("RemoteA2AAgent maxResponseBytes must be a positive integer");
    this.#limits = peerStreamLimits(options.streamLimits);
    this.#userAgent = options.userAgent ?? "molecule-agent-core";
    this.#guard = new AddressGuard(options.allowPrivateNetwork === true);
    this.#grpc = options.grpc;
    // Refuse a private IP literal at once (a host name is checked on every connection).
    this.#guard.check(this.#url ?? this.#cardUrl!);
  }

  /**
   * Reads the agent's card (and verifies it with `verifyCard`), once; resolves with it. Throws
   * `a2a_address_refused`, a `tls_*` code (its certificate), `a2a_card_unavailable`,
   * `card_signature_invalid`, or `a2a_binding_unsupported` (a card offering neither JSON-RPC nor
   * HTTP+JSON, nor gRPC with `grpc`).
   */
  async connect(options: { signal?: AbortSignal | undefined } = {}): Promise<AgentCard> {
    return (await this.#connect(options.signal)).card;
  }

  /** The card, once connected (`undefined` before). */
  get card(): AgentCard | undefined {
    return this.#connected?.card;
  }

  /** The card's name once connected, else the agent's origin. */
  get name(): string {
    const n = this.#connected?.card.name;
    return typeof n === "string" && n !== "" ? n : this.origin;
  }

  /** The verified signature's header, once connected with `verifyCard`. */
  get verified(): VerifiedAgentCard | undefined {
    return this.#connected?.verified;
  }

  /** The names of the card's schemes whose credentials are sent, once connected. */
  get credentialSchemes(): readonly string[] {
    return this.#connected?.credentials.schemes ?? [];
  }

  /** How the agent is called, once connected: the binding and A2A version its card offers. */
  get binding(): { binding: "JSONRPC" | "HTTP+JSON" | "GRPC"; version: "0.3" | "1.0" } | undefined {
    const c = this.#connected;
    return c?.grpc ? { binding: "GRPC", version: "1.0" } : c?.binding;
  }

  /** The connection (the card read once); a first read waits at most `timeoutMs`. */
  #connect(signal: AbortSignal | undefined, timeoutMs = this.#timeoutMs): Promise<Connection> {
    this.#connection ??= (async () => {
      const given = this.#cardUrl !== undefined;
      const found = await discoverCard(
        this.#guard,
        given ? [this.#cardUrl!.href] : cardCandidates(this.#url!.href),
        {
          who: this.origin,
          party: given ? CARD_URL : URL_OPTION,
          given,
          signal,
          timeoutMs,
          userAgent: this.#userAgent,
        },
      );
      const card = found.card;
      const verified = this.#verify ? await verifyAgentCard(card, this.#verify) : undefined;
      const registered =
        this.#url?.href ?? (typeof card["url"] === "string" ? card["url"] : found.url);
      const iface = peerInterfaceOf(
        card,
        new URL(registered).origin === this.origin ? registered : this.origin,
      );
      const grpc = iface === undefined ? grpcInterfaceOf(card, this.origin) : undefined;
      if (iface === undefined && (grpc === undefined || this.#grpc === undefined)) {
        throw new MoleculeError(
          `the agent card at ${this.origin} offers neither JSON-RPC nor HTTP+JSON (A2A 0.3 or 1.0)${grpc ? ": it offers gRPC, which this client speaks with the option grpc: a2aGrpcTransport() of @molecule-ai/grpc" : ", nor gRPC (A2A 1.0)"}`,
          { code: "a2a_binding_unsupported", retryable: false },
        );
      }
      const untrusted = new Set(verified?.unsignedSecuritySchemes ?? []);
      const credentials = applyCredentials(card, this.#credentials, untrusted, {
        query: grpc === undefined,
      });
      const c: Connection = {
        card: card as unknown as AgentCard,
        // Over gRPC, requests and answers are the HTTP+JSON binding's messages (grpc-binding.ts).
        binding: iface?.binding ?? { binding: "HTTP+JSON", version: "1.0" },
        url: iface?.url ?? this.origin,
        credentials,
        verified,
        grpc,
      };
      this.#connected = c;
      return c;
    })();
    this.#connection.catch(() => (this.#connection = undefined));
    return this.#connection;
  }

  /**
   * Sends a message and waits for the answer (a blocking send): its state (`completed`,
   * `input-required`, `working`, `failed`), text, parts and artifacts, and the task and context
   * to continue it with. A failed call throws a `MoleculePeerError` (`peer_unreachable`, a `tls_*`
   * code, `peer_timeout`, `peer_rpc_error`, `peer_unauthorized`, `peer_error`...).
   */
  async send(
    message: RemoteA2AMessage,
    options: RemoteA2ASendOptions = {},
  ): Promise<RemoteA2AResult> {
    const msg = this.#message(message, options);
    const { res, binding } = await this.#send(
      { op: "send", message: msg, background: false },
      options.signal,
      options.timeoutMs,
    );
    this.#check(res, binding);
    const result = peerResultOf(binding, res.body);
    const summary = summarizeA2AResult(result);
    if (summary === undefined) throw this.#malformed("the message");
    return { ...summary, messageId: msg.messageId, protocol: binding.version, raw: result };
  }

  /**
   * Sends a message without waiting for its task: the task as the agent started it (follow it,
   * get it or cancel it by id), or the agent's message when it answered at once.
   */
  async start(
    message: RemoteA2AMessage,
    options: RemoteA2ASendOptions = {},
  ): Promise<A2ATask | A2AMessage> {
    const result = await this.#call(
      { op: "send", message: this.#message(message, options), background: true },
      options.signal,
    );
    const task = peerTaskOf(result);
    if (task !== undefined) return task;
    return messageFromV1((result as { message?: unknown })?.message ?? result);
  }

  /**
   * Sends a message and streams its task's events until the task stops (a terminal state or a
   * `final` event). A stream cut before that re-subscribes by itself (with backoff, within
   * `signal` and the stream deadline) and passes on only what was not seen; a task that finished
   * meanwhile ends with its final state (`getTask`); one the agent will not let it follow again
   * ends with `stream_cut`. An event of another task or context refuses the stream
   * (`peer_stream_foreign_task`); so do the stream bounds (`sse_*` codes).
   */
  stream(
    message: RemoteA2AMessage,
    options: RemoteA2ASendOptions = {},
  ): AsyncGenerator<A2AStreamEvent, void, undefined> {
    const msg = this.#message(message, options);
    return this.#events({ op: "stream", message: msg }, msg.taskId, options.signal);
  }

  /**
   * Follows a running task (v0.3 `tasks/resubscribe`, v1.0 `SubscribeToTask`) until it stops; a
   * cut resumes as in {@link RemoteA2AAgent.stream}.
   */
  follow(
    taskId: string,
    options: { signal?: AbortSignal | undefined } = {},
  ): AsyncGenerator<A2AStreamEvent, void, undefined> {
    const id = this.#id(taskId);
    return this.#events({ op: "subscribe", taskId: id }, id, options.signal);
  }

  /** A task of the agent (with at most `historyLength` messages of its history). */
  async getTask(
    taskId: string,
    options: { signal?: AbortSignal | undefined; historyLength?: number } = {},
  ): Promise<A2ATask> {
    const op: PeerOp = {
      op: "get",
      taskId: this.#id(taskId),
      historyLength: options.historyLength,
    };
    return this.#task(await this.#call(op, options.signal), "get");
  }

  /** Cancels a task of the agent; resolves with its state after the cancel. */
  async cancelTask(
    taskId: string,
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<A2ATask> {
    return this.#task(
      await this.#call({ op: "cancel", taskId: this.#id(taskId) }, options.signal),
      "cancel",
    );
  }

  /** Closes the connections to the agent (not the `grpc` transport's: close it yourself). */
  async close(): Promise<void> {
    await this.#guard.close();
  }

  #id(taskId: string): string {
    if (typeof taskId !== "string" || taskId === "")
      throw invalid("RemoteA2AAgent: taskId must be a non-empty string");
    return taskId;
  }

  #message(message: RemoteA2AMessage, o: RemoteA2ASendOptions): A2AMessage {
    const input = typeof message === "string" ? { text: message } : (message ?? {});
    const req = buildMessageSendRequest({
      text: input.text,
      parts: input.parts,
      role: "user",
      messageId: o.messageId ?? randomUUID(),
      contextId: o.contextId,
      taskId: o.taskId,
      metadata: o.metadata,
    });
    if (req.params.message.parts.length === 0)
      throw invalid("RemoteA2AAgent needs a non-empty message (text or parts)");
    return req.params.message;
  }

  async #send(
    op: PeerOp,
    signal: AbortSignal | undefined,
    timeoutMs = this.#timeoutMs,
  ): Promise<{ res: HttpResponse; binding: PeerBinding }> {
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0))
      throw invalid(`RemoteA2AAgent timeoutMs must be a positive number; got ${String(timeoutMs)}`);
    const c = await this.#connect(signal, timeoutMs);
    if (c.grpc !== undefined) {
      const res = await grpcRequest(this.#grpc!, this.#guard, c.grpc, op, {
        who: this.origin,
        // The active span's trace context rides the metadata too (the same W3C keys as HTTP's).
        metadata: withTraceHeaders({ ...c.credentials.headers }),
        userAgent: this.#userAgent,
        timeoutMs,
        maxBytes: this.#maxBytes,
        signal,
      });
      return { res, binding: c.binding };
    }
    const req = peerRequest(c.binding, op);
    const url = targetUrl(c.url, req.path, c.credentials.query);
    const res = await remoteRequest(this.#guard, url, req, {
      who: this.origin,
      party: this.#url ? URL_OPTION : CARD_URL,
      signal,
      timeoutMs,
      userAgent: this.#userAgent,
      a2aVersion: req.a2aVersion,
      maxBytes: this.#maxBytes,
      headers: c.credentials.headers,
    });
    return { res, binding: c.binding };
  }

  async #call(op: PeerOp, signal: AbortSignal | undefined): Promise<unknown> {
    const { res, binding } = await this.#send(op, signal);
    this.#check(res, binding);
    return peerResultOf(binding, res.body);
  }

  #task(result: unknown, what: string): A2ATask {
    const task = peerTaskOf(result);
    if (task === undefined) throw this.#malformed(what);
    return task;
  }

  /** Throws the error an answer names (HTTP status, JSON-RPC or google.rpc.Status error). */
  #check(res: HttpResponse, _binding: PeerBinding): void {
    const ok = res.status >= 200 && res.status < 300;
    const wire = res.stream === undefined ? peerWireError(res.body) : undefined;
    if (wire !== undefined && (wire.code !== undefined || ok)) throw this.#rpcError(wire, res);
    if (ok) return;
    const status = res.status;
    const body = redactDeep(res.body, this.#secrets);
    if (status === 401 || status === 403) {
      const asked = declaredSchemes(this.#connected?.card);
      const sent = this.#connected?.credentials.schemes ?? [];
      throw new MoleculePeerError(
        `the A2A agent at ${this.origin} refused the request (HTTP ${status}): its card declares the security schemes [${asked.join(", ")}], credentials were sent for [${sent.join(", ")}]; pass RemoteA2AAgent credentials keyed by one of the declared scheme names`,
        { peerId: this.origin, code: "peer_unauthorized", status, retryable: false, body },
      );
    }
    throw new MoleculePeerError(`the A2A agent at ${this.origin} answered HTTP ${status}`, {
      peerId: this.origin,
      code: status === 429 ? "rate_limited" : status === 504 ? "peer_timeout" : "peer_error",
      status,
      retryable: status >= 500 || status === 429,
      body,
    });
  }

  #rpcError(
    wire: { code: number | undefined; message: string },
    res?: HttpResponse,
  ): MoleculePeerError {
    const said = wire.message ? ` "${redactText(wire.message.slice(0, 500), this.#secrets)}"` : "";
    return new MoleculePeerError(
      `the A2A agent at ${this.origin} answered A2A error ${wire.code ?? "(no code)"}${said}`,
      {
        peerId: this.origin,
        code: "peer_rpc_error",
        ...(wire.code === undefined ? {} : { rpcCode: wire.code }),
        ...(res === undefined
          ? {}
          : { status: res.status, body: redactDeep(res.body, this.#secrets) }),
      },
    );
  }

  #malformed(what: string): MoleculePeerError {
    return new MoleculePeerError(
      `the A2A agent at ${this.origin} answered ${what} with no A2A result`,
      {
        peerId: this.origin,
        code: "peer_malformed_answer",
        retryable: false,
      },
    );
  }

  /**
   * The events of a streamed answer: only the stream's task and context, up to its end; a cut
   * stream is resumed (peer-stream-resume.ts).
   */
  #events(
    op: PeerOp,
    taskId: string | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<A2AStreamEvent, void, undefined> {
    return resumingPeerEvents({
      op,
      taskId,
      limits: this.#limits,
      signal,
      send: async (o, timeoutMs) => {
        const sent = await this.#send(o, signal, Math.min(timeoutMs, this.#timeoutMs));
        this.#check(sent.res, sent.binding);
        return sent;
      },
      rpcError: (wire) => this.#rpcError(wire),
      malformed: (what) => this.#malformed(what),
      foreign: (key) =>
        new MoleculePeerError(
          `the A2A agent at ${this.origin} streamed an event of another ${key === "taskId" ? "task" : "context"}; the stream was dropped`,
          { peerId: this.origin, code: "peer_stream_foreign_task", retryable: false },
        ),
      getTask: async (id, timeoutMs) => {
        const op: PeerOp = { op: "get", taskId: id, historyLength: undefined };
        const { res, binding } = await this.#send(op, signal, Math.min(timeoutMs, this.#timeoutMs));
        this.#check(res, binding);
        return this.#task(peerResultOf(binding, res.body), "get");
      },
      cut: (id, why, retryable, cause) =>
        new MoleculePeerError(
          `the stream of ${id === undefined ? "a task" : `task ${JSON.stringify(id.slice(0, 64))}`} from the A2A agent at ${this.origin} was cut before the task ended ${why}; follow the task again later (RemoteA2AAgent.follow) or read it with getTask`,
          { peerId: this.origin, code: "stream_cut", retryable, cause },
        ),
    });
  }
}
