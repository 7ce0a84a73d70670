// Approvals that survive a restart (issue #81 item 3): the tool calls a person is asked about,
// kept in the agent's store (`CursorState.pendingToolCalls`) with the exact input shown and its
// digest, and the framework's resumable run. After a restart the adapter resumes the run, the same
// request is asked again (same key and digest: the waiter resumes it, nothing new is opened), and
// an approval runs the call once: `claim` marks it `running` (saved) before the tool is run, so a
// second delivery of the decision, a redelivered message or a restart after the run finds it taken.
import type { ApprovalRequestInput, PendingToolCallRecord } from "../platform/index.js";
import type { Logger } from "../transport/index.js";
import { toolCallDigest } from "./approval-request.js";
import { toolCallVerdict } from "./approval-decision.js";
import type { ApprovalResult } from "./approvals.js";

export type { PendingToolCallRecord } from "../platform/index.js";

/** Where the records are kept: the agent's state store (`RemoteAgent.pendingToolCalls`). */
export interface PendingToolCallBackend {
  loadToolCalls(): Promise<PendingToolCallRecord[]>;
  saveToolCalls(records: PendingToolCallRecord[]): Promise<void>;
}

/** Records kept at most (the oldest finished ones go first). */
const KEPT = 200;

/** What the model reads for a call that was handed to its tool already. */
export const ALREADY_RUN =
  "Error: this call was approved and handed to the tool before (an earlier delivery of the same call, or before a restart); it is not run again";

/** What the model reads for a call a person refused before (a redelivered message's turn). */
const REFUSED_BEFORE =
  "Error: this call was refused before (an earlier delivery of the same call, or before a restart); the call was not run";

/** What the model reads for a call whose input is not the one the person was asked about. */
const OTHER_INPUT =
  "Error: this call's input is not the one the person was asked about; the call was not run";

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
    return this.#change((records) => {
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
    f: (records: PendingToolCallRecord[]) => { records: PendingToolCallRecord[]; value: T },
  ): Promise<T> {
    const p = this.#chain
      .catch(() => undefined)
      .then(async () => {
        this.#records ??= (await this.#backend?.loadToolCalls()) ?? [];
        const { records, value } = f(this.#records);
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

/**
 * The decision on one tool call, kept across restarts: a call already handed to its tool is not
 * run again (the model reads why); else it is recorded (`record`: the message and the resumable
 * run), asked through `ask` ({@link toolCallVerdict}: the complete input shown, the decision bound
 * to its digest, the request keyed by `key` so a restarted agent resumes it), and an approval is
 * taken once ({@link PendingToolCalls.claim}). Resolves with `undefined` when the caller runs the
 * tool now (then `finish([key])` once it returned), else the line the model reads.
 */
export async function durableToolCallVerdict(
  calls: PendingToolCalls,
  call: { key: string; tool: string; input: unknown; messageKey?: string; run?: string },
  ask: (request: ApprovalRequestInput) => Promise<ApprovalResult>,
  options: { reason?: string; taskId?: string; logger?: Logger; label: string },
): Promise<string | undefined> {
  // One decision at a time per call: a second delivery made while the first waits gets its
  // outcome from the record the first leaves (taken or refused), not a request of its own.
  let waiting = asking.get(calls);
  if (waiting === undefined) asking.set(calls, (waiting = new Map()));
  const before = waiting.get(call.key);
  const mine = (async () => {
    await before?.catch(() => undefined);
    return await decideOnce(calls, call, ask, options);
  })();
  waiting.set(call.key, mine);
  try {
    return await mine;
  } finally {
    if (waiting.get(call.key) === mine) waiting.delete(call.key);
  }
}

/** The decisions being made, per store and call key (see {@link durableToolCallVerdict}). */
const asking = new WeakMap<PendingToolCalls, Map<string, Promise<unknown>>>();

async function decideOnce(
  calls: PendingToolCalls,
  call: { key: string; tool: string; input: unknown; messageKey?: string; run?: string },
  ask: (request: ApprovalRequestInput) => Promise<ApprovalResult>,
  options: { reason?: string; taskId?: string; logger?: Logger; label: string },
): Promise<string | undefined> {
  const { key, tool, input } = call;
  const kept = await calls.record({
    key,
    tool,
    input,
    ...(call.messageKey === undefined ? {} : { messageKey: call.messageKey }),
    ...(call.run === undefined ? {} : { run: call.run }),
  });
  if (kept.status === "refused") return REFUSED_BEFORE;
  if (kept.status !== "pending") return ALREADY_RUN;
  const digest = toolCallDigest(tool, input);
  if (kept.digest !== digest) return OTHER_INPUT;
  const verdict = await toolCallVerdict(ask, tool, input, options);
  if (verdict !== undefined) {
    await calls.finish([key], "refused");
    return verdict;
  }
  return (await calls.claim(key, digest)) ? undefined : ALREADY_RUN;
}
