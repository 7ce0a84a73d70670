// Human approval as a wait: open a request, then wait for a person's decision on the workspace's
// event stream, backed by polling (the platform's 10-minute expiry sends no event), with a
// deadline. The pending request's id is kept (in the agent's store for a call with a key, when it
// has one, else in a small file: store/pending-approvals.ts), so an agent restarted while it waits, or
// another replica of it on a shared store, resumes the same request instead of opening another.
// A decision answers the one request it was made on: each request carries a fresh reference and
// the digest of what it asks (approval-request.ts), and only this waiter's own request for the
// same digest is resumed.
// shared/reference/platform-api-workspace-features.md §2, §6.
import type { ApprovalRecord, ApprovalRequestInput, EventStream } from "../platform/index.js";
import { approvalBody } from "../platform/index.js";
import { stateRoot, join, sha256Hex } from "../runtime/index.js";
import {
  describe,
  type Logger,
  MoleculeError,
  requireFileSystem,
  sleep,
} from "../transport/index.js";
import { readWorkspaceEvents } from "./workspace-events.js";
import {
  newReference,
  readReference,
  referencedReason,
  requestDigest,
  shownRequest,
} from "./approval-request.js";
import { FilePendingApprovals, MemoryPendingApprovals } from "../store/index.js";
import type { PendingApprovalRecord, PendingApprovalStore } from "../store/index.js";

/** What the approval wait needs of a platform client (`PlatformClient` has it all). */
export interface ApprovalClient {
  readonly workspaceId: string;
  createApproval(
    input: ApprovalRequestInput & { signal?: AbortSignal | undefined },
  ): Promise<{ approvalId: string; status: string }>;
  listApprovals(options?: { signal?: AbortSignal }): Promise<ApprovalRecord[]>;
  openEventStream?(options?: { signal?: AbortSignal }): Promise<EventStream>;
}

/** How an approval request ended. */
export interface ApprovalResult {
  approvalId: string;
  /** `true` only for an explicit approval. */
  approved: boolean;
  decision: "approved" | "denied";
  /**
   * Who decided, as the decider wrote it (`"human"` by default on the canvas; free text the
   * platform does not authenticate), or `"auto-expired"`.
   */
  decidedBy: string | null;
  /** The platform denied it by its 10-minute expiry (no event is sent for that). */
  expired: boolean;
  /**
   * The SHA-256 the decision binds to (the request's digest, shown to the person in the reason's
   * last line); `null` for a request opened without one (`wait` on a row the SDK did not write).
   */
  digest: string | null;
}

/** Options of one wait. */
export interface ApprovalWaitOptions {
  /** Give up after this long with {@link ApprovalTimeoutError} (default 15 minutes). */
  timeoutMs?: number | undefined;
  /** How often the request's status is re-read besides the event stream (default 5 000 ms). */
  pollIntervalMs?: number | undefined;
  /**
   * Names the request across restarts and timeouts, and joins calls: a call with the key of a
   * request this waiter opened and has not answered yet, for the same digest, waits on that
   * request, even while another call waits on it too (both get its one decision). With a
   * {@link ApprovalWaiterOptions.store} shared by replicas, "this waiter" is every waiter of the
   * workspace on that store: name the one call (adapters use the tool call's id). Without a key
   * (a hash of action, task id and reason), a call resumes such a request only when no other call
   * of this process waits on it (after a restart, a timeout or an abort); an identical call made
   * while one waits opens its own request, so one decision never runs two calls.
   */
  key?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** Options of {@link ApprovalWaiter}. */
export interface ApprovalWaiterOptions {
  client: ApprovalClient;
  /**
   * The file keeping pending request ids (default
   * `<MOLECULE_STATE_DIR or ~/.molecule>/<workspaceId>/approvals.json`, beside the agent's default
   * store); `false` keeps them in memory only (a restart opens a new request). With `store`, only
   * the requests of calls without a `key` are kept here.
   */
  file?: string | false | undefined;
  /**
   * Where the requests of calls with a `key` are kept: the agent's store
   * (`store.pendingApprovalsFor(workspaceId)`; `RemoteAgent` passes it), so a restarted agent, or
   * another replica on a shared store (PostgreSQL), resumes the same request. A call without a key
   * is named by a hash of its text, which cannot tell two replicas' identical calls apart: its
   * request stays in `file`.
   */
  store?: PendingApprovalStore | undefined;
  logger?: Logger | undefined;
}

/** The wait for a decision passed its deadline; the request stays pending on the platform. */
export class ApprovalTimeoutError extends MoleculeError {
  /** The request that is still pending. */
  readonly approvalId: string;
  constructor(message: string, approvalId: string) {
    super(message, { code: "approval_timeout", retryable: true });
    this.approvalId = approvalId;
  }
}

/**
 * Opens human approval requests and waits for their decision. A request whose key is still
 * pending in the file or the store (an agent restarted while it waited, or another replica on a
 * shared store) is resumed, not opened again.
 */
export class ApprovalWaiter {
  readonly #client: ApprovalClient;
  /** The requests of calls without a key (and of every call without a store). */
  readonly #local: PendingApprovalStore;
  readonly #store: PendingApprovalStore | undefined;
  readonly #logger: Logger | undefined;
  /** The keys calls of this process wait on now, with how many calls wait on each. */
  readonly #waiting = new Map<string, number>();

  /** @param options see {@link ApprovalWaiterOptions} */
  constructor(options: ApprovalWaiterOptions) {
    this.#client = options.client;
    this.#logger = options.logger;
    if (options.file !== false) {
      requireFileSystem("ApprovalWaiter", "pass file: false (pending requests kept in memory)");
    }
    this.#store = options.store;
    this.#local =
      options.file === false
        ? new MemoryPendingApprovals()
        : new FilePendingApprovals(
            options.file ?? join(stateRoot(), options.client.workspaceId, "approvals.json"),
          );
  }

  /**
   * The requests this waiter (or a previous run with the same file or store, or another replica on
   * the same shared store) still waits for (`approvalId` is `null` while one is being opened).
   */
  async pending(): Promise<{ key: string; approvalId: string | null; action: string }[]> {
    const kept = [...(await this.#local.list()), ...((await this.#store?.list()) ?? [])];
    return kept.map((r) => ({ key: r.key, approvalId: r.approvalId, action: r.action }));
  }

  /**
   * Opens a request (or resumes the one with the same key and digest this waiter opened and has
   * not answered yet: after a restart, an abort or a timeout) and resolves with the decision:
   * approved, denied, or expired (a denial). Rejects with {@link ApprovalTimeoutError} after
   * `timeoutMs` and with the signal's reason when aborted; in both cases the request stays pending
   * and the next call with the same key and input waits on it again. One decision, one call: an
   * identical call made while another waits opens its own request, unless both pass the same
   * `key`. The person sees the action and reason with invisible characters as escapes.
   *
   * A decision answers only its own request: a request whose opening failed (a 503, a crash before
   * its id was saved) is adopted only by the fresh reference that attempt sent (its last reason
   * line), so an earlier decision on the same words is never returned; a decision is returned
   * once, then forgotten.
   */
  async request(
    input: ApprovalRequestInput,
    options: ApprovalWaitOptions = {},
  ): Promise<ApprovalResult> {
    const digest = requestDigest(input); // of the exact input
    input = shownRequest(input); // what the person is shown: invisible characters as escapes
    approvalBody(input); // every argument checked before anything is sent or saved
    // Taken before anything is awaited, so that calls made at the same instant count each other.
    const key = options.key ?? this.#freeKey(defaultKey(input));
    // A key the caller chose names one call: kept in the store (see `ApprovalWaiterOptions.store`).
    const kept = options.key !== undefined ? (this.#store ?? this.#local) : this.#local;
    this.#waiting.set(key, (this.#waiting.get(key) ?? 0) + 1);
    try {
      return await this.#request(input, digest, key, kept, options);
    } finally {
      const left = (this.#waiting.get(key) ?? 1) - 1;
      if (left > 0) this.#waiting.set(key, left);
      else this.#waiting.delete(key);
    }
  }

  /**
   * The first of `base`, `base#2`, `base#3`, ... that no call of this process waits on: an
   * identical request made while one waits gets its own (and after a restart, each of several
   * resumes its own).
   */
  #freeKey(base: string): string {
    let key = base;
    for (let n = 2; this.#waiting.has(key); n++) key = `${base}#${n}`;
    return key;
  }

  async #request(
    input: ApprovalRequestInput,
    digest: string,
    waitKey: string,
    kept: PendingApprovalStore,
    options: ApprovalWaitOptions,
  ): Promise<ApprovalResult> {
    const key = boundedKey(waitKey);
    const inKept = await kept.get(key);
    // A request kept in the file before the agent had a store (an upgrade) is resumed too.
    const fromFile = inKept === undefined && kept !== this.#local;
    const inFile = fromFile ? await this.#local.get(key) : undefined;
    const stored = inKept ?? inFile;
    // Once the store holds the key, the file's record goes (moved to the store, or replaced).
    const leaveFile = async (): Promise<void> => {
      if (inFile !== undefined) await this.#local.delete(key, inFile.approvalId);
    };
    let approvalId: string | undefined;
    let ref: string | undefined;
    const own = stored?.digest === digest ? stored.ref : undefined;
    if (stored !== undefined && own === undefined) {
      this.#logger?.warn?.(
        "approval: the request kept under this key asked something else; it is not resumed, a new one is opened",
        { key, approvalId: stored.approvalId },
      );
    } else if (stored !== undefined && own !== undefined) {
      ref = own;
      approvalId = stored.approvalId ?? undefined;
      if (approvalId === undefined) {
        // A previous attempt died between opening the request and saving its id (or its opening
        // failed): adopt only the row sent with that attempt's own reference (fresh per attempt,
        // so it is that request, never an earlier one; its decision was never returned).
        const reason = referencedReason(input.reason, own, digest);
        const rows = await this.#client.listApprovals({ signal: options.signal });
        approvalId = rows.find(
          (r) =>
            r.action === input.action && r.reason === reason && r.taskId === (input.taskId ?? ""),
        )?.id;
      }
    }
    if (approvalId === undefined) {
      const fresh = newReference();
      const reason = referencedReason(input.reason, fresh, digest);
      // Saved before the request is opened, so a crash right after it still finds it (above).
      await kept.put(record(key, null, input, fresh, digest));
      await leaveFile();
      const created = await this.#client.createApproval({
        action: input.action,
        reason,
        taskId: input.taskId,
        context: input.context,
        signal: options.signal,
      });
      approvalId = created.approvalId;
      ref = fresh;
    }
    const id = approvalId;
    await kept.put(record(key, id, input, ref, digest));
    await leaveFile();
    const result = await this.wait(id, options);
    // Answered: the entry goes, so no later call is given this decision.
    await kept.delete(key, id);
    return { ...result, digest };
  }

  /** Waits for the decision on an existing request of this workspace. */
  async wait(approvalId: string, options: ApprovalWaitOptions = {}): Promise<ApprovalResult> {
    const timeoutMs = options.timeoutMs ?? 15 * 60_000;
    const pollMs = options.pollIntervalMs ?? 5_000;
    if (!(timeoutMs > 0) || !(pollMs > 0))
      throw new MoleculeError("timeoutMs and pollIntervalMs must be positive numbers", {
        code: "invalid_argument",
      });
    options.signal?.throwIfAborted();
    const stop = new AbortController();
    const onAbort = (): void => stop.abort(options.signal?.reason);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await new Promise<ApprovalResult>((resolve, reject) => {
        let settled = false;
        const finish = (r: ApprovalResult | Error): void => {
          if (settled) return;
          settled = true;
          stop.abort();
          if (r instanceof Error) reject(r);
          else resolve(r);
        };
        stop.signal.addEventListener("abort", () => {
          if (!settled)
            finish(stop.signal.reason instanceof Error ? stop.signal.reason : new Error("aborted"));
        });
        const deadline = setTimeout(
          () =>
            finish(
              new ApprovalTimeoutError(
                `no decision on approval ${approvalId} within ${timeoutMs} ms; it stays pending on the platform: ask again with the same input (requestApproval or ApprovalWaiter.request) to wait on this same request, or call ApprovalWaiter.wait("${approvalId}"); a person decides it on the canvas`,
                approvalId,
              ),
            ),
          timeoutMs,
        );
        stop.signal.addEventListener("abort", () => clearTimeout(deadline), { once: true });
        const check = async (): Promise<void> => {
          const rows = await this.#client.listApprovals({ signal: stop.signal });
          const row = rows.find((r) => r.id === approvalId);
          if (row === undefined || row.status === "pending") return;
          const expired = row.decidedBy === "auto-expired";
          const approved = row.status === "approved" && !expired;
          finish({
            approvalId,
            approved,
            decision: approved ? "approved" : "denied",
            decidedBy: row.decidedBy,
            expired,
            digest: readReference(row.reason)?.digest ?? null,
          });
        };
        const poll = async (): Promise<void> => {
          while (!stop.signal.aborted) {
            try {
              await check();
            } catch (err) {
              if (stop.signal.aborted) return;
              this.#logger?.warn?.("reading the approval's status failed; retrying", {
                approvalId,
                error: describe(err),
              });
            }
            await sleep(pollMs, stop.signal).catch(() => undefined);
          }
        };
        void poll();
        void readWorkspaceEvents(
          this.#client,
          stop.signal,
          (name, data) => {
            if (data["approval_id"] !== approvalId) return;
            if (name !== "APPROVAL_APPROVED" && name !== "APPROVAL_DENIED") return;
            // The row says what was decided (and the digest it binds to); a failed read is
            // retried by the poll.
            void check().catch(() => undefined);
          },
          // A decision made before the stream opened is found by a read right after it opens.
          () => void check().catch(() => undefined),
          this.#logger,
        );
      });
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }
}

function defaultKey(input: ApprovalRequestInput): string {
  return sha256Hex(JSON.stringify([input.action, input.taskId ?? "", input.reason ?? ""])).slice(
    0,
    32,
  );
}

/** Keys longer than this are kept as their SHA-256 (a caller's key may come from a sender). */
const MAX_KEY_CHARS = 200;

function boundedKey(key: string): string {
  return key.length <= MAX_KEY_CHARS ? key : `sha256:${sha256Hex(key)}`;
}

function record(
  key: string,
  approvalId: string | null,
  input: ApprovalRequestInput,
  ref: string | undefined,
  digest: string,
): PendingApprovalRecord {
  const at = new Date().toISOString();
  return { key, approvalId, action: input.action, createdAt: at, ref, digest };
}
