// Late commits (`EmulatorOptions.commitDelay`, `lateCommits`): an activity row's `created_at` and
// `seq` are fixed when its write starts (the server's `now()`, its transaction's start, and its
// identity column; `activity.go` 1091-1160 at enteros-core aeec8e47); it becomes visible to readers,
// and its `ACTIVITY_LOGGED` is sent, when it commits: at once, or when the delay says, so rows can
// become visible out of `(created_at, seq)` order as concurrent transactions do on the server.
import { randomBytes } from "node:crypto";
import { EmulatorError } from "./errors.js";
import type { ActivityRow } from "./store.js";
import type { EmulatorOptions, LateCommits } from "./types.js";

/** When a written row commits: a delay in ms, or a promise it commits at. */
export type CommitDelay = (row: Record<string, unknown>) => number | PromiseLike<unknown>;

/** A generator of numbers in [0, 1) from a 32-bit seed (mulberry32). */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function badLateCommits(what: string): EmulatorError {
  return new EmulatorError(`lateCommits: ${what}`, { code: "invalid_argument" });
}

/** The commit delay of `commitDelay` or `lateCommits` (checked), or `undefined`: rows commit at once. */
export function commitDelayOf(options: EmulatorOptions): CommitDelay | undefined {
  const late: LateCommits | undefined = options.lateCommits;
  if (late === undefined) return options.commitDelay;
  if (options.commitDelay !== undefined)
    throw badLateCommits(
      "give either commitDelay (a delay per row) or lateCommits (random delays), not both",
    );
  const { maxDelayMs, probability = 1, seed = randomBytes(4).readUInt32LE() } = late;
  if (!Number.isInteger(maxDelayMs) || maxDelayMs <= 0)
    throw badLateCommits(
      `maxDelayMs must be a positive integer of milliseconds, got ${maxDelayMs}`,
    );
  if (typeof probability !== "number" || !(probability >= 0 && probability <= 1))
    throw badLateCommits(`probability must be a number from 0 to 1, got ${probability}`);
  if (!Number.isInteger(seed)) throw badLateCommits(`seed must be an integer, got ${seed}`);
  const random = seededRandom(seed);
  return () => (random() < probability ? 1 + Math.floor(random() * maxDelayMs) : 0);
}

/** An activity row written and not yet committed (visible to no reader). */
interface Uncommitted {
  /** Its `ACTIVITY_LOGGED` payload, sent at commit (none for a direct INSERT). */
  event: Record<string, unknown> | undefined;
  done: Promise<void>;
  resolve: () => void;
  timer: NodeJS.Timeout | undefined;
}

/** The rows written and not yet committed, and when each commits (see the file comment). */
export class CommitQueue {
  readonly #uncommitted = new Map<ActivityRow, Uncommitted>();
  readonly #delay: CommitDelay | undefined;
  readonly #commit: (r: ActivityRow, event: Record<string, unknown> | undefined) => void;

  constructor(
    delay: CommitDelay | undefined,
    commit: (r: ActivityRow, event: Record<string, unknown> | undefined) => void,
  ) {
    this.#delay = delay;
    this.#commit = commit;
  }

  /** Writes `r` (its wire shape is `json`), committing it at once or when the delay says. */
  write(
    r: ActivityRow,
    json: () => Record<string, unknown>,
    event?: Record<string, unknown>,
  ): void {
    const delay = this.#delay === undefined ? 0 : this.#delay(json());
    if (typeof delay === "number" && !(delay > 0)) return this.#commit(r, event);
    let resolve!: () => void;
    const done = new Promise<void>((res) => {
      resolve = res;
    });
    const u: Uncommitted = { event, done, resolve, timer: undefined };
    this.#uncommitted.set(r, u);
    const commit = (): void => this.#late(r);
    if (typeof delay === "number") {
      u.timer = setTimeout(commit, delay);
      u.timer.unref();
    } else Promise.resolve(delay).then(commit, commit);
  }

  /** Resolves when `r` has committed, or `undefined` when it already has. */
  whenCommitted(r: ActivityRow): Promise<void> | undefined {
    return this.#uncommitted.get(r)?.done;
  }

  /** Commits every row still uncommitted, in write order (emulator close). */
  commitAll(): void {
    for (const r of this.#uncommitted.keys()) this.#late(r);
  }

  #late(r: ActivityRow): void {
    const u = this.#uncommitted.get(r);
    if (u === undefined) return;
    this.#uncommitted.delete(r);
    clearTimeout(u.timer);
    this.#commit(r, u.event);
    u.resolve();
  }
}
