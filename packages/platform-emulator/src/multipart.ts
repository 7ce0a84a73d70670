// A multipart/form-data reader as Go's `mime/multipart` reads a chat upload: each part's
// `Content-Disposition` name and filename (the filename through `filepath.Base`, as `Part.FileName`
// does since Go 1.17) and its raw `Content-Type` (a part without one has none: the platform then
// stores the file's media type as ""). The body is in memory already (at most 50 MB).

/** One part of a multipart body. */
export interface FormPart {
  /** The form field (`name=`). */
  name: string;
  /** The file name (`filename=`), through Go's `filepath.Base`; `undefined` for a plain field. */
  filename: string | undefined;
  /** The part's `Content-Type` header as sent ("" without one). */
  contentType: string;
  body: Buffer;
}

/** Go's `mime/multipart` refuses a form of more parts (`multipartmaxparts`, Go 1.22+ default). */
const MAX_PARTS = 1000;

/** Go's `filepath.Base` on Unix. */
function goBase(path: string): string {
  if (path === "") return ".";
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** The boundary of a `multipart/form-data` content type (Go's `ErrNotMultipart` otherwise). */
function boundaryOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^\s*multipart\/form-data\s*;/i.test(contentType))
    return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  return m === null ? undefined : (m[1] ?? m[2]);
}

/** A header parameter (`name="..."`) of a `Content-Disposition` value. */
function param(value: string, key: string): string | undefined {
  const m = new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, "i").exec(value);
  if (m !== null) return m[1]!.replace(/\\(.)/g, "$1");
  const bare = new RegExp(`;\\s*${key}=([^;\\s]+)`, "i").exec(value);
  return bare === null ? undefined : bare[1];
}

/** The parts of `body`, or `undefined` when it is not a well-formed multipart form. */
export function readMultipart(
  body: Buffer,
  contentType: string | undefined,
): FormPart[] | undefined {
  const boundary = boundaryOf(contentType);
  if (boundary === undefined) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  if (at < 0) return undefined;
  const parts: FormPart[] = [];
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString("latin1") === "--") return parts; // the closing one
    if (body.subarray(at, at + 2).toString("latin1") !== "\r\n") return undefined;
    const headEnd = body.indexOf("\r\n\r\n", at + 2);
    if (headEnd < 0) return undefined;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headEnd + 4);
    if (next < 0) return undefined;
    if (parts.length >= MAX_PARTS) return undefined;
    const headers = new Map<string, string>();
    for (const line of body
      .subarray(at + 2, headEnd)
      .toString("utf8")
      .split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0)
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const disposition = headers.get("content-disposition") ?? "";
    const raw = param(disposition, "filename");
    parts.push({
      name: param(disposition, "name") ?? "",
      filename: raw === undefined || raw === "" ? undefined : goBase(raw),
      contentType: headers.get("content-type") ?? "",
      body: body.subarray(headEnd + 4, next),
    });
    at = next + 2;
  }
}
