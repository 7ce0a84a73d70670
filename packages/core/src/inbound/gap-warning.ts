// The typed warning poll delivery raises when the platform cannot return every message.

/** Why messages may be missing. */
export type InboundGapReason =
  /** More rows arrived between two polls than the platform's newest-first page holds. */
  | "poll_window"
  /** A first start: the platform holds more queued messages than its newest-first page returns. */
  | "backfill_window"
  /**
   * A row committed later than the settle window allowed (the platform stamps a row when its write
   * starts, and concurrent writes commit out of order): an audit pass found it behind the rows
   * read, and it is delivered now, late. Frequent ones mean the window is too short.
   */
  | "late_row";

/**
 * Emitted (as a process warning, code `MOLECULE_INBOUND_GAP`, and to the logger) when the
 * platform may hold messages that poll delivery cannot fetch: the 2026-04 platform answers only
 * its newest `limit` (at most 500) rows, with no paging. Listen with
 * `process.on("warning", w => w instanceof InboundGapWarning && ...)`.
 */
export class InboundGapWarning extends Error {
  /** Always `"MOLECULE_INBOUND_GAP"` (the process warning code). */
  readonly code = "MOLECULE_INBOUND_GAP";
  /** Where the gap is. */
  readonly reason: InboundGapReason;
  /** The cursor the poll started from, if any. */
  readonly cursor: string | undefined;
  /**
   * The oldest activity id the platform returned: older rows could not be read (`late_row`: the
   * first row found late).
   */
  readonly oldestReturned: string | undefined;
  /** `late_row`: how many rows the audit pass found late. */
  readonly rows: number | undefined;

  constructor(reason: InboundGapReason, cursor?: string, oldestReturned?: string, rows?: number) {
    super(
      reason === "late_row"
        ? `${rows ?? 1} inbound row(s) committed after newer rows had been read, later than the ` +
            "settle window allowed: found by the audit re-read and delivered late (nothing lost). " +
            "If this repeats, the platform commits rows slowly under load: raise the agent's pollSettleMs."
        : reason === "backfill_window"
          ? "inbound messages may have been missed: the platform holds more queued messages than its " +
            "newest-first listing returns (the 2026-04 platform has no paging), so the oldest cannot " +
            "be delivered. Raise pollLimit (at most 500) or start agents before messages pile up."
          : "inbound messages may have been missed: more arrived between two polls than the platform " +
            "returns in one page (the 2026-04 platform has no cursor paging). Poll more often " +
            "(pollIntervalMs) or raise pollLimit (at most 500).",
    );
    this.name = "InboundGapWarning";
    this.reason = reason;
    this.cursor = cursor;
    this.oldestReturned = oldestReturned;
    this.rows = rows;
  }
}
