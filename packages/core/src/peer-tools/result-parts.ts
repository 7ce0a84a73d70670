// The parts of a peer's answer that are not text, as a model reads them after the text: each data
// part as a JSON block, each file as its name, media type and URI (inline bytes are not shown).
// They are the peer's, untrusted: sanitised like its text, and bounded.
import { sanitizePeerText } from "../a2a/index.js";
import type { A2APart } from "../a2a/index.js";
import { untrustedLabel } from "./label.js";

/** Most characters of one data part's JSON a model is shown. */
const MAX_DATA_CHARS = 16_384;
/** Most data and file parts shown. */
const MAX_PARTS = 16;

/** The data and file parts of `parts` as text for a model (`""` when there are none). */
export function nonTextParts(parts: readonly A2APart[] | undefined): string {
  const shown: string[] = [];
  let more = 0;
  for (const part of parts ?? []) {
    if (part.kind === "text") continue;
    if (shown.length >= MAX_PARTS) {
      more++;
      continue;
    }
    if (part.kind === "data") {
      let json = JSON.stringify(part.data, null, 2) ?? "null";
      if (json.length > MAX_DATA_CHARS) json = `${json.slice(0, MAX_DATA_CHARS)}\n… (cut)`;
      shown.push(`[data]\n\`\`\`json\n${sanitizePeerText(json)}\n\`\`\``);
    } else {
      const f = part.file;
      const name = untrustedLabel(f.name, 120) || "(unnamed)";
      const type = f.mimeType ? ` (${untrustedLabel(f.mimeType, 80)})` : "";
      const where = f.uri ? ` at ${untrustedLabel(f.uri, 500)}` : " (inline bytes, not shown)";
      shown.push(`[file ${name}${type}${where}]`);
    }
  }
  if (more > 0) shown.push(`[${more} more parts not shown]`);
  return shown.join("\n\n");
}
