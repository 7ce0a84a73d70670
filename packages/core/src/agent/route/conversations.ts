// Calls awaiting an answer in a RemoteAgent's inbox, and how an inbound answer is matched to one
// (only by what the platform authenticated: `senderOf`).
import type { InboundMessage } from "../../inbound/index.js";

/** A `callPeer` waiting for its answer in the agent's inbox. */
export interface PendingCall {
  peerId: string;
  messageId: string;
  /** `undefined`: the call continued a task whose conversation this agent did not know. */
  contextId: string | undefined;
  /** When the call's deadline passes (`performance.now()` ms). */
  dueAt: number;
  resolve(answer: InboundMessage): void;
  reject(error: unknown): void;
}

/**
 * The peer the platform authenticated as the sender of `msg`: a polled row's `source_id`, which
 * the platform records from the caller's token. `undefined` for the canvas and for every pushed
 * message (the proxy forwards no caller identity); a sender's own claim (`claimedSourceId`) is
 * never an identity (docs/security.md, "Sender facts").
 */
export function senderOf(msg: InboundMessage): string | undefined {
  return msg.sourceId ?? undefined;
}

/**
 * True when the platform recorded who sent `msg`: a polled activity row, whose `source_id` the
 * platform writes from the caller's token (null: the unauthenticated canvas route). A pushed
 * message has no such record (the proxy forwards no caller identity).
 */
function senderRecorded(msg: InboundMessage): boolean {
  return msg.activityId !== undefined;
}

/**
 * Calls awaiting answers. An answer from an authenticated sender resolves only a call to that
 * sender: by `inReplyTo`, else `contextId` (or the oldest call to it that named none), else the
 * oldest call to it (the Python reference's answer carries no ids). A polled row without an
 * authenticated sender (the canvas route, open to anyone) resolves no call, whatever it names
 * (#46). A pushed answer, which no platform record
 * identifies, resolves a call only by the exact `inReplyTo` of the call's unguessable outbound
 * `messageId`, and not when it claims another sender.
 */
export class PendingCalls {
  readonly #calls = new Map<string, PendingCall>();

  /** How many calls are waiting. */
  get size(): number {
    return this.#calls.size;
  }

  /** When the first waiting call's deadline passes (`performance.now()` ms), if any waits. */
  get earliestDue(): number | undefined {
    let due: number | undefined;
    for (const c of this.#calls.values()) if (due === undefined || c.dueAt < due) due = c.dueAt;
    return due;
  }

  /** Whether a call to `peerId` waits (a message from it may be that call's answer). */
  awaitsFrom(peerId: string): boolean {
    for (const c of this.#calls.values()) if (c.peerId === peerId) return true;
    return false;
  }

  /** Registers a call (before its message is sent, so an early answer is not missed). */
  add(call: PendingCall): () => void {
    const calls = this.#calls;
    calls.set(call.messageId, call);
    return () => {
      if (calls.get(call.messageId) === call) calls.delete(call.messageId);
    };
  }

  /** Fails every waiting call (the agent is stopping). */
  rejectAll(error: unknown): void {
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    for (const c of calls) c.reject(error);
  }

  /**
   * Hands `answer` to the call it answers and returns true; false when no call waits for it (it
   * then goes to the handler). An answer that names another sender's call is not taken.
   */
  take(answer: InboundMessage): boolean {
    const call = this.#match(this.#calls, answer);
    if (!call) return false;
    this.#calls.delete(call.messageId);
    call.resolve(answer);
    return true;
  }

  #match(calls: Map<string, PendingCall>, answer: InboundMessage): PendingCall | undefined {
    const from = senderOf(answer);
    if (from === undefined) {
      if (senderRecorded(answer)) return undefined; // the canvas route: nobody authenticated
      const c = answer.inReplyTo === undefined ? undefined : calls.get(answer.inReplyTo);
      const claimed = answer.claimedSourceId;
      return c && (claimed === undefined || claimed === c.peerId) ? c : undefined;
    }
    if (answer.inReplyTo !== undefined) {
      const c = calls.get(answer.inReplyTo);
      return c?.peerId === from ? c : undefined;
    }
    let loose: PendingCall | undefined; // the oldest call to `from` that named no conversation
    for (const c of calls.values()) {
      if (c.peerId !== from) continue;
      if (answer.contextId === undefined || c.contextId === answer.contextId) return c;
      if (c.contextId === undefined) loose ??= c;
    }
    return loose;
  }
}
