// One workspace the MCP server runs as: core's PlatformClient and RemoteAgent, whose handler hands
// each message to the inbox, and the state the host is told about (paused, removed, ...). The
// agent starts in the background (the MCP session is served meanwhile): a platform that cannot be
// reached is retried, a permanent refusal (wrong token, removed workspace, ...) ends it. First it
// takes the workspace's inbox lock (inbox-lock.ts): the agent it then builds polls the inbox into
// a file store when this server holds the lock, and takes no messages when another server does.
import { join } from "node:path";
import { describeStartError } from "@molecule-ai/agent-core/adapters";
import {
  FileTokenStore,
  fileStore,
  isMoleculeError,
  memoryStore,
  PlatformClient,
  RemoteAgent,
  stderrLogger,
} from "@molecule-ai/agent-core";
import type { AgentEndReason, Logger } from "@molecule-ai/agent-core";
import type { MoleculeStoreError, StateLock } from "@molecule-ai/agent-core/store";
import type { McpConfig, McpWorkspaceConfig } from "./config.js";
import type { Inbox } from "./inbox.js";
import { connectionOf } from "./connection.js";
import { takeInboxLock } from "./inbox-lock.js";

/** Where a workspace stands, as the tools and notifications report it. */
export type WorkspaceStatus = "starting" | "online" | "unreachable" | AgentEndReason;

/** Retry delays of a start that could not reach the platform (ms); the last one repeats. */
const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

/** Codes of start failures worth retrying: the platform could not be reached or was overloaded. */
function isTransient(err: unknown): boolean {
  if (isMoleculeError(err, "connection_failed") || isMoleculeError(err, "timeout")) return true;
  return isMoleculeError(err) && err.retryable && !isMoleculeError(err, "unauthorized");
}

/** The end reason a permanent start failure maps to. */
function reasonOf(err: unknown): AgentEndReason {
  if (isMoleculeError(err, "unauthorized")) return "unauthorized";
  if (isMoleculeError(err, "workspace_removed")) return "removed";
  if (isMoleculeError(err, "workspace_paused")) return "paused";
  return "error";
}

/** What a workspace tells its server. */
export interface McpWorkspaceEvents {
  /** Its agent ended (paused, removed, a revoked token, an error, stopped). */
  onEnd: (ws: McpWorkspace, reason: AgentEndReason) => void;
  /** Its start found another server receiving its messages ({@link McpWorkspace.duplicateWarning}). */
  onDuplicate?: (ws: McpWorkspace) => void;
}

/** A workspace's agent and its status. */
export class McpWorkspace {
  /** The workspace id. */
  readonly id: string;
  /** Its platform client. */
  readonly client: PlatformClient;
  #agent: RemoteAgent | undefined;
  #duplicate: string | undefined;
  #status: WorkspaceStatus = "starting";
  #delivery: "poll" | "push" | "none" | undefined;
  #error: string | undefined;
  /** The last failure of a start that is retried (the platform could not be reached). */
  #failure: unknown;
  readonly #config: McpConfig;
  readonly #token: string | undefined;
  readonly #dir: string;
  readonly #inbox: Inbox;
  readonly #events: McpWorkspaceEvents;
  #lock: StateLock | undefined;
  /** Set when this server lost the inbox lock while holding it (it then takes no messages). */
  #lost: string | undefined;
  readonly #logger: Logger;
  readonly #stop = new AbortController();
  #run: Promise<void> | undefined;
  /** Whether the agent has a start in flight or has started (then stop() must stop it). */
  #agentLive = false;
  /** Resolves when the first start attempt has settled (online or failed). */
  #firstAttempt: Promise<void>;
  #firstAttemptDone!: () => void;

  constructor(
    config: McpConfig,
    ws: McpWorkspaceConfig,
    inbox: Inbox,
    events: McpWorkspaceEvents,
    logger: Logger = stderrLogger(),
  ) {
    this.id = ws.id;
    this.#config = config;
    this.#token = ws.token;
    this.#inbox = inbox;
    this.#events = events;
    this.#logger = logger;
    this.#firstAttempt = new Promise((resolve) => (this.#firstAttemptDone = resolve));
    this.client = new PlatformClient({
      platformUrl: config.platformUrl,
      workspaceId: ws.id,
      ...(ws.token
        ? { token: ws.token }
        : { tokenStore: new FileTokenStore({ workspaceId: ws.id, file: ws.tokenFile }) }),
      ...(config.orgId ? { orgId: config.orgId } : {}),
      logger,
    });
    this.#dir = join(config.stateDir, ws.id);
  }

  /**
   * Its agent, whose handler holds each message in the inbox; built once the start has taken
   * the inbox lock or found it held (a tool waits for {@link firstAttempt} before using it).
   */
  get agent(): RemoteAgent {
    if (this.#agent) return this.#agent;
    throw Object.assign(
      new Error(
        `Workspace ${this.id} is still starting: call the tool again in a moment (workspace_info says when it is online).`,
      ),
      { code: "starting" },
    );
  }

  /**
   * Set once the start found that another MCP server already receives this workspace's messages
   * (the lease in its state folder's `mcp-inbox.lock` is held): the warning, naming the holder.
   * This one then takes no messages; its tools still work.
   */
  get duplicateOf(): string | undefined {
    return this.#duplicate;
  }

  /** The agent of this workspace: polling into the file store, or taking no messages. */
  #createAgent(receives: boolean): RemoteAgent {
    const agent = new RemoteAgent({
      client: this.client,
      handler: (msg, ctx) => this.#inbox.hold(this.id, msg, ctx),
      agentCard: {
        name: this.#config.name,
        description: "An MCP host (Claude Code, Cursor, ...) joined through @molecule-ai/mcp",
      },
      // A message held over many restarts unread is still delivered (core dead-letters it after this).
      store: receives
        ? fileStore(join(this.#dir, "mcp-inbox"), { maxDeliveries: 50, lease: this.#lock })
        : memoryStore(),
      concurrency: this.#config.maxUnread,
      // A held message waits for the host, not for a drain: stop at once, it is delivered again.
      drainTimeoutMs: 50,
      // Each attempt fails fast; this class retries a platform that cannot be reached.
      startAttempts: 1,
      ...(this.#config.backfill === undefined
        ? {}
        : { backfill: this.#config.backfill === "none" ? sinceLaunch() : this.#config.backfill }),
      ...(receives ? {} : { delivery: "none" as const }),
      ...(this.#config.stateIntervalMs ? { stateIntervalMs: this.#config.stateIntervalMs } : {}),
      logger: this.#logger,
    });
    agent.on("connected", (e) => {
      this.#status = "online";
      this.#error = undefined;
      this.#failure = undefined;
      this.#delivery = e.delivery;
    });
    void agent.done.then(({ reason }) => {
      if (this.#lost !== undefined) return this.#endLost();
      if (this.#status !== "online" && reason === "stopped") return; // a failed attempt, or stop()
      this.#status = reason;
      this.#events.onEnd(this, reason);
    });
    return agent;
  }

  /** Where it stands: `starting`, `online`, `unreachable` (retrying), or why it ended. */
  get status(): WorkspaceStatus {
    return this.#status;
  }

  /** Why it is not online (one sentence that says what to do), when it is not. */
  get error(): string | undefined {
    return this.#error;
  }

  /**
   * The platform connection as the agent sees it (connection.ts): `ok` while calls are answered,
   * else what failed on the way (from the most recent call's failure until a later call is
   * answered; while its start is retried, from the start's) with the line saying what to do;
   * `undefined` before the start and after the end.
   */
  get connection(): { state: string; problem?: string | undefined } | undefined {
    if (this.#status === "unreachable" && this.#failure !== undefined)
      return { state: connectionOf(this.#failure), problem: this.#error };
    if (this.#status !== "online") return undefined;
    const failure = this.client.connectionError;
    if (failure === undefined) return { state: "ok" };
    return { state: connectionOf(failure), problem: this.#describe(failure) };
  }

  /** The delivery its agent uses, once connected. */
  get delivery(): "poll" | "push" | "none" | undefined {
    return this.#delivery;
  }

  /** The warning to show when another MCP server receives this workspace's messages. */
  get duplicateWarning(): string | undefined {
    return this.#duplicate;
  }

  /**
   * Starts the agent in the background, retrying while the platform cannot be reached; resolves
   * once it is online, rejects with a permanent failure (a wrong token, a removed workspace, ...),
   * whose `message` says what to do. Idempotent.
   */
  start(): Promise<void> {
    this.#run ??= this.#loop();
    return this.#run;
  }

  /** Resolves once the first start attempt has settled, or `signal` aborts. */
  async firstAttempt(signal?: AbortSignal): Promise<void> {
    if (!signal) return this.#firstAttempt;
    await Promise.race([
      this.#firstAttempt,
      new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve())),
    ]);
  }

  async #loop(): Promise<void> {
    if (!(await this.#takeLock())) return;
    for (let attempt = 0; ; attempt++) {
      if (this.#lost !== undefined) return;
      try {
        this.#agentLive = true;
        await this.agent.start();
        this.#firstAttemptDone();
        return;
      } catch (err) {
        this.#agentLive = false; // a failed start leaves the agent new
        if (this.#stop.signal.aborted || this.#lost !== undefined) {
          this.#firstAttemptDone();
          return;
        }
        const text = this.#describe(err);
        if (!isTransient(err)) {
          this.#status = reasonOf(err);
          this.#error = text;
          this.#firstAttemptDone();
          throw Object.assign(new Error(text), { cause: err });
        }
        const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
        if (this.#status !== "unreachable") {
          this.#logger.warn?.(`workspace ${this.id}: ${text}; retrying in the background`);
        }
        this.#status = "unreachable";
        this.#error = text;
        this.#failure = err;
        this.#firstAttemptDone();
        const stopped = await sleep(delay, this.#stop.signal);
        if (stopped) return;
      }
    }
  }

  /**
   * Takes the inbox lock, or finds another server holding it (then warns, and tells the server),
   * and builds the agent accordingly. False when stopped meanwhile; throws (after setting the
   * status) when the state folder cannot be used.
   */
  async #takeLock(): Promise<boolean> {
    let outcome: Awaited<ReturnType<typeof takeInboxLock>>;
    try {
      outcome = await takeInboxLock(this.#dir, this.id, {
        signal: this.#stop.signal,
        onWait: (message) => this.#logger.warn?.(`workspace ${this.id}: ${message}`),
        onLost: (err) => this.#loseLock(err),
      });
    } catch (err) {
      this.#firstAttemptDone();
      if (this.#stop.signal.aborted) return false;
      const text = err instanceof Error ? err.message : String(err);
      this.#status = "error";
      this.#error = text;
      throw Object.assign(new Error(text), { cause: err });
    }
    if (this.#stop.signal.aborted) {
      if ("lock" in outcome) await outcome.lock.release();
      this.#firstAttemptDone();
      return false;
    }
    if ("lock" in outcome) this.#lock = outcome.lock;
    else this.#duplicate = outcome.duplicate;
    this.#agent = this.#createAgent("lock" in outcome);
    if (this.#duplicate !== undefined) {
      this.#logger.warn?.(this.#duplicate);
      this.#events.onDuplicate?.(this);
    }
    return true;
  }

  /** The inbox lock was lost while held (another server took it): stop taking messages. */
  #loseLock(err: MoleculeStoreError): void {
    if (this.#lost !== undefined || this.#stop.signal.aborted) return;
    this.#lost = err.message;
    this.#logger.error?.(`workspace ${this.id}: ${err.message}`);
    if (this.#agentLive) void this.agent.stop();
    else this.#endLost();
  }

  /** Ends this workspace with the lost lock's error (its agent is stopped or was never live). */
  #endLost(): void {
    if (this.#status === "error") return;
    this.#status = "error";
    this.#error = this.#lost;
    this.#events.onEnd(this, "error");
  }

  /** One sentence for a failure of the platform (at start, or of a call) that names what to set. */
  #describe(err: unknown): string {
    if (isMoleculeError(err, "unauthorized") && !this.#token) {
      const file = new FileTokenStore({ workspaceId: this.id }).path;
      return `workspace ${this.id} has no token: set MOLECULE_WORKSPACE_TOKEN (MOLECULE_WORKSPACE_TOKENS for several workspaces) to the token the platform issued for it, or write it to ${file}, then restart`;
    }
    if (isMoleculeError(err, "unauthorized")) {
      return "the platform rejected the workspace token (401): set MOLECULE_WORKSPACE_TOKEN to the workspace's current token (or its token file), then restart";
    }
    return (
      describeStartError(err, { platformUrl: this.#config.platformUrl, workspaceId: this.id }) ??
      (err instanceof Error ? err.message : String(err))
    );
  }

  /** Stops the agent (held messages stay unsettled for the next start) and closes the client. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#firstAttemptDone();
    if (this.#agentLive) await this.agent.stop();
    await this.#run?.catch(() => undefined); // a lock taken while stopping is released there
    await this.client.close();
    await this.#lock?.release();
  }
}

/**
 * `backfill: "none"` as this server means it: the messages from its launch on (core's `"none"`
 * would skip those sent while it was starting). Core reads `sinceMs` when delivery starts.
 */
function sinceLaunch(): { readonly sinceMs: number } {
  const launchedAt = performance.now(); // monotonic: a wall clock step does not move the window
  return {
    get sinceMs() {
      return performance.now() - launchedAt;
    },
  };
}

/** Waits `ms`; resolves true when `signal` aborted first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(false);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
