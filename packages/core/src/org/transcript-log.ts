// The transcript an agent keeps (its `transcript` option): its recent messages and answers, bounded,
// in memory. transcript.ts says who may read it, transcript-route.ts serves it.

/** One transcript line. */
export interface TranscriptLine {
  /** `"user"` for a message the agent received, `"agent"` for its answer. */
  role: "user" | "agent";
  text: string;
  /** ISO time it was recorded. */
  at: string;
  /** The sender's workspace id, when the platform recorded one. */
  peerId?: string | undefined;
}

/** The agent's recent messages and answers, oldest first, bounded (default 500 lines, 4 KiB each). */
export class TranscriptLog {
  readonly #lines: TranscriptLine[] = [];
  /** Lines dropped from the front so far (a line's offset is `dropped + index`). */
  #dropped = 0;
  readonly #max: number;
  readonly #maxText: number;

  constructor(options: { maxLines?: number; maxTextChars?: number } = {}) {
    this.#max = options.maxLines ?? 500;
    this.#maxText = options.maxTextChars ?? 4096;
  }

  /** Appends a line (its text cut to the bound). */
  add(role: "user" | "agent", text: string, peerId?: string): void {
    const t = text.length > this.#maxText ? `${text.slice(0, this.#maxText)}…` : text;
    this.#lines.push({
      role,
      text: t,
      at: new Date().toISOString(),
      ...(peerId ? { peerId } : {}),
    });
    if (this.#lines.length > this.#max) {
      this.#lines.shift();
      this.#dropped++;
    }
  }

  /** Lines from offset `since`, at most `limit`, with the next offset and whether more follow. */
  page(since: number, limit: number): { lines: TranscriptLine[]; cursor: number; more: boolean } {
    const start = Math.max(0, since - this.#dropped);
    const lines = this.#lines.slice(start, start + limit);
    const cursor = this.#dropped + start + lines.length;
    return { lines, cursor, more: cursor < this.#dropped + this.#lines.length };
  }
}
