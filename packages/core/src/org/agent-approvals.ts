// AgentApprovals: a RemoteAgent's approval waits and its escalation watch, built once per agent.
// The waiter and the watch (approvals.ts, escalations.ts) load on first use: an agent that never
// asks a person does not load them (issue 93).
import type { ApprovalRequestInput } from "../platform/index.js";
import { type Logger, MoleculeError } from "../transport/index.js";
import type { ApprovalWaiter } from "./approvals.js";
import type { ApprovalClient, ApprovalResult, ApprovalWaitOptions } from "./approvals.js";
import type { PendingApprovalStore } from "../store/index.js";

/** The part of an agent's store the approval waits use (`AgentStore.pendingApprovalsFor`). */
type ApprovalsStore = { pendingApprovalsFor?(workspaceId: string): PendingApprovalStore };
import type { ApprovalEscalation, ApprovalEscalationWatcher } from "./escalations.js";

/**
 * One agent's approval waits (`RemoteAgent.requestApproval`): one {@link ApprovalWaiter} per
 * pending-requests file, all keeping the requests of calls with a key in the agent's store when it
 * has one (`store`), each wait aborted when the agent ends (`ending`).
 */
export class AgentApprovals {
  readonly #waiters = new Map<string | false | undefined, ApprovalWaiter>();
  readonly #client: Partial<ApprovalClient>;
  readonly #logger: Logger;
  readonly #ending: AbortSignal;
  /** Where keyed requests are kept: the agent's store's (none without a store). */
  readonly #store: PendingApprovalStore | undefined;
  /** Reads `APPROVAL_ESCALATED` from the event stream while the agent runs (`watch`). */
  #escalations: ApprovalEscalationWatcher | undefined;

  constructor(client: object, logger: Logger, ending: AbortSignal, store?: ApprovalsStore) {
    this.#client = client as Partial<ApprovalClient>;
    this.#logger = logger;
    this.#ending = ending;
    const { workspaceId } = this.#client;
    this.#store = workspaceId === undefined ? undefined : store?.pendingApprovalsFor?.(workspaceId);
  }

  /** See `RemoteAgent.requestApproval`. */
  async request(
    input: ApprovalRequestInput,
    options: ApprovalWaitOptions & { file?: string | false },
  ): Promise<ApprovalResult> {
    const client = this.#client;
    if (typeof client.createApproval !== "function" || typeof client.listApprovals !== "function")
      throw new MoleculeError(
        "requestApproval needs a client with createApproval and listApprovals",
        {
          code: "unsupported",
        },
      );
    const { ApprovalWaiter } = await import("./approvals.js");
    let waiter = this.#waiters.get(options.file);
    if (waiter === undefined) {
      const file = options.file;
      waiter = new ApprovalWaiter({
        client: client as ApprovalClient,
        file,
        store: this.#store,
        logger: this.#logger,
      });
      this.#waiters.set(options.file, waiter);
    }
    const signal = options.signal ? AbortSignal.any([options.signal, this.#ending]) : this.#ending;
    return await waiter.request(input, { ...options, signal });
  }

  /** Reports escalations of this workspace's approvals to `onEscalation` (see `watchEscalations`). */
  async watch(onEscalation: (e: ApprovalEscalation) => void): Promise<void> {
    const client = this.#client;
    const { watchEscalations } = await import("./escalations.js");
    this.#escalations = await watchEscalations(client, onEscalation, this.#ending, this.#logger);
  }

  /** Stops watching escalations. */
  async stop(): Promise<void> {
    await this.#escalations?.stop();
  }
}
