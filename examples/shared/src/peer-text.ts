// How the examples' scripted models read a peer tool's result: since issue 59 it is the peer's
// text below a header line naming the peer, each of its lines marked `│` (core's
// `spotlightPeerText`); a model reads the text, and so do these.

/**
 * The peer's text in a peer tool's result (the lines below its header, without their `│ ` mark);
 * a result of another shape (a note, an error line) as it is.
 */
export function peerTextOf(result: string): string {
  const [head, ...lines] = result.split("\n");
  if (!head?.startsWith("[") || lines.length === 0 || !lines.every((l) => l.startsWith("│")))
    return result;
  return lines.map((l) => l.replace(/^│ ?/, "")).join("\n");
}
