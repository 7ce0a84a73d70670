// A message's files as the framework adapters hand them to a model (LangChain content blocks, AI SDK
// file parts, MCP content): each file's bytes read once, with base64 for the frameworks that want
// it, and the text of a text file passed through `sanitizePeerText` like the message's own text
// (whoever uploaded it is untrusted). A file that cannot be read for good (the platform no longer
// holds it, it is too large) becomes a line the model reads instead; a failure that may pass (the
// network) is thrown, so the handler is retried. A message's files are read up to 50 MiB in all
// (the platform's bound of one upload); the files past it become such lines, unread.
import { sanitizePeerText } from "../a2a/index.js";
import type { InboundMessage } from "../inbound/index.js";
import { MAX_UPLOAD_BYTES } from "../platform/index.js";
import { isMoleculeError } from "../transport/index.js";

/** One of a message's files, read. */
export interface ModelFile {
  /** Its name: one safe path segment. */
  name: string;
  mediaType: string;
  bytes: Uint8Array;
  /** The bytes in base64 (no line breaks). */
  base64: string;
  /** For a text file (`text/*`, JSON, XML, YAML): its text, sanitised as peer text. */
  text?: string | undefined;
}

/** What {@link readModelFiles} read of a message. */
export interface ModelFiles {
  files: ModelFile[];
  /** One line per file that could not be read, for the model (e.g. `[file a.pdf could not be read: …]`). */
  unread: string[];
}

/** Whether a media type is text a model reads as text. */
export function isTextMediaType(mediaType: string): boolean {
  return /^text\/|^application\/(json|xml|yaml|x-yaml)$|\+(json|xml)$/.test(mediaType);
}

/** Base64 of `bytes`, on every runtime (no Buffer needed). */
export function base64Of(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * Reads every file of `msg` (see the file comment). `signal` aborts the reads (a polled upload is
 * fetched from the platform on first read).
 */
export async function readModelFiles(
  msg: Pick<InboundMessage, "files">,
  signal?: AbortSignal,
): Promise<ModelFiles> {
  const files: ModelFile[] = [];
  const unread: string[] = [];
  let total = 0;
  for (const f of msg.files ?? []) {
    if (total + f.size > MAX_UPLOAD_BYTES) {
      unread.push(
        `[file ${f.name} was not read: the message's files exceed ${MAX_UPLOAD_BYTES} bytes]`,
      );
      continue;
    }
    let bytes: Uint8Array;
    try {
      bytes = await f.bytes({ signal });
    } catch (err) {
      if (signal?.aborted || !isMoleculeError(err) || err.retryable) throw err;
      unread.push(`[file ${f.name} could not be read: ${err.message}]`);
      continue;
    }
    total += bytes.length;
    const text = isTextMediaType(f.mediaType)
      ? sanitizePeerText(new TextDecoder().decode(bytes))
      : undefined;
    files.push({ name: f.name, mediaType: f.mediaType, bytes, base64: base64Of(bytes), text });
  }
  return { files, unread };
}
