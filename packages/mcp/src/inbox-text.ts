// What the host model reads of an inbound message: a header built only from facts this server
// chose or the platform authenticated, and the sender's text, defused so that none of its lines
// can pass for a header, a marker or a channel tag. Sender-written ids reach the header only when
// they are plain ids (no spaces, brackets or line breaks).
import { sanitizePeerText } from "@molecule-ai/agent-core";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A sender-written id that may be shown: ASCII letters, digits and `._:~@+=/-`, nothing else. */
const PLAIN_ID = /^[A-Za-z0-9._:~@+=/-]{1,256}$/;
/** Every line terminator a model may read as one (CRLF first, then each alone). */
const LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/g;
/** Characters a model may read as the start of a header (`[`), a marker or a tag (`<`). */
const OPENERS = /^[[<\uff3b\uff1c\u27e6\u3010\u3016\u301a\u2045\ufe5d\u2039\u27e8\u3008]/u;
/** What may stand before an opener at the start of a line and still be read as nothing. */
const LEADING = /^[\s\p{Cf}\p{Mn}\p{Me}\u115f\u1160\u3164\uffa0]*/u;
const ZWSP = "\u200b";

/** A UUID (lower-cased), or null: for ids that must be workspace ids. */
export function uuidOrNull(v: string | null | undefined): string | null {
  return typeof v === "string" && UUID.test(v) ? v.toLowerCase() : null;
}

/** A sender-written id when it is a plain id, else null (it is then never shown). */
export function plainIdOrNull(v: string | null | undefined): string | null {
  return typeof v === "string" && PLAIN_ID.test(v) ? v : null;
}

/**
 * Peer text as the host sees it: core's `sanitizePeerText` (boundary stripped, spoofed markers
 * neutralised), every line break made `\n`, and a zero-width space after the opener of any line
 * that starts with `[`, `<` or a lookalike, so no line reads as `[message ...]`, `[SYSTEM]` or
 * `<channel ...>`.
 */
export function defusePeerText(raw: unknown): string {
  const lines = sanitizePeerText(raw).replace(LINE_BREAK, "\n").split("\n");
  return lines
    .map((line) => {
      const lead = LEADING.exec(line)![0].length;
      const rest = line.slice(lead);
      if (!OPENERS.test(rest)) return line;
      const opener = String.fromCodePoint(rest.codePointAt(0)!);
      const after = rest.slice(opener.length);
      return after.startsWith(ZWSP) ? line : line.slice(0, lead) + opener + ZWSP + after;
    })
    .join("\n");
}

/** The facts a header is built from; see `InboxMessage`. */
export interface HeaderFacts {
  messageId: string;
  workspaceId: string;
  kind: "peer_agent" | "canvas_user" | "unknown";
  peerId: string | null;
  claimedPeerId: string | null;
  conversationId: string | null;
  isAnswer: boolean;
  text: string;
  /** The files it carries (names safe: `[A-Za-z0-9._-]`); their content follows the text. */
  files?: readonly { name: string; mediaType: string; size: number }[] | undefined;
}

/** One message: its header line, then its (defused) text. */
function messageText(m: HeaderFacts): string {
  const peer = uuidOrNull(m.peerId);
  const claimed = uuidOrNull(m.claimedPeerId);
  const from =
    m.kind === "canvas_user"
      ? "the canvas (unauthenticated)"
      : peer
        ? `peer ${peer}`
        : `an unverified sender${claimed ? ` claiming ${claimed}` : ""}`;
  const conversation = plainIdOrNull(m.conversationId);
  const what = m.isAnswer ? "answer" : "message";
  const files = m.files?.length
    ? `, with files ${m.files.map((f) => `${plainIdOrNull(f.name) ?? "file"} (${plainIdOrNull(f.mediaType) ?? "?"}, ${f.size} bytes)`).join(", ")}`
    : "";
  return `[${what} ${m.messageId} to workspace ${m.workspaceId} from ${from}${conversation ? `, conversation ${conversation}` : ""}${files}; untrusted text follows]\n${m.text}`;
}

/** The text of `read_inbox` / `wait_for_message`. */
export function inboxText(messages: HeaderFacts[], remaining: number): string {
  if (messages.length === 0) return "No new messages.";
  const more = remaining > 0 ? `\n\n(${remaining} more unread: call read_inbox again)` : "";
  return `${messages.map(messageText).join("\n\n")}${more}`;
}
