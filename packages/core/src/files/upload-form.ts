// The multipart body of an upload (field `files`, as the canvas and the platform send it), read
// with the runtime's own `Response.formData()` (undici on Node, Bun's and Deno's, workerd's): no
// multipart dependency. The body is already in memory and bounded (50 MiB) when it gets here;
// its parts are counted first, so a body of many tiny parts is refused before it is parsed into
// objects (the workspace runtime's parser takes at most 64 files and 32 other fields).
import { MAX_FILE_BYTES, MAX_UPLOAD_FILES } from "../platform/index.js";
import { sanitizeFileName } from "../platform/index.js";

/** Parts of one upload body at most: 64 files and 32 other fields, as the workspace runtime. */
const MAX_PARTS = MAX_UPLOAD_FILES + 32;

/** A refusal of an upload body: the status and the `error` text to answer. */
export interface FormRefusal {
  status: 400 | 413;
  error: string;
}

/** The boundary of a `multipart/form-data` content type, or `undefined`. */
function boundaryOf(contentType: string | null | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** How many times `needle` occurs in `hay`, counting no further than `stopAt`. */
function count(hay: Uint8Array, needle: Uint8Array, stopAt: number): number {
  let n = 0;
  const first = needle[0]!;
  for (let i = hay.indexOf(first); i >= 0 && i <= hay.length - needle.length;) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) {
      if (++n > stopAt) return n;
      i += needle.length;
    } else i++;
    i = hay.indexOf(first, i);
  }
  return n;
}

/**
 * The `files` of an upload body, each at most 25 MiB, at most 64 of them; or the refusal to answer
 * (the workspace runtime's words: `workspace/internal_chat_uploads.py` at enteros-core@50c3bdfd).
 */
export async function uploadFormFiles(
  body: Uint8Array,
  contentType: string | null | undefined,
): Promise<File[] | FormRefusal> {
  const boundary = boundaryOf(contentType);
  if (boundary === undefined) return { status: 400, error: "failed to parse multipart form" };
  // Each part starts with `--<boundary>`; the closing delimiter is one more.
  const parts = count(body, new TextEncoder().encode(`--${boundary}`), MAX_PARTS + 1) - 1;
  if (parts > MAX_PARTS)
    return { status: 400, error: `too many files (limit ${MAX_UPLOAD_FILES})` };
  let form: FormData;
  try {
    form = await new Response(body as BodyInit, {
      headers: { "content-type": contentType! },
    }).formData();
  } catch {
    return { status: 400, error: "failed to parse multipart form" };
  }
  const files = form.getAll("files").filter((v): v is File => typeof v !== "string");
  if (files.length === 0) return { status: 400, error: "expected at least one 'files' field" };
  if (files.length > MAX_UPLOAD_FILES)
    return { status: 400, error: `too many files (limit ${MAX_UPLOAD_FILES})` };
  for (const f of files) {
    if (f.size > MAX_FILE_BYTES)
      return { status: 413, error: `${sanitizeFileName(f.name)} exceeds per-file limit (25 MB)` };
  }
  return files;
}
