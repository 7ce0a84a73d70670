// The platform's rules on chat files, which the SDK keeps as the platform does: the bounds
// (enteros-core@50c3bdfd `chat_files.go` 113, 588; `pendinguploads.MaxFileBytes`; the workspace
// runtime's `internal_chat_uploads.py`), file names and media types made safe (`SanitizeFilename`,
// `safeMimetype`, `contentDispositionAttachment` of `chat_files.go`, identical to the runtime's
// `sanitize_filename`), and where the platform forwards files below a push URL (RFC #2312).
// Imports only the error type, so the `/files` entry reads these without loading the client.
import { MoleculeError } from "../transport/index.js";

/** The most bytes of one file the platform stages or a workspace ingests (25 MiB, as the platform). */
export const MAX_FILE_BYTES = 25 * 1024 * 1024;
/** The most bytes of one upload request, multipart framing included (50 MiB, as the platform). */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
/** The most files of one upload request (64, as the platform). */
export const MAX_UPLOAD_FILES = 64;

/** A typed error for a file over `max` bytes; `what` names it. */
export function fileTooLarge(what: string, max: number, size?: number): MoleculeError {
  const got = size === undefined ? "" : ` (${size} bytes)`;
  return new MoleculeError(
    `${what} is larger than ${max} bytes${got}: send a smaller file, or split it`,
    { code: "file_too_large", retryable: false },
  );
}

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

/** Below a push endpoint's path: where the platform forwards a canvas upload (RFC #2312). */
export const INGEST_SUFFIX = "/internal/chat/uploads/ingest";
/** Below a push endpoint's path: where the platform forwards a download of one of its files. */
export const FILE_READ_SUFFIX = "/internal/file/read";
