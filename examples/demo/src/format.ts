// Small text helpers for a readable transcript (no colours, no JSON).

/** Pads `text` with spaces on the right to `width` characters. */
export function padEnd(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

/** Pads `text` with spaces on the left to `width` characters. */
function padStart(text: string, width: number): string {
  return text.length >= width ? text : " ".repeat(width - text.length) + text;
}

/** A duration as `"  412 ms"` (right-aligned in 8 characters) or `"1.9 s"` for long ones. */
export function ms(value: number): string {
  return padStart(
    value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`,
    8,
  );
}

/** The first 8 characters of an id (enough to tell workspaces apart in a transcript). */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/**
 * Wraps `text` to lines of at most `width` characters (keeping its own line breaks), and keeps at
 * most `maxLines` lines (the last one says how many were left out).
 */
export function wrap(text: string, width: number, maxLines = 8): string[] {
  const lines: string[] = [];
  for (const paragraph of text.trim().split(/\r?\n/)) {
    let line = "";
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line !== "" && line.length + 1 + word.length > width) {
        lines.push(line);
        line = "";
      }
      line = line === "" ? word : `${line} ${word}`;
      while (line.length > width) {
        lines.push(line.slice(0, width));
        line = line.slice(width);
      }
    }
    lines.push(line);
  }
  if (lines.length > maxLines) {
    const rest = lines.length - (maxLines - 1);
    return [...lines.slice(0, maxLines - 1), `… (${rest} more lines)`];
  }
  return lines;
}

/** Hides the last path segment of a push URL (its secret), keeping origin and route. */
export function hideSecretPath(url: string): string {
  try {
    const u = new URL(url);
    const segments = u.pathname.split("/");
    if (segments.length > 1 && (segments.at(-1) ?? "").length >= 16)
      segments[segments.length - 1] = "•••";
    return `${u.origin}${segments.join("/")}`;
  } catch {
    return url === "" ? "(none: poll delivery)" : "(not a URL)";
  }
}
