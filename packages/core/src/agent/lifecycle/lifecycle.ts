// An agent's life cycle errors: start-up calls (probe, register, first heartbeat) retried through
// transient failures, a start cancelled by stop(), and the errors that end an agent.
import type { Logger } from "../../transport/index.js";
import { describe } from "../../transport/index.js";
import { backoffDelay, inRateClass, retriedByCaller, sleep } from "../../transport/index.js";
import { isMoleculeError, MoleculeAuthError, MoleculeError } from "../../transport/index.js";
import { askedWaitMs, pathFailureOf } from "../../transport/index.js";

/** How start-up retries. */
export interface StartRetryOptions {
  /**
   * Attempts per start-up call (default 6: 0.5 + 1 + 2 + 4 + 8 s = about 15 s of backoff in all).
   * Each attempt sends its request once: the transport's own retries are off inside a start.
   */
  attempts: number;
  /** First retry delay in ms (default 500; doubles per attempt, jittered, capped at 8 s). */
  baseMs?: number;
  /** Aborted by `stop()`. */
  signal: AbortSignal;
  logger: Logger;
  /** The start's turn at the process's start gate: given back while waiting to retry. */
  turn: {
    give(): void;
    take(signal: AbortSignal): Promise<void>;
    call<T>(fn: () => Promise<T>): Promise<T>;
  };
}

/**
 * Whether `err` may pass if the call is repeated: an error flagged `retryable` (5xx, timeouts,
 * rate limits, connection failures), or one with no status and no `retryable` flag (a network
 * error from a custom client). Authentication, validation and removal errors are permanent.
 */
function isTransient(err: unknown): boolean {
  if (!err || typeof err !== "object") return false;
  const { retryable, status } = err as { retryable?: unknown; status?: unknown };
  if (typeof retryable === "boolean") return retryable;
  if (typeof status === "number") return status >= 500 || status === 429 || status === 408;
  return !(err instanceof TypeError) && !(err instanceof RangeError);
}

/** Whether `err` says the workspace was removed (the agent ends, never retries). */
export function isRemovedError(err: unknown): boolean {
  return (
    !!err && typeof err === "object" && (err as { code?: unknown }).code === "workspace_removed"
  );
}

/**
 * Whether `err` is the platform's own 401 (the agent ends after `maxUnauthorized`): a 401 the path
 * answered (a front's sign-in page: `pathFailureOf`) never counts.
 */
export function isUnauthorized(err: unknown): boolean {
  if (!err || typeof err !== "object" || (err as { status?: unknown }).status !== 401) return false;
  return pathFailureOf(err) === undefined;
}

/** Raised by `start()` when `stop()` cancelled it. */
export function startCancelled(): MoleculeError {
  return new MoleculeError(
    "RemoteAgent.start() was cancelled by stop(); create a new agent to start again.",
    { code: "agent_stopped", retryable: false },
  );
}

/** One start-up call, retried as {@link startSteps} says. */
export type StartStep = <T>(what: string, fn: (signal: AbortSignal) => Promise<T>) => Promise<T>;

/** Start-up calls the rate limit refused that do not count as attempts (then they do). */
const MAX_START_RATE_LIMITED = 10;

/** Longest wait between two attempts of a start-up call. */
const MAX_START_DELAY_MS = 8_000;

/**
 * Start-up calls with these retry options: each runs `fn` until it succeeds, retrying transient
 * errors with backoff up to `attempts` times. This is the start's one retry budget: `fn` gets a
 * signal the transport sends once with (no retries of its own nested in each attempt), so a
 * refused connection fails the start after `attempts` connection attempts and about 15 s, and
 * each `retryInMs` logged is the gap to the next attempt. A permanent error, or the last transient
 * one, is thrown as is (typed by the client); `stop()` (the signal) ends the wait at once with an
 * `agent_stopped` error.
 */
export function startSteps(o: StartRetryOptions): StartStep {
  // An agent's start goes right after heartbeats in the rate budget: it is how the agent comes online.
  const once = inRateClass(retriedByCaller(AbortSignal.any([o.signal])), "start");
  return async (what, fn) => {
    let refused = 0;
    for (let attempt = 1; ; attempt++) {
      if (o.signal.aborted) throw startCancelled();
      try {
        return await o.turn.call(() => fn(once));
      } catch (err) {
        if (o.signal.aborted) throw startCancelled();
        // The platform's rate limit said when: waiting for it is not a failed attempt.
        if (isMoleculeError(err, "rate_limited") && refused++ < MAX_START_RATE_LIMITED) attempt--;
        else if (attempt >= o.attempts || !isTransient(err)) throw err;
        const delay =
          askedWaitMs(err) ?? backoffDelay(attempt, o.baseMs ?? 500, MAX_START_DELAY_MS);
        o.logger.warn?.(`${what} failed during start; retrying`, {
          attempt: Math.max(1, attempt),
          retryInMs: delay,
          error: describe(err),
        });
        o.turn.give();
        await sleep(delay, o.signal);
        await o.turn.take(o.signal);
      }
    }
  };
}

/**
 * What a 401 means once the workspace was found not removed (a removal is its own error), and
 * what to do, in one line: the token was revoked, or rotated (an operator's rotation revokes every
 * token of the workspace; `rotated` when the platform said so on the event stream,
 * `EXTERNAL_CREDENTIALS_ROTATED`), and how to hand the agent the new one. `exists`: the platform
 * still shows the workspace (false when that could not be read: then it is not claimed).
 */
export function tokenRejected(workspaceId: string, rotated = false, exists = true): string {
  return (
    `the platform rejected workspace ${workspaceId}'s token (401)${exists ? " and the workspace still exists" : ""}: ` +
    (rotated
      ? "an operator rotated its credentials (the platform said so), which revoked every old token. Give the agent "
      : "its token was revoked or rotated (an operator's rotate revokes every token). Give the agent ") +
    "the new token: write it to the agent's token file (MOLECULE_WORKSPACE_TOKEN_FILE, else " +
    `~/.molecule/${workspaceId}/.auth_token; read again on every 401, no restart needed) or restart ` +
    "it with MOLECULE_WORKSPACE_TOKEN; if the workspace was deleted, create it again and re-onboard"
  );
}

/** The error an agent ends with after `n` consecutive 401s: says how to give it a new token. */
export function unauthorizedError(
  workspaceId: string,
  n: number,
  what: string,
  rotated = false,
  exists = true,
): MoleculeAuthError {
  return new MoleculeAuthError(
    `Stopped after ${n} consecutive ${what}s were rejected: ${tokenRejected(workspaceId, rotated, exists)}.`,
    { status: 401 },
  );
}
