// What a RemoteAgent asks of its PlatformClient beyond the public API: the event stream without a
// Readable (its wake-ups), the capability probe's open stream kept for it or closed, and its paused
// workspace resumed with its own token. Internal: reached through the client's `AGENT_HOOKS` key.
import type { ChunkedBody } from "../transport/index.js";
import { dropSpare, openEventChunks } from "./event-connection.js";
import { nameAnnouncedSender } from "./peers.js";
import type { PlatformSession } from "./session.js";
import type { WireActivityRow } from "../wire/index.js";
import { resumeOwnWorkspace } from "./workspace.js";

/** The key of a `PlatformClient`'s {@link AgentHooks}. */
export const AGENT_HOOKS: unique symbol = Symbol("agentHooks");

/** A client's hooks for its agent (see the file's head). */
export class AgentHooks {
  readonly #s: PlatformSession;
  readonly #streamReplaced: () => boolean;

  /** @param streamReplaced whether a subclass replaced the client's `openEventStream` */
  constructor(s: PlatformSession, streamReplaced: () => boolean) {
    this.#s = s;
    this.#streamReplaced = streamReplaced;
  }

  /** The event stream as chunks; `undefined` when the client's `openEventStream` was replaced. */
  openEventChunks(signal: AbortSignal): Promise<ChunkedBody> | undefined {
    return this.#streamReplaced() ? undefined : openEventChunks(this.#s, signal);
  }

  /** The capability probe keeps the event stream it opens, for the agent's wake-ups. */
  keepEventSpare(): void {
    this.#s.keepProbeStream = true;
  }

  /** Closes the capability probe's stream now if nothing took it (an agent without wake-ups). */
  dropEventSpare(): void {
    dropSpare(this.#s);
  }

  /**
   * Names the sender of a row the event stream announced with its body, as a read row's is named
   * (from the peer cache; it starts no lookup): whether it is named, or needs no name.
   */
  nameSender(row: Record<string, unknown>): boolean {
    return nameAnnouncedSender(this.#s, row as WireActivityRow);
  }

  /** Resumes this paused workspace with its own token (see {@link resumeOwnWorkspace}). */
  resume(signal: AbortSignal): Promise<boolean> {
    return resumeOwnWorkspace(this.#s, signal);
  }
}
