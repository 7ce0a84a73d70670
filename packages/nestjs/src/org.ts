// Org memory and human approvals as Nest injectables, on the module's agent and client.
import { Inject, Injectable, type OnModuleDestroy } from "@nestjs/common";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import {
  ApprovalEscalationWatcher,
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

/**
 * The organisation's memory for this workspace: commit, search one scope, delete, and the text a
 * model reads (another workspace's memories are peer output, neutralised by core).
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

  /** {@link recall} as text for a model, one memory per line. */
  async recallText(options: SearchMemoriesOptions = {}): Promise<string> {
    return formatMemories(await this.client.searchMemories(options));
  }

  /** Deletes a memory this workspace wrote. */
  forget(memoryId: string): Promise<void> {
    return this.client.deleteMemory(memoryId);
  }
}

/**
 * A person's approval for this workspace: `request()` waits for the decision made on the canvas
 * (see `RemoteAgent.requestApproval`); `onEscalation()` tells this workspace, as a parent, when a
 * child asks (it cannot decide them with its own token).
 */
@Injectable()
export class MoleculeApprovals implements OnModuleDestroy {
  readonly #watchers: ApprovalEscalationWatcher[] = [];

  /** @internal Created by Nest's injector. */
  constructor(
    @Inject(RemoteAgent) private readonly agent: RemoteAgent<PlatformClient>,
    @Inject(PlatformClient) private readonly client: PlatformClient,
  ) {}

  /** Asks a person and resolves with the decision (an expired request is a denial). */
  request(
    input: ApprovalRequestInput,
    options: ApprovalWaitOptions & { file?: string | false } = {},
  ): Promise<ApprovalResult> {
    return this.agent.requestApproval(input, options);
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
