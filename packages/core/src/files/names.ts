// File names and media types as the platform makes them safe, so a name the SDK shows, stores or
// answers is the one the platform would: `SanitizeFilename`, `safeMimetype` and
// `contentDispositionAttachment` of enteros-core@50c3bdfd `workspace-server/internal/handlers/
// chat_files.go` (identical to the workspace runtime's `sanitize_filename`).

/** Characters a file name keeps; each other character (code point) becomes `_`. */
const UNSAFE = /[^a-zA-Z0-9._-]/gu;

/** Go's `filepath.Base` on Unix: the last `/`-separated element (`"."` for `""`, `"/"` for slashes only). */
function base(path: string): string {
  if (path === "") return ".";
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/**
 * A file name reduced to one safe path segment, exactly as the platform does it: its last
 * `/`-separated element, spaces and every character outside `[A-Za-z0-9._-]` made `_`, cut to
 * 100 characters (keeping an extension of at most 16), and `"file"` for `""`, `"."` or `".."`. The
 * result never contains `/`, `\`, NUL or a drive letter and is never `..`: joined to a folder, it
 * stays in that folder.
 *
 * @example
 * sanitizeFileName("../../etc/passwd"); // "passwd"
 * sanitizeFileName("my report (final).pdf"); // "my_report__final_.pdf"
 */
export function sanitizeFileName(name: string): string {
  let b = base(String(name)).replaceAll(" ", "_").replace(UNSAFE, "_");
  if (b.length > 100) {
    const dot = b.lastIndexOf(".");
    const ext = dot >= 0 && b.length - dot <= 16 ? b.slice(dot) : "";
    b = b.slice(0, 100 - ext.length) + ext;
  }
  return b === "" || b === "." || b === ".." ? "file" : b;
}

/**
 * A media type as the platform stores it: parameters dropped, `""` for none, and
 * `application/octet-stream` for anything that is not one printable `type/subtype`.
 */
export function safeMediaType(raw: unknown): string {
  if (typeof raw !== "string") return "";
  const t = raw.split(";")[0]!.trim();
  if (t === "") return "";
  if (!/^[\x21-\x7e]+$/.test(t)) return "application/octet-stream";
  const parts = t.split("/");
  return parts.length === 2 && parts[0] !== "" && parts[1] !== "" ? t : "application/octet-stream";
}

/** `Content-Disposition: attachment` for `name`, as the platform writes it (RFC 6266 / 5987). */
export function contentDisposition(name: string): string {
  // Control characters (CR and LF included) dropped; quote and backslash escaped.
  // oxlint-disable-next-line no-control-regex
  const quoted = name.replace(/[\x00-\x1f\x7f]/g, "").replace(/["\\]/g, "\\$&");
  let encoded = "";
  for (const byte of new TextEncoder().encode(name)) {
    const c = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9\-._~]/.test(c)
      ? c
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return `attachment; filename="${quoted}"; filename*=UTF-8''${encoded}`;
}
