// Approvals that survive a restart (issue #81 item 3): the tool calls a person is asked about,
// kept in the agent's store (`CursorState.pendingToolCalls`) with the exact input shown and its
// digest, and the framework's resumable run. After a restart the adapter resumes the run, the same
// request is asked again (same key and digest: the waiter resumes it, nothing new is opened), and
// an approval runs the call once: `claim` marks it `running` (saved) before the tool is run, so a
// second delivery of the decision, a redelivered message or a restart after the run finds it taken.
//
// The class loads the request's digest (approval-request.ts) when it first records a call, so an
// agent that never asks about a tool call does not load the approval modules (issue 93); the
// decision itself is durable-verdict.ts.
import type { PendingToolCallRecord } from "../platform/index.js";

export type { PendingToolCallRecord } from "../platform/index.js";

/** Where the records are kept: the agent's state store (`RemoteAgent.pendingToolCalls`). */
export interface PendingToolCallBackend {
  loadToolCalls(): Promise<PendingToolCallRecord[]>;
  saveToolCalls(records: PendingToolCallRecord[]): Promise<void>;
}

/** A change's records and what the change resolves with. */
type Changed<T> = { records: PendingToolCallRecord[]; value: T };

/** Records kept at most (the oldest finished ones go first). */
const KEPT = 200;

/** What the model reads for a call that was handed to its tool already. */
export const ALREADY_RUN =
  "Error: this call was approved and handed to the tool before (an earlier delivery of the same call, or before a restart); it is not run again";

/**
 * The tool calls of one agent waiting for a person, or decided (see the file comment). Every
 * change is saved before the method resolves; changes are made one at a time.
 */
export class PendingToolCalls {
  readonly #backend: PendingToolCallBackend | undefined;
  #records: PendingToolCallRecord[] | undefined;
  #chain: Promise<unknown> = Promise.resolve();

  /** @param backend where the records persist; none: in memory (a restart forgets them). */
  constructor(backend?: PendingToolCallBackend) {
    this.#backend = backend;
  }

  /** The record of a call, by key. */
  async get(key: string): Promise<PendingToolCallRecord | undefined> {
    return (await this.#all()).find((r) => r.key === key);
  }

  /** The records of an inbound message's turn, oldest first. */
  async forMessage(messageKey: string): Promise<PendingToolCallRecord[]> {
    return (await this.#all()).filter((r) => r.messageKey === messageKey);
  }

  /** Every record, oldest first. */
  async list(): Promise<PendingToolCallRecord[]> {
    return [...(await this.#all())];
  }

  /**
   * Records a call about to be asked (status `pending`), or updates the resumable run of one still
   * pending. A call already `running` or `done` is left as it is. Resolves with the record kept.
   */
  record(
    entry: Omit<PendingToolCallRecord, "status" | "createdAt" | "digest">,
  ): Promise<PendingToolCallRecord> {
    return this.#change(async (records) => {
      const { toolCallDigest } = await import("./approval-request.js");
      const digest = toolCallDigest(entry.tool, entry.input);
      const i = records.findIndex((r) => r.key === entry.key);
      const old = records[i];
      if (old !== undefined && old.status !== "pending") return { records, value: old };
      const rec: PendingToolCallRecord = {
        ...entry,
        digest,
        status: "pending",
        createdAt: old?.createdAt ?? new Date().toISOString(),
      };
      const next = old === undefined ? [...records, rec] : records.with(i, rec);
      return { records: prune(next), value: rec };
    });
  }

  /**
   * Takes an approved call for running, once: `true` when it was `pending` with this digest (now
   * `running`, saved before this resolves), `false` otherwise (taken already, finished, unknown,
   * or recorded for another input).
   */
  claim(key: string, digest: string): Promise<boolean> {
    return this.#change((records) => {
      const i = records.findIndex((r) => r.key === key);
      const old = records[i];
      if (old === undefined || old.status !== "pending" || old.digest !== digest)
        return { records, value: false };
      return { records: records.with(i, { ...old, status: "running" }), value: true };
    });
  }

  /**
   * Marks calls finished: `done` (the tool returned; the default) or `refused` (denied, expired, not
   * asked); unknown keys are skipped.
   */
  finish(keys: readonly string[], status: "done" | "refused" = "done"): Promise<void> {
    return this.#change((records) => ({
      records: records.map((r) => (keys.includes(r.key) ? { ...r, status } : r)),
      value: undefined,
    }));
  }

  async #all(): Promise<PendingToolCallRecord[]> {
    await this.#chain.catch(() => undefined);
    this.#records ??= (await this.#backend?.loadToolCalls()) ?? [];
    return this.#records;
  }

  /** Applies one change and saves it, after the changes asked before it. */
  #change<T>(
    f: (records: PendingToolCallRecord[]) => Changed<T> | Promise<Changed<T>>,
  ): Promise<T> {
    const p = this.#chain
      .catch(() => undefined)
      .then(async () => {
        this.#records ??= (await this.#backend?.loadToolCalls()) ?? [];
        const { records, value } = await f(this.#records);
        if (records !== this.#records) {
          await this.#backend?.saveToolCalls(records);
          this.#records = records;
        }
        return value;
      });
    this.#chain = p;
    return p;
  }
}

/** At most {@link KEPT} records: the oldest finished ones go first, pending ones stay. */
function prune(records: PendingToolCallRecord[]): PendingToolCallRecord[] {
  let drop = records.length - KEPT;
  if (drop <= 0) return records;
  return records.filter((r) => (r.status !== "done" && r.status !== "refused") || drop-- <= 0);
}
