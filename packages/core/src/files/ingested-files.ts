// What a push agent keeps of the files the platform forwards to its ingest route (canvas uploads,
// and the agent's own uploads for the canvas): in memory, bounded in bytes (the oldest file goes
// first past the bound) and in time, keyed by the `workspace:` URI answered for each. The URI has
// the shape the platform's own workspace runtime answers (`workspace:/workspace/.molecule/
// chat-uploads/<32 hex>-<name>`, enteros-core@50c3bdfd `workspace/internal_chat_uploads.py`), so
// the canvas resolves it (`/chat/download?path=`) exactly as for that runtime.
import { randomHex } from "../runtime/index.js";

/** The folder in the URIs the platform's runtime answers (`chatUploadDir` in chat_files.go). */
const INGEST_DIR = "/workspace/.molecule/chat-uploads";
/** The URI scheme of an ingested file. */
const WORKSPACE_SCHEME = "workspace:";
/** What every URI of an ingested file starts with. */
export const INGESTED_PREFIX = `${WORKSPACE_SCHEME}${INGEST_DIR}/`;

/** One ingested file. */
export interface IngestedFile {
  name: string;
  mediaType: string;
  bytes: Uint8Array;
  /** When it was stored (monotonic ms, `performance.now()`). */
  at: number;
}

/** Options of {@link IngestedFiles}. */
export interface IngestedFilesOptions {
  /** Bytes kept at most (default 256 MiB): past it the oldest files are dropped. */
  maxBytes?: number | undefined;
  /** How long a file is kept (default 24 h, as the platform keeps a pending upload). */
  keepMs?: number | undefined;
  /** Told the name of each file dropped to make room (not when it expired). */
  onDrop?: ((name: string) => void) | undefined;
}

/** The files one agent ingested, oldest first; see the file comment. */
export class IngestedFiles {
  readonly maxBytes: number;
  readonly #keepMs: number;
  readonly #onDrop: ((name: string) => void) | undefined;
  /** By path (`<INGEST_DIR>/<hex>-<name>`), in insertion order: the first is the oldest. */
  readonly #files = new Map<string, IngestedFile>();
  #bytes = 0;

  constructor(options: IngestedFilesOptions = {}) {
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.#keepMs = options.keepMs ?? 24 * 60 * 60 * 1000;
    this.#onDrop = options.onDrop;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Keeps a file (its name sanitised already) and returns its `workspace:` URI. */
  add(name: string, mediaType: string, bytes: Uint8Array): string {
    this.#expire();
    while (this.#bytes + bytes.length > this.maxBytes && this.#files.size > 0) {
      const [path, oldest] = this.#files.entries().next().value!;
      this.#delete(path);
      this.#onDrop?.(oldest.name);
    }
    const path = `${INGEST_DIR}/${randomHex(16)}-${name}`;
    this.#files.set(path, { name, mediaType, bytes, at: performance.now() });
    this.#bytes += bytes.length;
    return WORKSPACE_SCHEME + path;
  }

  /** The file at `path` (`<INGEST_DIR>/<hex>-<name>`), unless unknown or expired. */
  byPath(path: string): IngestedFile | undefined {
    this.#expire();
    return this.#files.get(path);
  }

  /** The file of a `workspace:` URI, unless unknown or expired. */
  byUri(uri: string): IngestedFile | undefined {
    if (!uri.startsWith(WORKSPACE_SCHEME)) return undefined;
    return this.byPath(uri.slice(WORKSPACE_SCHEME.length));
  }

  #expire(): void {
    const before = performance.now() - this.#keepMs;
    for (const [path, f] of this.#files) {
      if (f.at > before) break; // insertion order is age order
      this.#delete(path);
    }
  }

  #delete(path: string): void {
    const f = this.#files.get(path);
    if (f === undefined) return;
    this.#files.delete(path);
    this.#bytes -= f.bytes.length;
  }
}
