// Where a poll agent resumes when it finds no saved state (a container without a volume, a
// serverless instance, a deleted state folder, an edge runtime): a checkpoint it left in its own
// activity log (an `agent_log` row, method `molecule/inbound_checkpoint`: its cursor, the cursor's
// time, the rows settled past it and the messages its event stream brought that settled, whose
// rows the cursor may not have passed yet), written when the cursor has moved or such a message
// settled (at most every CHECKPOINT_EVERY_MS) and when it stops. Only this workspace's token (or
// the org's admins) can write that log: a peer cannot forge it. Read only at a start without a saved cursor, and never
// taken as "none" when it could not be read: a first start would deliver again what the platform
// still holds.
import { MAX_ID_LENGTH, isBoundedId } from "../../a2a/index.js";
import type { Backfill, CursorState } from "../../inbound/index.js";
import {
  askedWaitMs,
  backoffDelay,
  isMoleculeError,
  MoleculeError,
} from "../../transport/index.js";
import {
  type Logger,
  describe,
  platformRefused,
  sleep,
  whenRateWaits,
} from "../../transport/index.js";
import type { PathWarnings } from "../../events/index.js";
import type { AgentPlatformClient } from "../types.js";
import type { HeldLease } from "../../store/index.js";
import { REPLY_TIMEOUT_MS } from "../answer/answers.js";

/** The activity row's method (its type is `agent_log`, one the platform accepts from an agent). */
const CHECKPOINT_METHOD = "molecule/inbound_checkpoint";
/** At most one checkpoint write this often while messages are settled (ms). */
const CHECKPOINT_EVERY_MS = 10_000;
/**
 * Rows settled past the cursor that a checkpoint names (out-of-order settlements), and messages
 * the event stream brought that settled (`messages`).
 */
export const MAX_SETTLED = 200;
/** Longest wait the platform's rate limit can ask for (ms): its minute and the rounding second. */
const MAX_RATE_WAIT_MS = 61_000;
/**
 * How long a checkpoint read may take (ms), its retries included (each attempt within the client's
 * `timeoutMs`): 5 s after the longest wait the platform's rate limit can ask for.
 */
const READ_DEADLINE_MS = MAX_RATE_WAIT_MS + 5_000;
/** Longest wait between two reads of a checkpoint that could not be read (ms). */
const MAX_READ_RETRY_MS = 30_000;

/**
 * Whether a failed read may pass when tried again: an error flagged `retryable` (rate limit,
 * timeout, outage, connection), or an untyped one that is not a bug (a custom client's network error).
 */
function transient(err: unknown): boolean {
  const retryable = (err as { retryable?: unknown } | null | undefined)?.retryable;
  if (typeof retryable === "boolean") return retryable;
  return !(err instanceof TypeError) && !(err instanceof RangeError);
}

/**
 * What a checkpoint holds: the cursor (none before a read passed a row), its time, rows settled
 * past it (activity ids), and the messages the event stream brought that settled (messageIds
 * within their sender, `messageKey`): a start from it runs none of them again.
 */
export interface Checkpoint {
  cursor: string | undefined;
  cursorAt?: string;
  settled: readonly string[];
  messages: readonly string[];
}

type Client = Required<Pick<AgentPlatformClient, "fetchActivityRows" | "reportActivity">> &
  Pick<AgentPlatformClient, "workspaceId">;

/** The reply outbox, as a checkpoint waits on it. */
interface Outbox {
  /** Resolves once each answer queued now is delivered or dead-lettered (or the agent stops). */
  sent(): Promise<void>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The well-formed strings of a checkpoint's list, at most {@link MAX_SETTLED}. */
function listOf(v: unknown, bounded: (s: string) => boolean): string[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((s): s is string => typeof s === "string" && s !== "" && bounded(s))
    .slice(-MAX_SETTLED);
}

/** A message's key (its sender, a newline, its messageId) within the ids' bounds. */
const isMessageKey = (s: string): boolean => s.length <= 2 * MAX_ID_LENGTH + 1;

/**
 * A checkpoint's body as stored, or `undefined` when it is not a well-formed one: a cursor, or
 * (written before any read passed a row) messages the stream brought.
 */
function parse(body: unknown): Checkpoint | undefined {
  const cp = isRecord(body) ? body["inbound_checkpoint"] : undefined;
  if (!isRecord(cp) || cp["v"] !== 1) return undefined;
  let cursor: unknown = cp["cursor"];
  if (cursor === undefined || cursor === null) cursor = undefined;
  else if (typeof cursor !== "string" || cursor === "" || !isBoundedId(cursor)) return undefined;
  const messages = listOf(cp["messages"], isMessageKey);
  if (cursor === undefined && messages.length === 0) return undefined;
  const out: Checkpoint = {
    cursor: cursor as string | undefined,
    settled: listOf(cp["settled"], isBoundedId),
    messages,
  };
  const at = cp["cursor_at"];
  if (typeof at === "string" && Number.isFinite(Date.parse(at))) out.cursorAt = at;
  return out;
}

/** What was written of a checkpoint: nothing is written again for the same. */
const writtenOf = (cp: Checkpoint): string => `${cp.cursor ?? ""}\n${cp.messages.at(-1) ?? ""}`;

/**
 * What a checkpoint records: the saved cursor, its time, the rows settled recently and the
 * messages the stream brought that settled; nothing while there is neither cursor nor message.
 */
export function checkpointOf(
  state: Pick<CursorState, "cursor" | "cursorAt">,
  settled: readonly string[],
  messages: readonly string[],
): Checkpoint | undefined {
  if (state.cursor === undefined && messages.length === 0) return undefined;
  const at = state.cursorAt === undefined ? {} : { cursorAt: state.cursorAt };
  return { cursor: state.cursor, ...at, settled, messages };
}

/** The checkpoints of one poll agent. */
export class PollCheckpoint {
  readonly #client: Client;
  readonly #logger: Logger;
  readonly #outbox: Outbox;
  readonly #timeoutMs: number;
  /** Where a write failing on the path to the platform is said (the agent's path warnings). */
  readonly #path: Pick<PathWarnings, "failed" | "passed"> | undefined;
  /** Asked before each write leaves: whether the agent may act (its state folder's lease). */
  readonly #lease: HeldLease | undefined;
  /** What the next write sends, taken when it starts. */
  #of: (() => Checkpoint | undefined) | undefined;
  /** What was written last (`writtenOf`: nothing is written again for the same). */
  #written: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;

  private constructor(
    client: Client,
    logger: Logger,
    outbox: Outbox,
    timeoutMs: number,
    path: Pick<PathWarnings, "failed" | "passed"> | undefined,
    lease: HeldLease | undefined,
  ) {
    this.#client = client;
    this.#logger = logger;
    this.#outbox = outbox;
    this.#timeoutMs = timeoutMs;
    this.#path = path;
    this.#lease = lease;
  }

  /**
   * Checkpoints for `client`, when it can read and write its activity log; each one is written
   * once the answers to the messages it passes have left `outbox`. `timeoutMs` bounds one attempt
   * of a write as an answer's (`replyTimeoutMs`, default 20 s): its wait for the rate budget, the
   * exchange and the whole body of the platform's answer. One that times out is sent again at
   * once on a new connection (fresh-retry.ts); one the rate limit kept from being sent (nothing
   * was sent) waits apart, as the platform asks. A write is given up only when the platform
   * refused it (transport/path-failure.ts); any other failure is written again later, one that
   * failed on the path to the platform said by `path` (the agent's path warnings). None leaves
   * once `lease` (the state folder's) is lost: a thawed holder writes no checkpoint.
   */
  static of(
    client: AgentPlatformClient,
    logger: Logger,
    outbox: Outbox,
    timeoutMs = REPLY_TIMEOUT_MS,
    path?: Pick<PathWarnings, "failed" | "passed">,
    lease?: HeldLease,
  ): PollCheckpoint | undefined {
    if (!client.fetchActivityRows || !client.reportActivity) return undefined;
    return new PollCheckpoint(client as Client, logger, outbox, timeoutMs, path, lease);
  }

  /**
   * The newest checkpoint in this workspace's activity log, if any. A read that fails for a
   * transient reason (the rate limit, a timeout, an outage) is tried again until it reads or
   * `signal` aborts (logged once); one that cannot succeed fails with `checkpoint_unreadable`:
   * taking it as "no checkpoint" would deliver again what the platform still holds. `held` is
   * called when the read has to wait: for its turn of the rate budget, or to be tried again.
   */
  async read(signal: AbortSignal, held?: () => void): Promise<Checkpoint | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#readOnce(signal, held);
      } catch (err) {
        if (signal.aborted) throw err;
        if (!transient(err)) {
          throw new MoleculeError(
            `the inbound checkpoint could not be read from workspace ${this.#client.workspaceId}'s activity log (${describe(err)}); without it a start with no saved cursor would deliver again every message the platform still holds: fix the cause, or give the agent the state it saved (its store, MOLECULE_STATE_DIR)`,
            { code: "checkpoint_unreadable", retryable: false, cause: err },
          );
        }
        held?.();
        const delay = askedWaitMs(err) ?? backoffDelay(attempt, 1_000, MAX_READ_RETRY_MS);
        if (attempt === 1) this.#readAgain(err, delay);
        await sleep(delay, signal);
        if (signal.aborted) throw err;
      }
    }
  }

  /**
   * Says once that the checkpoint is read again: under a spent rate budget that is the budget's
   * pace, not a failure (info); any other cause is a warning.
   */
  #readAgain(err: unknown, retryInMs: number): void {
    const meta = { error: describe(err), retryInMs };
    const after =
      "no message is read before it (reading without it would deliver again what the platform still holds)";
    if (isMoleculeError(err, "rate_limited")) {
      this.#logger.info?.(
        `the inbound checkpoint is read when the platform's rate limit gives it a turn; ${after}`,
        meta,
      );
    } else {
      this.#logger.warn?.(
        `could not read the inbound checkpoint from the activity log; reading it again until it reads; ${after}`,
        meta,
      );
    }
  }

  async #readOnce(signal: AbortSignal, held?: () => void): Promise<Checkpoint | undefined> {
    const both = AbortSignal.any([signal, AbortSignal.timeout(READ_DEADLINE_MS)]);
    const page = await this.#client.fetchActivityRows({
      type: "agent_log",
      limit: 100,
      signal: held ? whenRateWaits(both, held) : both,
    });
    for (const row of page.rows.toReversed()) {
      if (row.method !== CHECKPOINT_METHOD) continue;
      if (row.source_id && row.source_id !== this.#client.workspaceId) continue;
      const cp = parse(row.request_body);
      if (cp !== undefined) return cp;
    }
    return undefined;
  }

  /** The cursor moved, or a message settled: writes a checkpoint within {@link CHECKPOINT_EVERY_MS}. */
  changed(of: () => Checkpoint | undefined): void {
    this.#of = of;
    if (this.#timer !== undefined || this.#writing !== undefined) return;
    this.#schedule();
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush(false);
    }, CHECKPOINT_EVERY_MS);
    this.#timer.unref?.();
  }

  /**
   * Writes the checkpoint now when the cursor moved since the last one (`last`: the agent stops;
   * else a write the rate limit kept from being sent is tried again later, without a warning).
   * The messages it passes were settled with their answers queued; it is written once those
   * answers have left the outbox: a kill before that leaves them to the next start, which handles
   * them again and sends what was not sent (what was is the same message again: outbox-record.ts).
   */
  async flush(last = true): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#writing !== undefined) await this.#writing;
    const cp = this.#of?.();
    if (cp === undefined || writtenOf(cp) === this.#written) return;
    const write = async (): Promise<void> => {
      await this.#outbox.sent();
      if (this.#lease && !(await this.#lease.proven())) return; // lost: the agent ends
      await this.#write(cp, last);
    };
    this.#writing = write().finally(() => (this.#writing = undefined));
    await this.#writing;
  }

  /** Stops scheduled writes (a removed or unauthorized agent writes none). */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#of = undefined;
  }

  /**
   * Writes `cp`. Not sent for the rate limit: a scheduled write waits for a later one; the last
   * (a stop) waits what the platform asked (at most its minute) and is sent once more.
   */
  async #write(cp: Checkpoint, last: boolean): Promise<void> {
    for (let waited = false; ; waited = true) {
      try {
        await this.#send(cp, last);
        this.#written = writtenOf(cp);
        this.#path?.passed();
        return;
      } catch (err) {
        if (!isMoleculeError(err, "rate_limited")) {
          // Kept unless the platform refused it: written again later (a stop's last write is
          // not: the next start writes it). The path failing is said by the path warnings.
          if (this.#path?.failed(err) !== true) this.#warn(err);
          if (!last && this.#of !== undefined && !platformRefused(err) && this.#timer === undefined)
            this.#schedule();
          return;
        }
        if (!last && this.#of !== undefined) {
          // The bucket is spent: the write waits for a later turn (the next one sends the newest).
          this.#logger.debug?.("inbound checkpoint deferred: the platform's rate limit is spent");
          if (this.#timer === undefined) this.#schedule();
          return;
        }
        if (!last || waited) {
          this.#warn(err);
          return;
        }
        const wait = Math.min(askedWaitMs(err) ?? MAX_RATE_WAIT_MS, MAX_RATE_WAIT_MS);
        this.#logger.debug?.("inbound checkpoint waits for the platform's rate limit", {
          waitMs: wait,
        });
        await sleep(wait);
      }
    }
  }

  #warn(err: unknown): void {
    this.#logger.warn?.("could not write the inbound checkpoint to the activity log", {
      error: describe(err),
    });
  }

  /** One write of `cp`: within the write's timeout, and once more on a new connection after it. */
  async #send(cp: Checkpoint, last: boolean): Promise<void> {
    await this.#client.reportActivity(
      {
        activityType: "agent_log",
        method: CHECKPOINT_METHOD,
        summary:
          cp.cursor === undefined
            ? `inbound messages settled: ${cp.messages.length} from the event stream`
            : `inbound messages settled through activity ${cp.cursor}`,
        status: "ok",
        requestBody: {
          inbound_checkpoint: {
            v: 1,
            ...(cp.cursor === undefined ? {} : { cursor: cp.cursor }),
            ...(cp.cursorAt === undefined ? {} : { cursor_at: cp.cursorAt }),
            settled: cp.settled.slice(-MAX_SETTLED),
            messages: cp.messages.slice(-MAX_SETTLED),
          },
        },
      },
      // One that times out is sent again at once on a new connection (a NAT may have forgotten
      // the pooled one); the signal bounds both, and a client that ignores `timeoutMs`.
      {
        timeoutMs: this.#timeoutMs,
        signal: AbortSignal.timeout(2 * this.#timeoutMs + 1_000),
        background: !last, // behind answers and polls, except the one a stop waits for
      },
    );
  }
}

/**
 * Where a start reads from, said in one log line: after the saved cursor; else after the
 * checkpoint this workspace left in its activity log (its saved state was lost); else a first
 * start, which reads what the `backfill` option says (by default every message the platform still
 * holds). Returns the state to start from (with the messages a checkpoint names as settled, which
 * run no more), and the rows a checkpoint says were settled past it.
 */
export async function resumeFrom(
  state: CursorState,
  readCheckpoint: () => Promise<Checkpoint | undefined>,
  o: { backfill: Backfill; where: string; logger: Logger },
): Promise<{ state: CursorState; settled: readonly string[] }> {
  const log = o.logger.info?.bind(o.logger);
  if (state.cursor !== undefined) {
    const { cursor, cursorAt } = state;
    log?.("inbound: resuming after the saved cursor", { cursor, cursorAt, store: o.where });
    return { state, settled: [] };
  }
  if (state.startedAt !== undefined) return { state, settled: [] }; // `backfill: "none"`, empty
  const seen = state.seenMessageIds?.length ?? 0;
  if (seen > 0) {
    // Saved before any read passed a row: the messages the stream brought run no more.
    log?.(
      `inbound: resuming from the saved state, which has no cursor yet: the ${seen} messages it settled are not delivered again`,
      { store: o.where },
    );
    return { state, settled: [] };
  }
  const cp = await readCheckpoint();
  if (cp !== undefined) {
    // The messages the stream brought that settled are not run again, whatever reads them.
    const seenMessageIds = [...(state.seenMessageIds ?? []), ...cp.messages];
    state = { ...state, seenMessageIds };
  }
  if (cp?.cursor !== undefined) {
    log?.(
      "inbound: no saved cursor; resuming after this workspace's checkpoint in its activity log",
      {
        cursor: cp.cursor,
        cursorAt: cp.cursorAt,
        store: o.where,
      },
    );
    const at = cp.cursorAt === undefined ? {} : { cursorAt: cp.cursorAt };
    return { state: { ...state, cursor: cp.cursor, ...at }, settled: cp.settled };
  }
  if (cp !== undefined) {
    log?.(
      `inbound: no saved cursor; resuming from this workspace's checkpoint in its activity log, which has no cursor yet: the ${cp.messages.length} messages it names as settled are not delivered again`,
      { store: o.where },
    );
  } else if (o.backfill === "all") {
    log?.(
      "inbound: a first start (no saved cursor, no checkpoint in the activity log): delivering every message the platform still holds",
      { store: o.where },
    );
  }
  return { state, settled: [] };
}
