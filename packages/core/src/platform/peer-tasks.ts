// A peer's A2A tasks from the caller's side (`PlatformClient.peerTasks`): start a long task
// without waiting, stream a message's task, follow a running task, get, list and cancel tasks.
// Directly (`via: "direct"`: the binding and dialect the peer's card offers, JSON-RPC or
// HTTP+JSON, with no platform credential) or through the platform's proxy (the default: JSON-RPC
// only, since the proxy forwards JSON-RPC bodies, and without the A2A-Version header; it buffers
// answers, so a stream's events arrive together when the task stops, and its timeout applies).
// Answers are read in the SDK's v0.3 shapes whatever the peer speaks; their text is the peer's:
// apply `sanitizePeerText` before a model reads it. A stream is read in linear time under bounds
// (`a2a/sse.ts`: event and line size, stream size, deadline, idle gap); an event naming another
// task or context than the stream's refuses the stream (`peer_stream_foreign_task`), nothing
// is passed on after the task's terminal state or once the caller aborted, and a stream cut
// before the task's end resumes (`a2a/peer-stream-resume.ts`) or ends with `stream_cut`.
import {
  buildMessageSendRequest,
  peerInterfaceOf,
  peerRequest,
  peerResultOf,
  peerTaskOf,
  peerWireError,
  peerStreamLimits,
  resumingPeerEvents,
  taskFromV1,
  messageFromV1,
} from "../a2a/index.js";
import type {
  A2AMessage,
  A2AStreamEvent,
  A2ATask,
  PeerBinding,
  PeerOp,
  PeerStreamLimits,
  PeerTaskQuery,
} from "../a2a/index.js";
import { MoleculePeerError, redactDeep, redactText } from "../transport/index.js";
import type { HttpResponse } from "../transport/index.js";
import { invalid } from "./args.js";
import { fetchPeerCard, requestPeer } from "./direct.js";
import { clip, ok } from "./http-errors.js";
import { requireWorkspaceId as requireId } from "./ids.js";
import { postViaProxy, type PeerCallMessage } from "./peer-call.js";
import { peerFailure } from "./peer-result.js";
import { directPeerUrl } from "./peers.js";
import type { PlatformSession } from "./session.js";

/** Options of `PlatformClient.peerTasks`. */
export interface PeerTasksOptions {
  /** `"proxy"` (default): through the platform. `"direct"`: to the peer's URL, without any platform credential. */
  via?: "proxy" | "direct" | undefined;
  /** Deadline of each request in ms (of a stream's first byte); default the client's `peerTimeoutMs`. */
  timeoutMs?: number | undefined;
  /**
   * Bounds of each stream after its first byte (`stream`, `follow`): event size, stream size,
   * deadline and idle gap; by default 16 MiB, 256 MiB, 1 hour and 10 minutes.
   */
  streamLimits?: PeerStreamLimits | undefined;
}

/** Options of one call of {@link PeerTasks}. */
export interface PeerTaskCallOptions {
  signal?: AbortSignal | undefined;
}

/** Options of {@link PeerTasks.start} and {@link PeerTasks.stream}: the message's ids and metadata. */
export interface PeerTaskMessageOptions extends PeerTaskCallOptions {
  contextId?: string | undefined;
  /** Continue this task of the peer (e.g. answer its `input-required` question). */
  taskId?: string | undefined;
  messageId?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
}

/** A page of a peer's tasks (v1.0 `ListTasks`), most recently changed first. */
export interface PeerTaskPage {
  tasks: A2ATask[];
  /** Pass it as `pageToken` for the next page; `""` on the last one. */
  nextPageToken: string;
  totalSize: number;
}

/** See the file comment. Made by `PlatformClient.peerTasks(peerId, options)`. */
export class PeerTasks {
  /** The peer. */
  readonly peerId: string;
  readonly #s: PlatformSession;
  readonly #via: "proxy" | "direct";
  readonly #timeoutMs: number;
  readonly #limits: Required<PeerStreamLimits>;
  #direct: Promise<{ binding: PeerBinding; url: string }> | undefined;

  constructor(s: PlatformSession, peerId: string, options: PeerTasksOptions = {}) {
    this.peerId = requireId(peerId, "peerId");
    this.#s = s;
    this.#via = options.via === "direct" ? "direct" : "proxy";
    this.#timeoutMs = options.timeoutMs ?? s.peerTimeoutMs;
    this.#limits = peerStreamLimits(options.streamLimits);
    if (!(Number.isFinite(this.#timeoutMs) && this.#timeoutMs > 0)) {
      throw invalid(
        `peerTasks timeoutMs must be a positive number; got ${String(options.timeoutMs)}`,
      );
    }
  }

  /**
   * Sends a message without waiting for its task (a non-blocking send): the task as the peer
   * started it (follow it with {@link follow}, {@link get} or the peer's push notifications), or
   * the peer's message when it answered at once without a task.
   */
  async start(
    message: PeerCallMessage,
    options: PeerTaskMessageOptions = {},
  ): Promise<A2ATask | A2AMessage> {
    const result = await this.#call(
      { op: "send", message: this.#message(message, options), background: true },
      options,
    );
    const task = peerTaskOf(result);
    if (task !== undefined) return task;
    const m = (result as { message?: unknown })?.message ?? result;
    return messageFromV1(m);
  }

  /**
   * Sends a message and streams its task's events until the task stops: after a terminal state
   * (completed, canceled, failed, rejected) or a `final` event nothing more is read. A stream cut
   * before that (a proxy ending or resetting it) re-subscribes to the task by itself, with backoff,
   * within `signal` and the stream deadline, and passes on only what was not seen; a task that
   * finished meanwhile ends with its final state (`get`); one the peer will not let it follow
   * again ends with `stream_cut`. An event of another task or context refuses the stream
   * (`peer_stream_foreign_task`); so do the bounds of `streamLimits` (`sse_*` codes). Aborting
   * `signal` ends it at once.
   */
  stream(
    message: PeerCallMessage,
    options: PeerTaskMessageOptions = {},
  ): AsyncGenerator<A2AStreamEvent, void, undefined> {
    return this.#events({ op: "stream", message: this.#message(message, options) }, options);
  }

  /**
   * Follows a running task (v0.3 `tasks/resubscribe`, v1.0 `SubscribeToTask`): its state now, then
   * each change, until it stops; read as `stream` reads (a cut resumes; events of another task
   * refuse it).
   */
  follow(
    taskId: string,
    options: PeerTaskCallOptions = {},
  ): AsyncGenerator<A2AStreamEvent, void, undefined> {
    return this.#events({ op: "subscribe", taskId: requireId(taskId, "taskId") }, options);
  }

  /** A task of the peer (with at most `historyLength` messages of its history). */
  async get(
    taskId: string,
    options: PeerTaskCallOptions & { historyLength?: number } = {},
  ): Promise<A2ATask> {
    const op: PeerOp = {
      op: "get",
      taskId: requireId(taskId, "taskId"),
      historyLength: options.historyLength,
    };
    return this.#task(await this.#call(op, options), "get");
  }

  /** Cancels a task of the peer; resolves with its canceled state. */
  async cancel(taskId: string, options: PeerTaskCallOptions = {}): Promise<A2ATask> {
    return this.#task(
      await this.#call({ op: "cancel", taskId: requireId(taskId, "taskId") }, options),
      "cancel",
    );
  }

  /**
   * A page of the peer's tasks (v1.0 `ListTasks`), as the peer chooses to show them. A Molecule
   * push agent lists none (an empty page): the platform's proxy names no caller, so it cannot show
   * a caller its own tasks without showing every caller's. Keep the task ids your sends return
   * (`start`, `send`) and read each with {@link get}.
   */
  async list(query: PeerTaskQuery = {}, options: PeerTaskCallOptions = {}): Promise<PeerTaskPage> {
    const result = (await this.#call({ op: "list", query }, options)) as
      | Partial<PeerTaskPage>
      | undefined;
    return {
      tasks: Array.isArray(result?.tasks) ? result.tasks.map(taskFromV1) : [],
      nextPageToken: typeof result?.nextPageToken === "string" ? result.nextPageToken : "",
      totalSize: typeof result?.totalSize === "number" ? result.totalSize : 0,
    };
  }

  #message(message: PeerCallMessage, o: PeerTaskMessageOptions): A2AMessage {
    const input = typeof message === "string" ? { text: message } : (message ?? {});
    const req = buildMessageSendRequest({
      text: input.text,
      parts: input.parts,
      role: "user",
      messageId: o.messageId,
      contextId: o.contextId,
      taskId: o.taskId,
      metadata: { ...this.#s.senderHint, ...o.metadata },
    });
    if (req.params.message.parts.length === 0)
      throw invalid("peerTasks needs a non-empty message (text or parts)");
    return req.params.message;
  }

  #task(result: unknown, what: string): A2ATask {
    const task = peerTaskOf(result);
    if (task === undefined) throw this.#malformed(what);
    return task;
  }

  /** Where and how: the peer's card decides when direct; the proxy speaks JSON-RPC. */
  async #target(signal: AbortSignal | undefined): Promise<{ binding: PeerBinding; url?: string }> {
    if (this.#via === "proxy") {
      return {
        binding: { binding: "JSONRPC", version: this.#s.peers.knownProtocol(this.peerId) ?? "0.3" },
      };
    }
    this.#direct ??= (async () => {
      const url = await directPeerUrl(this.#s, this.peerId, signal);
      const card = await fetchPeerCard(this.#s.transport.dispatcher, url, {
        peerId: this.peerId,
        signal,
        timeoutMs: Math.min(5_000, this.#timeoutMs),
        userAgent: this.#s.userAgent,
      });
      return peerInterfaceOf(card, url) ?? { binding: { binding: "JSONRPC", version: "0.3" }, url };
    })();
    this.#direct.catch(() => (this.#direct = undefined));
    return await this.#direct;
  }

  async #send(
    op: PeerOp,
    signal: AbortSignal | undefined,
    timeoutMs = this.#timeoutMs,
  ): Promise<{ res: HttpResponse; binding: PeerBinding }> {
    const { binding, url } = await this.#target(signal);
    const req = peerRequest(binding, op);
    if (url === undefined) {
      const res = await postViaProxy(this.#s, this.peerId, req.body ?? "", timeoutMs, signal);
      return { res, binding };
    }
    const t = this.#s.transport;
    const res = await requestPeer(req.stream ? t.streamDispatcher : t.dispatcher, url, req, {
      peerId: this.peerId,
      signal,
      timeoutMs,
      userAgent: this.#s.userAgent,
      a2aVersion: req.a2aVersion,
    });
    return { res, binding };
  }

  /** One request answered as a whole: its result, or the typed error it names. */
  async #call(op: PeerOp, options: PeerTaskCallOptions, timeoutMs?: number): Promise<unknown> {
    const { res, binding } = await this.#send(op, options.signal, timeoutMs);
    this.#check(res);
    return peerResultOf(binding, res.body);
  }

  /** Throws the error an answer names (HTTP status, JSON-RPC or google.rpc.Status error). */
  #check(res: HttpResponse): void {
    const wire = res.stream === undefined ? peerWireError(res.body) : undefined;
    if (wire !== undefined && (wire.code !== undefined || ok(res.status)))
      throw this.#rpcError(wire, res);
    if (!ok(res.status)) throw peerFailure(this.#s, this.peerId, res, this.#via);
  }

  #rpcError(
    wire: { code: number | undefined; message: string },
    res?: HttpResponse,
  ): MoleculePeerError {
    const said = wire.message ? ` "${redactText(clip(wire.message), this.#s.known)}"` : "";
    return new MoleculePeerError(
      `peer ${this.peerId} answered A2A error ${wire.code ?? "(no code)"}${said}`,
      {
        peerId: this.peerId,
        code: "peer_rpc_error",
        ...(wire.code === undefined ? {} : { rpcCode: wire.code }),
        ...(res === undefined
          ? {}
          : { status: res.status, body: redactDeep(res.body, this.#s.known) }),
      },
    );
  }

  #malformed(what: string): MoleculePeerError {
    return new MoleculePeerError(`peer ${this.peerId} answered ${what} with no task`, {
      peerId: this.peerId,
      code: "peer_malformed_answer",
      retryable: false,
    });
  }

  /**
   * The events of a streamed answer (read whole when the proxy buffered it): only the stream's
   * task (the one asked for, else the first an event names) and context, up to its end; a cut
   * stream is resumed (a2a/peer-stream-resume.ts).
   */
  #events(
    op: PeerOp,
    options: PeerTaskCallOptions,
  ): AsyncGenerator<A2AStreamEvent, void, undefined> {
    const signal = options.signal;
    const taskId =
      op.op === "subscribe" ? op.taskId : op.op === "stream" ? op.message.taskId : undefined;
    return resumingPeerEvents({
      op,
      taskId,
      limits: this.#limits,
      signal,
      send: async (o, timeoutMs) => {
        const sent = await this.#send(o, signal, Math.min(timeoutMs, this.#timeoutMs));
        this.#check(sent.res);
        return sent;
      },
      rpcError: (wire) => this.#rpcError(wire),
      malformed: (what) => this.#malformed(what),
      foreign: (key, named, ours) =>
        new MoleculePeerError(
          `peer ${this.peerId} streamed an event of another ${key === "taskId" ? "task" : "context"} (${JSON.stringify(named.slice(0, 64))}, not ${JSON.stringify(ours.slice(0, 64))}); the stream was dropped`,
          { peerId: this.peerId, code: "peer_stream_foreign_task", retryable: false },
        ),
      getTask: async (id, timeoutMs) =>
        this.#task(
          await this.#call(
            { op: "get", taskId: id, historyLength: undefined },
            { signal },
            Math.min(timeoutMs, this.#timeoutMs),
          ),
          "get",
        ),
      cut: (id, why, retryable, cause) =>
        new MoleculePeerError(
          `the stream of ${id === undefined ? "a task" : `task ${JSON.stringify(id.slice(0, 64))}`} from peer ${this.peerId} was cut before the task ended ${why}; follow it again later (peerTasks(peerId).follow) or read it with get`,
          { peerId: this.peerId, code: "stream_cut", retryable, cause },
        ),
    });
  }
}
