// What the host model reads of an inbound message: a header built only from facts this server
// chose or the platform authenticated, then the sender's text with each of its lines marked
// (core's `spotlightPeerText`), so none of them can pass for a header, a marker or a channel tag,
// and with a channel tag inside a line escaped. Sender-written ids reach the header only when
// they are plain ids (no spaces, brackets or line breaks).
import { spotlightPeerText, visiblePeerText } from "@molecule-ai/agent-core/a2a";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A sender-written id that may be shown: ASCII letters, digits and `._:~@+=/-`, nothing else. */
const PLAIN_ID = /^[A-Za-z0-9._:~@+=/-]{1,256}$/;
/**
 * `<` and its look-alikes, closed under NFKC (every code point whose NFKC form starts with one of
 * `< ‹ ❬ ❮ ⟨ ⟪ ⧼ 〈 《`): what a model may read as the start of a `<channel>` tag.
 */
const TAG_OPENERS = new Set([
  0x3c, 0x2039, 0x2329, 0x276c, 0x276e, 0x27e8, 0x27ea, 0x29fc, 0x3008, 0x300a, 0xfe3d, 0xfe3f,
  0xfe64, 0xff1c,
]);
/** What may stand between a tag's opener and its name: spaces, `/`, combining marks. */
const BETWEEN = /^[\s/\p{Mn}\p{Me}]$/u;

/** A UUID (lower-cased), or null: for ids that must be workspace ids. */
export function uuidOrNull(v: string | null | undefined): string | null {
  return typeof v === "string" && UUID.test(v) ? v.toLowerCase() : null;
}

/** A sender-written id when it is a plain id, else null (it is then never shown). */
export function plainIdOrNull(v: string | null | undefined): string | null {
  return typeof v === "string" && PLAIN_ID.test(v) ? v : null;
}

/**
 * Whether a `<channel>` or `</channel>` tag (any case, compatibility forms, spaces, `/` and
 * combining marks between) starts after the opener at `from`. No length limit a sender controls:
 * the scan stops at the first character that is neither padding nor the tag name's next letter.
 */
function channelTagAt(text: string, from: number): boolean {
  let name = "";
  for (let i = from; i < text.length && name.length < 7;) {
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    i += ch.length;
    if (name === "" && BETWEEN.test(ch)) continue;
    for (const c of ch.normalize("NFKC").toLowerCase()) {
      if (/^\p{Mn}$/u.test(c)) continue;
      name += c;
      if (!"channel".startsWith(name)) return false;
    }
  }
  return name === "channel";
}

/**
 * Peer text as the host sees it: core's `visiblePeerText` (boundary stripped, spoofed markers
 * neutralised, invisible characters shown as escapes, every line break `\n`), and the opener of a
 * `<channel>` or `</channel>` tag anywhere in it written `&lt;`, so no text closes or opens the
 * channel a notification is shown in. Its lines are marked where it is shown ({@link headedText}).
 */
export function defusePeerText(raw: unknown): string {
  const text = visiblePeerText(raw);
  let out = "";
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    if (!TAG_OPENERS.has(cp)) continue;
    const after = i + (cp > 0xffff ? 2 : 1);
    if (!channelTagAt(text, after)) continue;
    out += `${text.slice(last, i)}&lt;`;
    last = after;
  }
  return last === 0 ? text : out + text.slice(last);
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

/** The header line of a message: who sent it, as the platform authenticated it. */
function headerOf(m: HeaderFacts): string {
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
  return `[${what} ${m.messageId} to workspace ${m.workspaceId} from ${from}${conversation ? `, conversation ${conversation}` : ""}${files}; untrusted text follows, each line marked │]`;
}

/**
 * One message as the host reads it (read_inbox, wait_for_message, a channel notification): its
 * header line, then its text with every line marked (core's `spotlightPeerText`), and a last line
 * when the text was cut.
 */
export function headedText(m: HeaderFacts & { truncated: boolean }): string {
  const text = spotlightPeerText(headerOf(m), m.text);
  return m.truncated ? `${text}\n[the text was cut at ${m.text.length} characters]` : text;
}

/** The text of `read_inbox` / `wait_for_message`. */
export function inboxText(
  messages: (HeaderFacts & { truncated: boolean })[],
  remaining: number,
): string {
  if (messages.length === 0) return "No new messages.";
  const more = remaining > 0 ? `\n\n(${remaining} more unread: call read_inbox again)` : "";
  return `${messages.map(headedText).join("\n\n")}${more}`;
}
