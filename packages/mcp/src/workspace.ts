// One workspace the MCP server runs as: core's PlatformClient and RemoteAgent, whose handler hands
// each message to the inbox, and the state the host is told about (paused, removed, ...).
import { join } from "node:path";
import {
  FileTokenStore,
  fileStore,
  PlatformClient,
  RemoteAgent,
  stderrLogger,
} from "@molecule-ai/agent-core";
import type { AgentEndReason, AgentStore, Logger } from "@molecule-ai/agent-core";
import type { McpConfig, McpWorkspaceConfig } from "./config.js";
import type { Inbox } from "./inbox.js";

/** Where a workspace stands, as the tools and notifications report it. */
export type WorkspaceStatus = "starting" | "online" | AgentEndReason;

/** A workspace's agent and its status. */
export class McpWorkspace {
  /** The workspace id. */
  readonly id: string;
  /** Its platform client. */
  readonly client: PlatformClient;
  /** Its agent, whose handler holds each message in the inbox. */
  readonly agent: RemoteAgent;
  #status: WorkspaceStatus = "starting";
  #delivery: "poll" | "push" | "none" | undefined;
  readonly #store: AgentStore;

  constructor(
    config: McpConfig,
    ws: McpWorkspaceConfig,
    inbox: Inbox,
    onEnd: (ws: McpWorkspace, reason: AgentEndReason) => void,
    logger: Logger = stderrLogger(),
  ) {
    this.id = ws.id;
    this.client = new PlatformClient({
      platformUrl: config.platformUrl,
      workspaceId: ws.id,
      ...(ws.token
        ? { token: ws.token }
        : { tokenStore: new FileTokenStore({ workspaceId: ws.id }) }),
      ...(config.orgId ? { orgId: config.orgId } : {}),
      logger,
    });
    // A message held over many restarts unread is still delivered (core dead-letters it after this).
    this.#store = fileStore(join(config.stateDir, ws.id, "mcp-inbox"), { maxDeliveries: 50 });
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
      ...(config.stateIntervalMs ? { stateIntervalMs: config.stateIntervalMs } : {}),
      logger,
    });
    this.agent.on("connected", (e) => {
      this.#status = "online";
      this.#delivery = e.delivery;
    });
    void this.agent.done.then(({ reason }) => {
      this.#status = reason;
      onEnd(this, reason);
    });
  }

  /** Where it stands: `starting`, `online`, or why its agent ended. */
  get status(): WorkspaceStatus {
    return this.#status;
  }

  /** The delivery its agent uses, once connected. */
  get delivery(): "poll" | "push" | "none" | undefined {
    return this.#delivery;
  }

  /** Registers and starts delivery (rejects with core's typed error, e.g. a wrong token). */
  async start(): Promise<void> {
    await this.agent.start();
  }

  /** Stops the agent (held messages stay unsettled for the next start) and closes the client. */
  async stop(): Promise<void> {
    await this.agent.stop();
    await this.client.close();
  }
}
