// What a poll agent takes from its event stream without a read, when the platform's
// `ACTIVITY_LOGGED` carries the row's body (since 2026-05): an answer a call awaits goes to that
// call (`Router.takeAnnounced`, checked as its row would be), and a peer's message enters the poll
// queue as a read row does (journaled in flight before its handler runs), recorded by the admit
// stage (`AnnouncedMessages`). The sender is the one the platform authenticated (`source_id`), and
// it must be named as a read row's is, from the peer cache; anything else waits for the read.
import { type InboundMessage, parseAnnouncedRow } from "../../inbound/index.js";
import type { AnnouncedMessages } from "../admit/announced-messages.js";
import { nameAnnouncedSender } from "../client-hooks.js";
import type { AgentPlatformClient } from "../types.js";

/**
 * What it needs of the agent's stages (`Admission`, `Router`) and of its poll source's queue
 * (`PollQueue`).
 */
interface Intake {
  admission: { fits(msg: InboundMessage): boolean };
  router: {
    awaitsFrom(peerId: string): boolean;
    takeAnnounced(msg: InboundMessage): boolean;
  };
  queue: { accept(msg: InboundMessage): void; pump(): Promise<void>; readonly waiting: number };
  announced: AnnouncedMessages;
}

/** See the file comment. */
export class PollIntake {
  readonly #client: AgentPlatformClient;
  readonly #o: Intake;
  /** Messages waiting for a handler slot beyond which the read brings the rest. */
  readonly #maxWaiting: number;

  constructor(client: AgentPlatformClient, intake: Intake, maxWaiting: number) {
    this.#client = client;
    this.#o = intake;
    this.#maxWaiting = maxWaiting;
  }

  /**
   * Takes what an event brought with its row's body (`row`): true when no read is owed for it.
   * `reading`: the poll loop reads and is not paused (else a message waits for the read).
   */
  take(row: Record<string, unknown>, reading: boolean): boolean {
    // Named first (from the peer cache, no lookup) so that the message parses with its name once.
    const named = nameAnnouncedSender(this.#client, row);
    const msg = parseAnnouncedRow(row);
    if (msg === null || !this.#o.admission.fits(msg)) return false;
    if (msg.isReply) return this.#answer(msg);
    if (msg.sourceId === null) return false; // the canvas's (its files are the read's)
    const { announced, queue } = this.#o;
    if (announced.takenBefore(msg)) return true; // the platform announces a message twice
    // What it holds stays bounded: no more than `concurrency` wait for a slot.
    if (!reading || queue.waiting >= this.#maxWaiting) return false;
    if (!named) return false; // the read brings its name
    if (!announced.take(msg)) return false;
    queue.accept(msg);
    void queue.pump();
    return true;
  }

  /** An answer, only from a peer a call awaits one from (anything else is the read's). */
  #answer(msg: InboundMessage): boolean {
    const { router } = this.#o;
    return msg.sourceId !== null && router.awaitsFrom(msg.sourceId) && router.takeAnnounced(msg);
  }
}
