// What an error message may quote of a response body: one line, never markup. The platform answers
// its errors in JSON (gin's "404 page not found" and "405 method not allowed" are its only text);
// an HTML page, or text on a 5xx, comes from what answers in front of it (nginx, a cloud load
// balancer, Cloudflare) and is named as such, by its status and its page's title.

/** Most characters of a body an error message quotes (a page's title, or its text collapsed). */
const MAX_QUOTED_BODY_CHARS = 80;

/**
 * `text` on one line: every run of whitespace (line breaks, tabs) becomes one space, the ends are
 * trimmed, and it is cut to `max` characters (an ellipsis marks the cut).
 */
export function oneLine(text: string, max: number): string {
  // Only the start is looked at: a body of megabytes costs no more than a short one.
  const head = text.length > 8 * max + 1024 ? text.slice(0, 8 * max + 1024) : text;
  const flat = head.replace(/\s+/g, " ").trim();
  return flat.length > max || head !== text ? `${flat.slice(0, max)}…` : flat;
}

/** How much of a page is looked at for its title or its text. */
const PAGE_HEAD_CHARS = 16 * 1024;

/** Whether `body` is markup: `content-type` says HTML or XML, or it starts with `<`. */
function isMarkup(body: string, contentType: string | undefined): boolean {
  return /html|xml/i.test(contentType ?? "") || body.trimStart().startsWith("<");
}

/** The `<title>` of an HTML page, on one line; `undefined` when it has none (or an empty one). */
function titleOf(page: string): string | undefined {
  const m = /<title[^>]{0,256}>([^<]{0,1024})<\/title\s*>/i.exec(page);
  const title = m ? decodeEntities(m[1]!) : "";
  return title.trim() === "" ? undefined : oneLine(title, MAX_QUOTED_BODY_CHARS);
}

function stripTags(html: string): string {
  return html.replace(/<[^>]*>?/g, " ");
}

/** The entities a page title or an error page's text commonly holds. */
function decodeEntities(text: string): string {
  return text
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

/** What of a non-JSON body an error message may quote. */
export interface QuotedBody {
  /** One line: the page's title, else its text (markup removed, whitespace collapsed, cut). */
  text: string;
  /** Whether the body is an HTML (or XML) page: `text` is then its title when it has one. */
  page: boolean;
  /** Whether `text` is the page's `<title>`. */
  title: boolean;
}

/**
 * What an error message may quote of a text body (`body` as the transport parsed it: a string when
 * it was not JSON): a page's title, or the text on one line of at most
 * {@link MAX_QUOTED_BODY_CHARS} characters, never markup or a raw line break. `undefined` for a
 * JSON body or an empty one.
 */
export function quoteBody(body: unknown, contentType?: string): QuotedBody | undefined {
  if (typeof body !== "string") return undefined;
  const head = body.length > PAGE_HEAD_CHARS ? body.slice(0, PAGE_HEAD_CHARS) : body;
  if (head.trim() === "") return undefined;
  if (!isMarkup(head, contentType)) {
    return { text: oneLine(body, MAX_QUOTED_BODY_CHARS), page: false, title: false };
  }
  const title = titleOf(head);
  if (title !== undefined) return { text: title, page: true, title: true };
  const text = oneLine(
    decodeEntities(stripTags(head.replace(/<(script|style)\b[^]*?<\/\1\s*>/gi, " "))),
    MAX_QUOTED_BODY_CHARS,
  );
  return { text, page: true, title: false };
}

/**
 * When a response is not the platform's (an HTML page at any status, or text on a 5xx: the
 * platform answers JSON), what shows it, for an error message: `page title "502 Bad Gateway"`
 * (else the page's or the text's first words). Otherwise `undefined`.
 */
export function frontEvidence(
  status: number,
  body: unknown,
  contentType?: string | string[] | undefined,
): string | undefined {
  const type = Array.isArray(contentType) ? contentType[0] : contentType;
  const quoted = quoteBody(body, type);
  if (quoted === undefined || (!quoted.page && status < 500)) return undefined;
  if (quoted.title) return `page title "${quoted.text}"`;
  if (quoted.text === "") return "an HTML page";
  return `${quoted.page ? "page" : "text"} "${quoted.text}"`;
}
