// The pages a poll source reads, on their way to the admit stage: its own loop reads through the
// cursor's settle window (a pass re-reads the rows still settling; the ones read before are dropped
// here, and a row an audit pass found behind the window is reported, as is a page the platform
// could not fill: a gap), a shared store's reader takes the page as it came. Either way ids are bounded (`Admission.polled`) and the answers
// pending calls take leave the page (`Router.takeAnswers`).
import type { AgentObserver } from "../../events/index.js";
import { InboundGapWarning } from "../../inbound/index.js";
import type { InboundMessage, InboundPage } from "../../inbound/index.js";

/** What a page read asks for. */
export interface PageQuery {
  sinceId?: string;
  sinceSecs?: number;
  /** Rows read already: read without their bodies. */
  known?: (id: string) => boolean;
  signal: AbortSignal;
}

/** What it needs of the stages (`Admission`, `Router`) and of the cursor (`PollCursor`). */
interface Stages {
  admission: {
    polled(msg: InboundMessage): InboundMessage;
    readonly journal: { settleAll(activityIds: readonly string[]): void };
  };
  router: { takeAnswers(messages: InboundMessage[]): InboundMessage[] };
}
interface Windows {
  readonly rewinding: boolean;
  /** Whether a row was read already (a pass re-reads it). */
  seen(id: string): boolean;
  fresh(page: InboundPage): { messages: InboundMessage[]; missed: InboundMessage[] };
}

/** See the file comment. */
export class PollPages {
  readonly #fetchPage: (opts: PageQuery) => Promise<InboundPage>;
  readonly #admission: Stages["admission"];
  readonly #router: Stages["router"];
  readonly #cursor: Windows;
  readonly #observer: AgentObserver;
  readonly #known = (id: string): boolean => this.#cursor.seen(id);

  constructor(
    fetchPage: (opts: PageQuery) => Promise<InboundPage>,
    stages: Stages,
    cursor: Windows,
    observer: AgentObserver,
  ) {
    this.#fetchPage = fetchPage;
    this.#admission = stages.admission;
    this.#router = stages.router;
    this.#cursor = cursor;
    this.#observer = observer;
  }

  /** A page as it came, admitted (a shared store's reader keeps its own window). */
  async fetch(opts: PageQuery): Promise<InboundPage> {
    return this.#admit(await this.#fetchPage(opts));
  }

  /**
   * A page of this process's loop: only the rows it had not read, admitted (the rows it re-reads
   * come without their bodies, and are dropped).
   */
  async fresh(opts: PageQuery): Promise<InboundPage> {
    const page = await this.#fetchPage({ ...opts, known: this.#known });
    if (page.gap === true) {
      // The 2026-04 platform's newest-first listing could not reach every row.
      const first = !this.#cursor.rewinding && opts.sinceId === undefined;
      const reason = first ? "backfill_window" : "poll_window";
      const oldest = page.messages[0]?.activityId;
      this.#observer.inboundGap(new InboundGapWarning(reason, opts.sinceId, oldest));
    }
    const { messages, missed } = this.#cursor.fresh(page);
    if (missed.length > 0) {
      const first = missed[0]!.activityId;
      this.#observer.inboundGap(
        new InboundGapWarning("late_row", opts.sinceId, first, missed.length),
      );
    }
    return this.#admit({ ...page, messages });
  }

  /** Bounds the ids; the answers pending calls take leave the page (and are remembered as settled). */
  #admit(page: InboundPage): InboundPage {
    const admitted = page.messages.map((m) => this.#admission.polled(m));
    const rest = this.#router.takeAnswers(admitted);
    if (rest.length < admitted.length) {
      // A restart that re-reads them (the settle window) must not hand them on as unmatched.
      const kept = new Set(rest);
      const taken = admitted.filter((m) => !kept.has(m) && m.activityId !== undefined);
      this.#admission.journal.settleAll(taken.map((m) => m.activityId!));
    }
    return { ...page, messages: rest };
  }
}
