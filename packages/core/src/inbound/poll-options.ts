// The contract of the poll delivery engine (poll.ts): what it fetches, and the options it runs on.
import type { Logger } from "../transport/index.js";
import type { InboundMessage } from "./message.js";
import type { CursorStore } from "./cursor-state.js";
import type { Backfill } from "./backfill.js";
import type { InboundGapWarning } from "./gap-warning.js";

/** One page of inbound messages, oldest first. */
export interface InboundPage {
  messages: InboundMessage[];
  /**
   * The id of the last row the server returned, including rows that are not messages (the agent's
   * own notify echoes): the cursor moves past those too. Defaults to the last message's id.
   */
  lastId?: string | undefined;
  /** The server returned a full page after a cursor: fetch again at once. */
  more?: boolean;
  /**
   * Rows between the cursor and this page may exist that the server cannot return (the baseline
   * platform answers only its newest rows): reported, since those messages cannot be delivered.
   */
  gap?: boolean;
}

/** How a message handed to {@link PollDeliveryOptions.handle} ended. */
export type SettleResult = "settled" | "abandoned";

/** Options of {@link PollDelivery}. */
export interface PollDeliveryOptions {
  /**
   * Fetches the page strictly after `sinceId` (or the rows of the last `sinceSecs` seconds, or the
   * newest rows when both are undefined), ascending.
   */
  fetch(opts: { sinceId?: string; sinceSecs?: number; signal: AbortSignal }): Promise<InboundPage>;
  /** Where the cursor and the de-dup window live. */
  store: CursorStore;
  /**
   * Handles one message (queueing, retries, reply, dead letter). Resolves "settled" once the
   * message is done for good (handled, or dead-lettered), "abandoned" when the agent stopped first.
   * `deliveries` counts the hand-overs of this message that never settled (journaled across
   * restarts), this one included: the agent dead-letters it past the store's `maxDeliveries`.
   */
  handle(
    msg: InboundMessage,
    info: { redelivered: boolean; deliveries: number },
  ): Promise<SettleResult>;
  /** Whether the dispatcher can take more work now; polling pauses while it cannot. */
  hasCapacity(): boolean;
  /** Poll interval in ms. */
  intervalMs: number;
  /**
   * Poll interval in ms while `connected()` is true (default `intervalMs`): while the event
   * stream is up it wakes the poll, so polling is only a safety net.
   */
  connectedIntervalMs?: number;
  /** Whether the event stream is connected now. */
  connected?(): boolean;
  /** How many settled activity ids and message ids to remember (default 1000 each). */
  dedupWindow?: number;
  /**
   * Messages handed to `handle` and not yet durably settled, at most (default 4: the dispatcher's
   * concurrency). A kill redelivers at most this many messages.
   */
  maxInFlight?: number;
  /** What a start without a cursor delivers (default `"all"`). */
  backfill?: Backfill;
  /** True while handlers await answers: fetching goes on with every slot busy (64 queued at most). */
  awaiting?(): boolean;
  onGap?(warning: InboundGapWarning): void; // reports a gap; default: logger + process warning
  logger: Logger;
}
