// Org memory and human approvals as Nest injectables, on the module's agent and client.
import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from "@nestjs/common";
import { DiscoveryService, MetadataScanner } from "@nestjs/core";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import {
  ApprovalEscalationWatcher,
  ApprovalTooLongError,
  durableToolCallVerdict,
  toolCallApproval,
  type ApprovalEscalation,
  type ApprovalRecord,
  type ApprovalRequestInput,
  type ApprovalResult,
  type ApprovalWaitOptions,
  type CommitMemoryInput,
  formatMemories,
  type Memory,
  type MemoryScope,
  type SearchMemoriesOptions,
} from "@molecule-ai/agent-core/org";
import { isApprovalEscalatedHandler } from "./decorators.js";
import { LOG_CONTEXT } from "./logging.js";

/**
 * The organisation's memory for this workspace: commit, search one scope, delete, and the text a
 * model reads (another workspace's memories are peer output: marked by the platform's record of
 * the writer, their text neutralised and unable to start a line of its own, by core).
 */
@Injectable()
export class MoleculeMemory {
  /** @internal Created by Nest's injector. */
  constructor(@Inject(PlatformClient) private readonly client: PlatformClient) {}

  /** Stores a memory (`LOCAL` by default; `GLOBAL` only from a root workspace). */
  remember(
    content: string,
    options: Omit<CommitMemoryInput, "content"> = {},
  ): Promise<{ id: string; scope: MemoryScope; namespace: string }> {
    return this.client.commitMemory({ ...options, content });
  }

  /** Reads one scope (absent: this workspace's own rows), newest first, at most 50. */
  recall(options: SearchMemoriesOptions = {}): Promise<Memory[]> {
    return this.client.searchMemories(options);
  }

  /**
   * {@link recall} as the text a model reads (core's `formatMemories`): a header line, then one
   * JSON object per memory whose `own`, `scope` and `writer` come from the platform's record,
   * never from the text; a memory store's items are left out.
   */
  async recallText(options: SearchMemoriesOptions = {}): Promise<string> {
    return formatMemories(await this.client.searchMemories(options));
  }

  /** Deletes a memory this workspace wrote (on memory v2, August 2026: a LOCAL one only). */
  forget(memoryId: string): Promise<void> {
    return this.client.deleteMemory(memoryId);
  }
}

/**
 * A person's approval for this workspace: `request()` waits for the decision made on the canvas
 * (see `RemoteAgent.requestApproval`); `@OnApprovalEscalated()` methods (wired here at module
 * init, before the agent starts) and `onEscalation()` tell this workspace, as a parent, when a
 * child asks (it cannot decide them with its own token).
 */
@Injectable()
export class MoleculeApprovals implements OnModuleInit, OnModuleDestroy {
  readonly #watchers: ApprovalEscalationWatcher[] = [];
  readonly #logger = new Logger(LOG_CONTEXT);

  /** @internal Created by Nest's injector. */
  constructor(
    @Inject(RemoteAgent) private readonly agent: RemoteAgent<PlatformClient>,
    @Inject(PlatformClient) private readonly client: PlatformClient,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
  ) {}

  /** @internal Subscribes the `@OnApprovalEscalated()` methods of singleton providers. */
  onModuleInit(): void {
    const seen = new Set<object>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!wrapper.isDependencyTreeStatic() || !instance || typeof instance !== "object") continue;
      if (seen.has(instance)) continue;
      seen.add(instance);
      const target = instance as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
        const fn = target[name];
        if (!isApprovalEscalatedHandler(fn)) continue;
        const label = `${(instance as object).constructor.name}.${name}`;
        this.agent.on("approvalEscalated", (e) => {
          void Promise.resolve((fn as (ev: typeof e) => unknown).call(target, e)).catch(
            (err: unknown) =>
              this.#logger.warn(
                `@OnApprovalEscalated() ${label} failed: ${err instanceof Error ? err.message : String(err)}`,
              ),
          );
        });
      }
    }
  }

  /** Asks a person and resolves with the decision (an expired request is a denial). */
  request(
    input: ApprovalRequestInput,
    options: ApprovalWaitOptions & { file?: string | false } = {},
  ): Promise<ApprovalResult> {
    return this.agent.requestApproval(input, options);
  }

  /**
   * Asks a person about one tool call and resolves with the decision: the person sees the tool's
   * complete input and the SHA-256 digest the decision binds to (`toolCallApproval`), and a
   * pending request is resumed only for exactly that input. An input too long to show whole is
   * refused with `ApprovalTooLongError` (logged) before anything is sent: tell the model
   * `Error: ${err.message}`.
   */
  requestToolCall(
    toolName: string,
    input: unknown,
    options: ApprovalWaitOptions & {
      file?: string | false;
      reason?: string | undefined;
      taskId?: string | undefined;
    } = {},
  ): Promise<ApprovalResult> {
    let request: ApprovalRequestInput;
    try {
      request = toolCallApproval(toolName, input, options);
    } catch (err) {
      if (err instanceof ApprovalTooLongError)
        this.#logger.warn(`MoleculeApprovals: not asked: ${err.message}`);
      return Promise.reject(err as Error);
    }
    return this.agent.requestApproval(request, options);
  }

  /**
   * Decides one tool call once, across restarts: the call (its tool, exact input and digest) is
   * kept in the agent's store under `key` before the person is asked (the same request is waited
   * on after a restart), and an approval is taken once (core's `durableToolCallVerdict`). Resolves
   * with `undefined` when you run the tool now, else the one line the model reads: a denial, an
   * input too long to show, the platform's refusal, or `ALREADY_RUN` for a call handed to its tool
   * before (a decision delivered twice, a redelivered message). Use a `key` that names the call
   * across a restart (the message and the call, not a random id).
   */
  toolCallOnce(
    key: string,
    toolName: string,
    input: unknown,
    options: ApprovalWaitOptions & {
      file?: string | false;
      reason?: string | undefined;
      taskId?: string | undefined;
    } = {},
  ): Promise<string | undefined> {
    const { reason, taskId, ...wait } = options;
    const ask = (request: ApprovalRequestInput) =>
      this.agent.requestApproval(request, { ...wait, key: `nestjs:${key}` });
    return durableToolCallVerdict(
      this.agent.pendingToolCalls,
      { key: `nestjs:${key}`, tool: toolName, input },
      ask,
      {
        ...(reason === undefined ? {} : { reason }),
        ...(taskId === undefined ? {} : { taskId }),
        label: "MoleculeApprovals.toolCallOnce",
        logger: { warn: (line: string) => this.#logger.warn(line) },
      },
    );
  }

  /** The 50 newest approval requests of this workspace. */
  list(): Promise<ApprovalRecord[]> {
    return this.client.listApprovals();
  }

  /** Calls `handler` for each approval request of a direct child; resolves once watching. */
  async onEscalation(handler: (e: ApprovalEscalation) => void): Promise<void> {
    const w = new ApprovalEscalationWatcher({ client: this.client, onEscalation: handler });
    this.#watchers.push(w);
    await w.start();
  }

  /** @internal Stops the escalation watchers with the module. */
  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.#watchers.splice(0).map((w) => w.stop()));
  }
}
