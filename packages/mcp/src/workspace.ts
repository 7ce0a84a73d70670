// One workspace the MCP server runs as: core's PlatformClient and RemoteAgent, whose handler hands
// each message to the inbox, and the state the host is told about (paused, removed, ...). The
// agent starts in the background (the MCP session is served meanwhile): a platform that cannot be
// reached is retried, a permanent refusal (wrong token, removed workspace, ...) ends it.
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
import type { AgentEndReason, AgentStore, Logger } from "@molecule-ai/agent-core";
import type { McpConfig, McpWorkspaceConfig } from "./config.js";
import type { Inbox } from "./inbox.js";
import { InboxLock } from "./inbox-lock.js";

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

/** A workspace's agent and its status. */
export class McpWorkspace {
  /** The workspace id. */
  readonly id: string;
  /** Its platform client. */
  readonly client: PlatformClient;
  /** Its agent, whose handler holds each message in the inbox. */
  readonly agent: RemoteAgent;
  /**
   * Set when another MCP server on this machine already receives this workspace's messages (its
   * state directory's lock is held): this one then takes no messages; its tools still work.
   */
  readonly duplicateOf: string | undefined;
  #status: WorkspaceStatus = "starting";
  #delivery: "poll" | "push" | "none" | undefined;
  #error: string | undefined;
  readonly #store: AgentStore;
  readonly #config: McpConfig;
  readonly #token: string | undefined;
  readonly #lock: InboxLock;
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
    onEnd: (ws: McpWorkspace, reason: AgentEndReason) => void,
    logger: Logger = stderrLogger(),
  ) {
    this.id = ws.id;
    this.#config = config;
    this.#token = ws.token;
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
    const dir = join(config.stateDir, ws.id);
    this.#lock = new InboxLock(join(dir, "mcp-inbox.lock"));
    this.duplicateOf = this.#lock.heldBy();
    // A message held over many restarts unread is still delivered (core dead-letters it after this).
    this.#store = this.duplicateOf
      ? memoryStore()
      : fileStore(join(dir, "mcp-inbox"), { maxDeliveries: 50 });
    this.agent = new RemoteAgent({
      client: this.client,
      handler: (msg, ctx) => inbox.hold(this.id, msg, ctx),
      agentCard: {
        name: config.name,
        description: "An MCP host (Claude Code, Cursor, ...) joined through @molecule-ai/mcp",
      },
      store: this.#store,
      concurrency: config.maxUnread,
      // A held message waits for the host, not for a drain: stop at once, it is delivered again.
      drainTimeoutMs: 50,
      // Each attempt fails fast; this class retries a platform that cannot be reached.
      startAttempts: 1,
      ...(config.backfill === undefined
        ? {}
        : { backfill: config.backfill === "none" ? sinceLaunch() : config.backfill }),
      ...(this.duplicateOf ? { delivery: "none" as const } : {}),
      ...(config.stateIntervalMs ? { stateIntervalMs: config.stateIntervalMs } : {}),
      logger,
    });
    this.agent.on("connected", (e) => {
      this.#status = "online";
      this.#error = undefined;
      this.#delivery = e.delivery;
    });
    void this.agent.done.then(({ reason }) => {
      if (this.#status !== "online" && reason === "stopped") return; // a failed attempt, or stop()
      this.#status = reason;
      onEnd(this, reason);
    });
  }

  /** Where it stands: `starting`, `online`, `unreachable` (retrying), or why it ended. */
  get status(): WorkspaceStatus {
    return this.#status;
  }

  /** Why it is not online (one sentence that says what to do), when it is not. */
  get error(): string | undefined {
    return this.#error;
  }

  /** The delivery its agent uses, once connected. */
  get delivery(): "poll" | "push" | "none" | undefined {
    return this.#delivery;
  }

  /** The warning to show when another MCP server receives this workspace's messages. */
  get duplicateWarning(): string | undefined {
    if (!this.duplicateOf) return undefined;
    return `Another molecule-mcp (${this.duplicateOf}) already receives workspace ${this.id}'s messages (lock ${this.#lock.path}): this server's inbox stays empty, its other tools work. Stop the other server, or give each host its own workspace.`;
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
    if (this.duplicateOf) this.#logger.warn?.(this.duplicateWarning!);
    else this.#lock.acquire();
    for (let attempt = 0; ; attempt++) {
      try {
        this.#agentLive = true;
        await this.agent.start();
        this.#firstAttemptDone();
        return;
      } catch (err) {
        this.#agentLive = false; // a failed start leaves the agent new
        if (this.#stop.signal.aborted) {
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
        this.#firstAttemptDone();
        const stopped = await sleep(delay, this.#stop.signal);
        if (stopped) return;
      }
    }
  }

  /** One sentence for a start failure that names what to set, never a library option. */
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
    await this.client.close();
    if (!this.duplicateOf) this.#lock.release();
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
