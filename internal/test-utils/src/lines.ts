// The stdout lines of a child process, as they come: for tests that wait on what a child prints.
import type { Readable } from "node:stream";

/** The lines read so far, and a wait for the first (seen or to come) that `match` accepts. */
export interface LineReader {
  readonly lines: string[];
  line(match: (line: string) => boolean): Promise<string>;
}

/** Splits `stream` into lines (without the newline). */
export function readLines(stream: Readable): LineReader {
  const lines: string[] = [];
  const waiters = new Set<{ match: (l: string) => boolean; resolve: (l: string) => void }>();
  let buf = "";
  stream.on("data", (b: Buffer) => {
    buf += b.toString();
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(l);
      for (const w of waiters) {
        if (w.match(l)) {
          waiters.delete(w);
          w.resolve(l);
        }
      }
    }
  });
  const line = (match: (l: string) => boolean): Promise<string> => {
    const seen = lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => waiters.add({ match, resolve }));
  };
  return { lines, line };
}
