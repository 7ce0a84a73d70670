// Types of the RemoteAgent runtime.
import type { AgentCard, AnswerFailure, AnswerTask, A2APart } from "../a2a/index.js";
import type { Backfill, CursorStore, InboundMessage } from "../inbound/index.js";
import type { Logger } from "../transport/index.js";
import type { HeartbeatLateWarning } from "../events/index.js";
import type { ActivityReport, ActivityRows } from "../platform/index.js";
import type { EventStreamBody, HeartbeatReport } from "../platform/index.js";
import type { PeerCallOptions, PeerCallResult } from "../platform/index.js";
import type { AgentEndReason, AgentEvent, AgentEventMap } from "../events/index.js";
import type { AgentStore } from "../store/index.js";
import type { PendingUploads } from "../files/index.js";

/** A peer message: text, or parts. */
export type PeerMessage = string | { text?: string; parts?: A2APart[] | unknown[] };

/** Options of `RemoteAgent#callPeer`: those of `PlatformClient#callPeer`, plus awaiting. */
export interface AgentCallOptions extends PeerCallOptions {
  /**
   * Wait for the answer of a peer the platform queued the message for (poll delivery): it arrives
   * in this agent's inbox and resolves the call instead of reaching the handler. Default: true
   * while the agent runs with a delivery (before `start()`, or with delivery `"none"`, no answer
   * can arrive: the receipt is returned); `false` returns the `{ status: "queued" }` receipt at
   * once; `true` when the agent cannot receive throws before sending.
   */
  awaitReply?: boolean | undefined;
  /**
   * Deadline of the whole call, answer included (default 120 000 ms). When it passes while
   * waiting, a `MoleculeReplyTimeoutError` carrying the receipt is thrown.
   */
  timeoutMs?: number | undefined;
}

/** Settings of the per-conversation turn limit. */
export interface TurnLimitOptions {
  /** Messages from one peer in one `contextId` handled within `windowMs` (default 10; 0 = off). */
  maxTurns?: number;
  /** The sliding window in ms (default 600 000: 10 minutes). */
  windowMs?: number;
}

/**
 * The platform calls the runtime makes. `PlatformClient` satisfies it; tests may pass a fake.
 * `openEventStream` is optional: without it, event wake-ups are off and polling alone delivers.
 */
export interface AgentPlatformClient {
  readonly workspaceId: string;
  register(opts: {
    url?: string;
    agentCard: AgentCard;
    deliveryMode?: "push" | "poll";
    signal?: AbortSignal;
  }): Promise<{ deliveryMode?: "push" | "poll"; inboundSecret?: string }>;
  heartbeat(report?: HeartbeatReport, opts?: { signal?: AbortSignal }): Promise<void>;
  getState(opts?: {
    signal?: AbortSignal;
  }): Promise<{ status: string; paused: boolean; removed: boolean }>;
  /**
   * The poll fetch, one of three (the first present is used): `fetchActivityRows` (wire rows, as
   * `PlatformClient` reads them; parsed by inbound/), `fetchActivity` (parsed messages with the
   * cursor past notify echoes, whether more rows are waiting, and whether the baseline platform's
   * window left a gap) or `fetchInbound` (messages only).
   */
  fetchActivityRows?(opts?: {
    sinceId?: string;
    sinceSecs?: number;
    limit?: number;
    /** The activity type (default `a2a_receive`; the agent reads its checkpoint as `agent_log`). */
    type?: string;
    signal?: AbortSignal;
  }): Promise<ActivityRows>;
  fetchInbound?(opts?: {
    sinceId?: string;
    limit?: number;
    signal?: AbortSignal;
  }): Promise<InboundMessage[]>;
  /** Acknowledges activity up to row `seq` once settled (optional; `false`: no such route). */
  ackActivity?(seq: number, opts?: { signal?: AbortSignal }): Promise<boolean>;
  fetchActivity?(opts?: {
    sinceId?: string;
    sinceSecs?: number;
    limit?: number;
    signal?: AbortSignal;
  }): Promise<{
    messages: InboundMessage[];
    nextCursor: string | undefined;
    hasMore?: boolean;
    gap?: boolean;
  }>;
  /**
   * Sends an answer; `messageId` is the answer's fixed id (resends reuse it); `task` the agent's
   * task it belongs to (a client that drops it answers a question as a plain message); `failure`
   * marks the answer that says the message was dead-lettered unanswered; `timeoutMs` bounds one
   * attempt (the reply outbox's `replyTimeoutMs`).
   */
  reply(
    inbound: InboundMessage,
    text: string,
    opts?: {
      signal?: AbortSignal;
      messageId?: string;
      task?: AnswerTask;
      failure?: AnswerFailure;
      timeoutMs?: number;
    },
  ): Promise<void>;
  /**
   * Adds a row to this workspace's activity log: the agent reports each dead letter there (an
   * `error` row naming the message), so the canvas shows it. Optional: without it, nothing is sent.
   */
  reportActivity?(
    report: ActivityReport,
    opts?: { signal?: AbortSignal; timeoutMs?: number; background?: boolean },
  ): Promise<void>;
  /** Sends a message to a peer (needed by `RemoteAgent#callPeer`). */
  callPeer?(
    peerId: string,
    message: PeerMessage,
    options?: PeerCallOptions,
  ): Promise<PeerCallResult>;
  /** `events: false`: the agent will not open the event stream (the check may be skipped). */
  capabilities(opts?: { signal?: AbortSignal; events?: boolean }): Promise<{
    pollDelivery: boolean;
    eventStream: boolean;
    cursors?: boolean;
    /** Why the event-stream probe failed, when it failed rather than answered. */
    eventStreamError?: string;
  }>;
  /** The push path secret to use when none is configured (stable across restarts). */
  pushPathSecret?(): Promise<string | undefined>;
  /** This workspace as the platform holds it: push delivery checks the registered `url`. */
  getWorkspace?(): Promise<{ url?: string | null | undefined }>;
  /**
   * Chat files (`PlatformClient.files`): a polled canvas upload's bytes and acknowledgement, and
   * the inbound secret that authenticates the platform's file forwards to a push agent. Without
   * it, polled uploads are not in `msg.files` and the push ingest route refuses every request.
   */
  readonly files?:
    | (PendingUploads & {
        readonly inboundSecret?: string | undefined;
        readonly signsPushes?: boolean | undefined;
      })
    | undefined;
  openEventStream?(opts?: {
    signal?: AbortSignal;
  }): Promise<EventStreamBody | { body: EventStreamBody }>;
}

/** What a handler receives besides the message. */
export interface HandlerContext<C = AgentPlatformClient> {
  /**
   * This message's own signal: aborted when the agent stops and the drain timeout has passed, or
   * (push) when the message's A2A task is canceled (`tasks/cancel`, on any replica of a shared
   * store; reason code `task_canceled`). A canceled message's answer is dropped, never sent.
   */
  signal: AbortSignal;
  /** The platform client (call peers, notify, ...). */
  client: C;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
  /**
   * True when a previous run of this agent may already have handled this message (it was in flight
   * when that run crashed or was killed). Make the handler's side effects idempotent on
   * `msg.messageId ?? msg.activityId` when this is true.
   */
  redelivered: boolean;
  /** How the message arrived. */
  delivery: "poll" | "push";
  logger: Logger;
  /**
   * The agent's `callPeer`, continuing this message's conversation (its `contextId`, unless you
   * pass one, or a `taskId`: a peer's task continues in the task's own conversation), so the turn
   * limit sees handlers that call each other.
   */
  callPeer(
    peerId: string,
    message: PeerMessage,
    options?: AgentCallOptions,
  ): Promise<PeerCallResult>;
}

/**
 * The user's message handler: return a string to reply, nothing to stay silent. For an answer
 * (`msg.isReply`) the return value is never sent: answers are not answered.
 */
export type InboundHandler<C = AgentPlatformClient> = (
  msg: InboundMessage,
  ctx: HandlerContext<C>,
) => string | void | Promise<string | void>;

export type { AgentDeliveryMode, AgentEndReason } from "../events/index.js";

/** Push delivery settings. */
export interface PushDeliveryOptions {
  mode: "push";
  /**
   * Start a server (default true). With `false`, mount `agent.handleA2A` in your own HTTP server
   * and pass the URL it is reachable at as `publicUrl`.
   */
  server?: boolean;
  /**
   * Bind address of the built-in server (default "127.0.0.1"). A loopback or wildcard bind is
   * registered as `http://localhost:<port>/<secret>`: the platform refuses IP-literal URLs.
   */
  host?: string;
  /** Port of the built-in server (default 0: a free port). */
  port?: number;
  /**
   * The URL the platform should call, when it differs from the bound address (reverse proxy,
   * tunnel). With the built-in server the secret path segment is appended to it.
   */
  publicUrl?: string;
  /**
   * The capability path segment (default: the client's `pushPathSecret()`, derived from the
   * workspace token so a restart serves the same URL; a fresh 256-bit secret when no token is known
   * yet). With `server: false`
   * it is appended to `publicUrl` for registration, and `agent.createPushHandler()` checks it.
   * `false`: a public A2A agent, served and registered without a secret, so any A2A client that
   * can reach the URL may call it (explicit opt-in; see docs/security.md); on a platform that
   * signs its pushes (August 2026 on) only if `requirePlatformBearer` is `false` too.
   */
  pathSecret?: string | false;
  /**
   * Whether a POST to the push endpoint must carry the platform's bearer
   * (`Authorization: Bearer <platform_inbound_secret>`, the secret register and heartbeats send).
   * Whatever it is (but `false`), no POST runs before the agent knows the secret: until register
   * (or the first heartbeat) answers it is held, then refused `503` + `Retry-After`. Default: the
   * bearer is required once the platform is known to send it to this URL (its heartbeat answers
   * `generation`, as August-2026 servers do, or a push arrived with it; kept in the store across
   * restarts), so only the platform may push there; until the first heartbeat says, a POST without
   * it is held the same way; a platform of May to June 2026, which hands out the secret but pushes
   * without it, keeps working. `true`: on every POST, whatever the URL (an IP literal too); a
   * platform that sends no secret fails `start()` (`platform_bearer_unavailable`). `false`: never
   * checked (the path secret alone).
   */
  requirePlatformBearer?: boolean;
  /**
   * Called once the start-up checks passed, right before the URL is registered: registration (and
   * with it the first heartbeat and `start()` resolving) waits until the promise it returns
   * resolves, so the platform lists the workspace online only once the URL answers (e.g. with
   * `server: false`, until the host app's HTTP server listens). A rejection fails the start;
   * `signal` aborts when `stop()` is called, and the promise should then reject.
   */
  registerWhen?: (signal: AbortSignal) => Promise<void>;
  /** Request body limit in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /**
   * Bytes of request bodies held at once, from their read to their answer (default: the larger of
   * `maxBodyBytes` and 4 MiB; a chunked body counts what it has read); past it a request waits for
   * room with its body unread (nothing is refused: the platform's proxy waits for the answer).
   */
  maxBodyBytesInFlight?: number;
  /**
   * Built-in server: open connections at most (default 1024); past it the oldest connection
   * without a request in flight is closed to make room (a newcomer only when all are busy).
   */
  maxConnections?: number;
  /** Built-in server: request headers must arrive within this many ms (default 15 000). */
  headersTimeoutMs?: number;
  /**
   * Built-in server: a request's body must arrive within this many ms of its headers (default
   * 30 000; not counting a wait for room in `maxBodyBytesInFlight`).
   */
  requestTimeoutMs?: number;
  /**
   * Answer A2A streaming (default false): `message/stream` (the handler's answer as one artifact
   * update; a caller that disconnects cancels the message) and `tasks/resubscribe` (follow a
   * running task, on any replica of a shared store). Also the default of `createPushHandler`.
   */
  streaming?: boolean;
}

/** Options of `RemoteAgent.createPushHandler`. */
export interface PushHandlerOptions {
  /** The path the framework routes to the handler, e.g. `"/a2a"` (default `"/"`). */
  basePath?: string;
  /**
   * The secret last path segment every request must carry (22-256 URL-safe characters, e.g. from
   * `generatePathSecret()`); 404 otherwise. Default: the push delivery's `pathSecret`. `false`:
   * no secret (only behind your own authentication).
   */
  pathSecret?: string | false;
  /** URL of `basePath` as callers see it, advertised in the agent card (default: the push delivery's `publicUrl`, else from `Host`). */
  publicUrl?: string;
  /** Request body limit in bytes (default: the push delivery's, else 1 MiB). */
  maxBodyBytes?: number;
  /** Bytes of request bodies held at once (default: the push delivery's, else as `createA2AHandler`). */
  maxBodyBytesInFlight?: number;
  /** Answer A2A streaming and `tasks/resubscribe` (default: the push delivery's `streaming`). */
  streaming?: boolean;
}

/** The value `agent.done` resolves with. */
export interface AgentDoneResult {
  reason: AgentEndReason;
  error?: unknown;
}

/** Options of `new RemoteAgent(...)`. */
export interface RemoteAgentOptions<C extends AgentPlatformClient = AgentPlatformClient> {
  client: C;
  handler: InboundHandler<C>;
  /** The card registered with the platform (default `{ name: workspaceId }`). */
  agentCard?: AgentCard;
  /** "poll" (default when the platform supports it), "push" (default otherwise), or "none". */
  delivery?: "poll" | "push" | "none" | PushDeliveryOptions;
  /** Handlers running at once (default 4). */
  concurrency?: number;
  /** Heartbeat period (default 30 000 ms). */
  heartbeatIntervalMs?: number;
  /**
   * How often pause/removal is checked (default: the heartbeat interval). While the event stream
   * is connected it runs 6 times less often: the stream's pause and removal events trigger a
   * check at once, and so does the stream dropping.
   */
  stateIntervalMs?: number;
  /**
   * Poll period (default 5 000 ms); event wake-ups make latency independent of it. While the event
   * stream is connected the poll is a safety net run 6 times less often (30 s by default; a shared
   * store's poll keeps its rate).
   */
  pollIntervalMs?: number;
  /** Subscribe to the platform's event stream to fetch as soon as a message lands (default true). */
  eventWakeups?: boolean;
  /**
   * How long the event stream may stay silent before it is taken for dead, closed and opened
   * again on a new connection (a `wakeupsUnavailable` warning says so). Default 45 000 ms, or 1.5
   * heartbeat intervals when that is longer: the platform writes at least the event of each of
   * this agent's heartbeats (the emulator a `: ping` comment every 15 s as well).
   */
  eventIdleTimeoutMs?: number;
  /** Rows per fetch (default: the client's default). */
  pollLimit?: number;
  /**
   * How long a polled row may still be joined by an older one (default 5 000 ms): the platform
   * stamps a row when its write starts, so concurrent writes commit out of order, and each poll
   * re-reads the rows logged within this time of the newest one read (de-duplicated), so none is
   * passed over. An audit re-read over the last minute finds a row later still, delivers it and
   * warns (`inboundGap`, reason `late_row`). Costs bytes, not requests.
   */
  pollSettleMs?: number;
  /**
   * Where the poll cursor and de-dup window live (default: see `store`). Same as
   * `store: { state: cursorStore }`; prefer `store`.
   */
  cursorStore?: CursorStore;
  /**
   * Where the agent keeps its cursor, de-duplication, reply outbox and task state. Default, on poll
   * delivery: `fileStore(<MOLECULE_STATE_DIR or ~/.molecule>/<workspaceId>/inbound)`, held by this
   * agent alone (in memory where there is no file system), so a restart resumes where it stopped.
   * Or `memoryStore()` (a restart resumes from the checkpoint in the activity log),
   * `fileStore(path)`, or `createPostgresStore(...)` from `@molecule-ai/postgres` (N replicas of
   * this agent share one workspace, each message handled once). A store you pass is yours: close it
   * after `stop()`.
   */
  store?: AgentStore;
  /**
   * What a first start delivers (no saved cursor, no checkpoint in the activity log): `"all"`
   * (default) every message the platform still holds, oldest first; `"none"` only messages arriving
   * after the start (logged); `{ sinceMs }` those of the last `sinceMs` ms.
   */
  backfill?: Backfill;
  /** Settled ids remembered for de-duplication (default 1000 activity ids and 1000 message ids). */
  dedupWindow?: number;
  /**
   * Handler attempts before dead-lettering (default 3). Replies are retried as often. An error
   * with `retryable === false` (a `MoleculeError` that retrying cannot fix, or your own error with
   * that property) is dead-lettered at once, without retries.
   */
  maxAttempts?: number;
  /** First retry delay (default 500 ms; doubles per attempt, jittered, capped at 30 s). */
  retryBaseMs?: number;
  /**
   * Called with a message whose handler failed `maxAttempts` times, or once with a non-retryable
   * error (`retryable === false`); with a `MoleculeReplyError` when the handler succeeded but its
   * answer could not be delivered; with a `MoleculeTurnLimitError` when its conversation was cut.
   * The message is then settled. Each dead letter is one `error` line of the `logger`; only when
   * the logger has no `error` (e.g. `{}`), and neither this nor a `deadLettered` listener takes
   * it, a process warning (`MOLECULE_DEAD_LETTER`, or `MOLECULE_TURN_LIMIT`) says it instead.
   */
  onDeadLetter?: (msg: InboundMessage, error: unknown) => void | Promise<void>;
  /**
   * Attempts of each start-up call (capability probe, register, first heartbeat) through
   * transient failures (5xx, timeouts, connection errors), with backoff from 0.5 s (default 6:
   * a platform that refuses connections fails `start()` after about 15 s). Each attempt is one
   * request: the client's own retries are off during the start.
   */
  startAttempts?: number;
  /**
   * Per-conversation turn limit: at most `maxTurns` messages from one peer in one `contextId`
   * within `windowMs` reach the handler (default 10 per 10 minutes; `maxTurns: 0` turns it off).
   * Stops handlers that call each other from looping; answers are never answered regardless.
   */
  conversationTurnLimit?: TurnLimitOptions;
  /** Answers sent at once by the reply outbox (default 8), apart from the handler slots. */
  replyConcurrency?: number;
  /**
   * How long one attempt to send an answer may take (default 20 000 ms), not a peer call's
   * `peerTimeoutMs`: an answer asks no work of its receiver, so it normally completes in well
   * under a second. One that times out is sent again at once on a new connection (the one it was
   * written into may have been forgotten by a NAT), then retried by the outbox like any failure.
   * It bounds each write of a poll agent's inbound checkpoint too (its body read included).
   */
  replyTimeoutMs?: number;
  /** Register with the platform on start (default true). */
  register?: boolean;
  /**
   * What `start()` does when the workspace is paused: `"refuse"` (default) rejects with a
   * `MoleculeError` (`code: "workspace_paused"`) that says how to resume; `"wait"` waits until
   * the workspace is resumed (reading its state every `stateIntervalMs`, default 5 s), then
   * registers; `"resume"` asks the platform to resume it (`POST /workspaces/:id/resume`, its own
   * token), then registers (on the April 2026 platform, whose resume refuses external
   * workspaces, registering resumes it); where neither can, it rejects with `resume_unavailable`.
   */
  whenPaused?: "refuse" | "wait" | "resume" | undefined;
  /**
   * What the agent does when its workspace is paused while it runs: `"end"` (default) ends it
   * (`done` resolves with `reason: "paused"`); `"wait"` keeps it running but taking no new
   * messages (poll delivery stops fetching; a paused workspace gets no pushes), heartbeating and
   * checking the state, until the workspace is resumed: then it registers again and takes
   * messages again (`paused` and `resumed` events, `agent.paused`). What a web app hosting the
   * agent wants (its process outlives a pause). With a shared store (replicas) the store's poll
   * keeps running while paused.
   */
  onPause?: "end" | "wait" | undefined;
  /**
   * Logger (default: `stderrLogger()`: `info` and up on stderr, level from `MOLECULE_LOG_LEVEL`;
   * pass `{}` for none). Every event is logged once (see the README's events table).
   */
  logger?: Logger;
  /** Called with every event (see `AgentEventMap`), those of `start()` included. */
  onEvent?: (event: AgentEvent) => void;
  /**
   * How long a `stop()` not given a time of its own waits for running handlers before aborting
   * their signal (default 10 000 ms). `stop({ timeoutMs })` (stopOnSignals) gives them the stop's
   * time instead.
   */
  drainTimeoutMs?: number;
  /**
   * Consecutive 401s of the platform's own (heartbeat or state) that end the agent as
   * "unauthorized" (default 3). A front's 401 (an identity-aware proxy's sign-in page) never counts.
   */
  maxUnauthorized?: number;
  /**
   * Called once per late episode when a heartbeat has not completed one interval (at least 5 s) after it was
   * due (the platform is about to mark the agent offline); a `logger` warning is logged either
   * way. Without it and without a `heartbeatLate` listener, the warning is emitted as a process
   * warning (`HeartbeatLateWarning`).
   */
  onHeartbeatLate?: (warning: HeartbeatLateWarning) => void;
  /**
   * Called when a direct child workspace asks a person for approval (the `approvalEscalated`
   * event): to notify someone or add context (this workspace's token cannot decide it). With it,
   * the agent reads its event stream from `start()` to `stop()`. A rejection is logged. An
   * adapter's handler may carry it too (its `onApprovalEscalated` option).
   */
  onApprovalEscalated?: (event: AgentEventMap["approvalEscalated"]) => void | Promise<void>;
  /**
   * Serve `GET /transcript?since=&limit=` (this agent's recent messages and answers) on the
   * built-in push server, so the platform's transcript route, and the canvas, show the session.
   * Off by default. Answered only to a bearer the platform accepts for this workspace (checked
   * against the platform, the answer cached `cacheMs`, default 30 s; the bearer is never logged
   * or kept; unknown bearers checked at most `verifyPerMinute`, default 30, times a minute, then
   * `429`). The card registered gets the push server's origin as its `url` (the platform asks
   * `<origin>/transcript`; the path secret is never in the card) unless `agentCard.url` is set.
   * Bounded: `maxLines` (default 500) of `maxTextChars` (default 4096) each. With another
   * delivery, or `server: false`, mount `createTranscriptHandler({ log: agent.transcript, … })`.
   */
  transcript?:
    | boolean
    | { maxLines?: number; maxTextChars?: number; cacheMs?: number; verifyPerMinute?: number };
  /**
   * Where a push agent keeps the files the platform forwards to it (canvas uploads, and its own
   * uploads for the canvas, which the canvas downloads from it): in memory, at most `maxBytes`
   * (default 256 MiB; the oldest file goes first past it) and for `keepMs` (default 24 h, as the
   * platform keeps a poll workspace's pending uploads). Poll delivery keeps nothing: a polled
   * upload's bytes are fetched from the platform when the handler reads them.
   */
  files?: { maxBytes?: number; keepMs?: number } | undefined;
}
