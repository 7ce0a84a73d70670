// The `store` option of RemoteAgent: one object that holds an agent's cursor, de-duplication,
// reply outbox and (for shared stores) the coordination of several replicas of one workspace.
import type { A2ATaskStore, PushClaimOptions, PushClaimResult } from "../a2a/index.js";
import type { Backfill } from "../inbound/index.js";
import { MemoryCursorStore } from "./cursor-store.js";
import { FileCursorStore, type FileCursorStoreOptions } from "./file-cursor-store.js";
import { FileTaskStore } from "./file-task-store.js";
import type { CursorStore } from "../inbound/index.js";
import type { Logger } from "../transport/index.js";
import type { InboundMessage } from "../inbound/index.js";
import type { InboundPage } from "../inbound/index.js";
import type { DeadLetterRecord } from "../inbound/index.js";
import { checkMaxDeliveries } from "./store-errors.js";
import { MoleculeOptionError } from "../transport/index.js";
import { FilePendingApprovals, MemoryPendingApprovals } from "./pending-approvals.js";
import type { PendingApprovalStore } from "./pending-approvals.js";

// A pushed message's claim is the contract of the A2A server's `claims` option too (a serverless
// instance's push handler claims in the same store): it is defined beside that server.
export type { PushClaim, PushClaimOptions, PushClaimResult } from "../a2a/index.js";

/**
 * Where an agent keeps its state. Three implementations: {@link memoryStore} (in memory),
 * {@link fileStore} (one process, survives restarts) and `createPostgresStore` from
 * `@molecule-ai/postgres` (N replicas of one agent, each message handled once).
 */
export interface AgentStore {
  /**
   * The agent's own state, saved atomically as a whole: poll cursor, de-dup window, in-flight
   * journal and reply outbox. A shared store keeps one per replica (only its outbox is used then).
   */
  readonly state: CursorStore;
  /**
   * The state of the agent of `workspaceId` (its client's): `RemoteAgent` takes it instead of
   * {@link AgentStore.state} when the store has it, so that agents of several workspaces on one
   * store never share a cursor, de-dup window or reply outbox. The PostgreSQL store keeps one per
   * (replica, workspace); {@link memoryStore} and {@link fileStore} hold one workspace's state and
   * throw a `MoleculeOptionError` (option `store`) for a second workspace. Theirs returns
   * `this.state`, so a copy with `state` wrapped (`{ ...store, state: wrapped }`) hands the agent
   * the wrapper; wrapping a store whose states are keyed by workspace means wrapping `stateFor`.
   */
  stateFor?(workspaceId: string): CursorStore;
  /**
   * Where `RemoteAgent.requestApproval` (and the adapters through it) keeps the approval requests
   * of `workspaceId` waiting for a decision (`ApprovalWaiterOptions.store`), so a restarted agent,
   * or another replica on a shared store, resumes the same request instead of opening another:
   * {@link memoryStore} in memory, {@link fileStore} in `<path>.approvals.json`, the PostgreSQL
   * store in a table shared by the workspace's replicas. Without it, a local file.
   */
  pendingApprovalsFor?(workspaceId: string): PendingApprovalStore;
  /** Present on stores shared by several replicas of one workspace: see {@link SharedStore}. */
  readonly shared?: SharedStore;
  /**
   * The A2A task store of the agent's push endpoints (`tasks/get`, `tasks/cancel`); default: in
   * memory, per endpoint. A shared store makes tasks visible to every replica.
   */
  readonly tasks?: A2ATaskStore;
  /**
   * Deliveries of a message that never settles (its process crashes, hangs or stops each time)
   * before it is dead-lettered instead of run again (default 5): a `deadLettered` event and
   * `onDeadLetter` with a `MoleculeDeliveryLimitError`; a push sender gets a JSON-RPC error.
   */
  readonly maxDeliveries?: number;
}

/** A single-process store ({@link memoryStore}, {@link fileStore}). */
export interface LocalStore extends AgentStore {
  /** See {@link AgentStore.maxDeliveries}. */
  readonly maxDeliveries: number;
  /** Messages dead-lettered by the delivery limit, oldest first (the last 1,000). */
  deadLetters(): Promise<DeadLetterRecord[]>;
}

/** Options of {@link memoryStore} and {@link fileStore}. */
export interface StoreOptions {
  /** See {@link AgentStore.maxDeliveries} (default 5). */
  maxDeliveries?: number;
}

/** Options of {@link fileStore}. */
export interface FileStoreOptions extends StoreOptions, FileCursorStoreOptions {}

/** What a store shared by replicas adds: a coordinated poll delivery and push de-duplication. */
export interface SharedStore {
  /**
   * Starts the poll delivery shared by every replica of `ctx.workspaceId`: one replica at a time
   * reads the platform, every replica claims messages and hands them to `ctx.handle`.
   */
  startPoll(ctx: SharedPollContext): Promise<SharedPoll>;
  /**
   * Claims a pushed message by its A2A `messageId` and `options.content` for this replica, so a
   * proxy retry that lands on another replica is not handled twice. With `options.alone` false
   * (this replica runs other pushed messages), a message claimed before and never settled (its
   * replica died or stopped with it) is not claimed: the answer is `{ status: "redelivered" }`,
   * and the agent claims it again, alone, once nothing else runs (failure isolation).
   */
  claimPush?(
    workspaceId: string,
    messageId: string,
    options?: PushClaimOptions,
  ): Promise<PushClaimResult>;
}

/** What the agent gives a shared poll delivery. */
export interface SharedPollContext {
  workspaceId: string;
  /** Reads the platform (used by the replica that holds the poll leadership). */
  fetch(opts: { sinceId?: string; sinceSecs?: number; signal: AbortSignal }): Promise<InboundPage>;
  /**
   * Hands one claimed message to the agent's pipeline; resolves `"settled"` once it is done for
   * good (handled or dead-lettered), `"abandoned"` when the agent stopped first.
   */
  handle(msg: InboundMessage, info: { redelivered: boolean }): Promise<"settled" | "abandoned">;
  /**
   * Reports a message the store dead-lettered without handing it to `handle` (e.g. delivered too
   * many times without settling): the agent's `deadLettered` event and `onDeadLetter`.
   */
  deadLetter?(msg: InboundMessage, error: unknown): Promise<void>;
  /** Messages this replica handles at once. */
  concurrency: number;
  /** Fallback interval of platform reads and claims (wake-ups make both immediate). */
  pollIntervalMs: number;
  /**
   * When to read the platform next, in ms from now, without a wake-up: `pollIntervalMs`, or 6
   * times that while the agent's event stream is connected (it wakes the read when a message
   * lands, so the timed read is only a safety net).
   */
  readIntervalMs(): number;
  /** What a first start (no cursor in the store) delivers. */
  backfill: Backfill;
  logger: Logger;
}

/** A running shared poll delivery. */
export interface SharedPoll {
  /** The workspace's cursor as this replica last saw it. */
  readonly cursor: string | undefined;
  /** Reads the platform now (event wake-up), when this replica leads. */
  wake(): void;
  /** Stops reading and claiming; messages being handled keep settling. */
  stop(): Promise<void>;
  /** Resolves once every settlement is written. */
  flush(): Promise<void>;
}

/**
 * In memory: state is lost when the process exits (it survives a new `RemoteAgent` on the same
 * store object). An agent given no store keeps its state in memory too, but saves no copy.
 */
export function memoryStore(options: StoreOptions = {}): LocalStore {
  const maxDeliveries = checkMaxDeliveries(options.maxDeliveries, "memoryStore");
  const state = new MemoryCursorStore();
  const stateFor = oneWorkspace("memoryStore()");
  const approvals = new MemoryPendingApprovals();
  return {
    state,
    stateFor,
    pendingApprovalsFor(workspaceId) {
      stateFor.call(this, workspaceId); // the same one workspace
      return approvals;
    },
    maxDeliveries,
    deadLetters: async () => await deadLettersIn(state),
  };
}

/**
 * In a cursor file compatible with the Python reference SDK plus a JSON sidecar and its journal:
 * one process, survives restarts, delivery counts included. A killed process loses nothing; a
 * power loss can lose the last second of saves unless `syncEverySave` (see `FileCursorStore`).
 * The agent's A2A tasks (a question waiting for its answer among them) are kept in
 * `<path>.tasks.json` and its journal (a change appends a line), the last 1,000, and the approval
 * requests it waits on in `<path>.approvals.json` (see {@link AgentStore.pendingApprovalsFor}).
 */
export function fileStore(path: string, options: FileStoreOptions = {}): LocalStore {
  const maxDeliveries = checkMaxDeliveries(options.maxDeliveries, "fileStore");
  const { lease } = options;
  const cursor = new FileCursorStore(path, {
    syncEverySave: options.syncEverySave === true,
    lease,
  });
  const tasks = new FileTaskStore(`${path}.tasks.json`, undefined, lease);
  // start() checks both files: a corrupted task file fails it, as a corrupted state file does.
  const state: CursorStore = {
    load: async () => await cursor.load(),
    save: async (s) => await cursor.save(s),
    flush: async () => {
      await cursor.flush();
      await tasks.flush();
    },
    check: async () => {
      await cursor.check();
      await tasks.check();
    },
    ...(lease ? { proven: () => lease.proven() } : {}),
  };
  const stateFor = oneWorkspace(`fileStore(${JSON.stringify(path)})`);
  const approvals = new FilePendingApprovals(`${path}.approvals.json`);
  return {
    state,
    stateFor,
    pendingApprovalsFor(workspaceId) {
      stateFor.call(this, workspaceId); // the same one workspace
      return approvals;
    },
    tasks,
    maxDeliveries,
    // A reader of its own: loading does not disturb the agent's writer.
    deadLetters: async () => await deadLettersIn(new FileCursorStore(path)),
  };
}

/**
 * `stateFor` of a single-process store: its `state`, for the first workspace that asks and no
 * other (a second workspace would read and overwrite the first one's cursor, de-dup and outbox).
 * It returns `this.state`, so a copy of the store with its `state` wrapped (`{ ...store, state }`)
 * gives the agent the wrapper.
 */
function oneWorkspace(store: string): (this: AgentStore, workspaceId: string) => CursorStore {
  let owner: string | undefined;
  return function stateFor(this: AgentStore, workspaceId: string): CursorStore {
    if (owner !== undefined && owner !== workspaceId) {
      throw new MoleculeOptionError(
        "store",
        `RemoteAgent: ${store} holds the state of workspace ${owner}'s agent; give the agent of workspace ${workspaceId} a store of its own (another memoryStore() or fileStore(path)), or use createPostgresStore, which keeps each workspace's state apart.`,
      );
    }
    owner = workspaceId;
    return this.state;
  };
}

async function deadLettersIn(store: CursorStore): Promise<DeadLetterRecord[]> {
  return [...((await store.load())?.deadLetters ?? [])];
}
