// Streaming, verified-safe extraction of a plugin archive (gzip'd tar) into a folder.
import type { Logger } from "../transport/index.js";
import path from "node:path";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { Unpack, type ReadEntry } from "tar";
import { PluginInstallError, type PluginErrorCode } from "./errors.js";
import { checkEntryPath, isTarPathProblem } from "./entry-path.js";

/** Size and shape limits applied while a plugin archive is unpacked. */
export interface PluginLimits {
  /** Maximum bytes of the compressed download (checked against Content-Length first, then counted). */
  maxCompressedBytes: number;
  /** Maximum bytes of the decompressed tar stream, and of the file contents declared in it. */
  maxUnpackedBytes: number;
  /** Maximum number of archive entries (files, folders and skipped links together). */
  maxEntries: number;
  /** Maximum length of an entry path, in UTF-8 bytes (each path component is also limited to 255). */
  maxPathLength: number;
}

const MiB = 1024 * 1024;

/**
 * Default {@link PluginLimits}: 100 MiB compressed (the platform's own cap on a staged plugin),
 * 256 MiB unpacked, 10 000 entries, 1024-byte paths.
 */
export const DEFAULT_PLUGIN_LIMITS: Readonly<PluginLimits> = Object.freeze({
  maxCompressedBytes: 100 * MiB,
  maxUnpackedBytes: 256 * MiB,
  maxEntries: 10_000,
  maxPathLength: 1024,
});

/** An archive entry that was deliberately not extracted. */
export interface SkippedPluginEntry {
  /** Entry path as written in the archive. */
  path: string;
  /** Why it was skipped: links are never extracted (security). */
  type: "SymbolicLink" | "Link";
  /** The link's target as written in the archive. */
  linkpath: string;
}

/** Options of {@link extractPluginArchive}. */
export interface ExtractPluginArchiveOptions {
  /** Overrides of {@link DEFAULT_PLUGIN_LIMITS}. */
  limits?: Partial<PluginLimits>;
  /** Receives a warning for every skipped link. */
  logger?: Logger;
  /** Cancels the extraction (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
  /** The download's Content-Length, when known: checked against `maxCompressedBytes` before reading. */
  contentLength?: number;
}

/** What {@link extractPluginArchive} wrote. */
export interface ExtractPluginArchiveResult {
  /** Regular files written. */
  files: number;
  /** Folders written (explicit folder entries). */
  directories: number;
  /** Bytes of file content written. */
  bytes: number;
  /** Bytes of the compressed stream read. */
  compressedBytes: number;
  /** Links skipped, in archive order. */
  skipped: SkippedPluginEntry[];
}

/** Resolves user limit overrides against the defaults, rejecting nonsense values. */
export function resolvePluginLimits(overrides: Partial<PluginLimits> = {}): PluginLimits {
  const limits = { ...DEFAULT_PLUGIN_LIMITS };
  for (const key of Object.keys(DEFAULT_PLUGIN_LIMITS) as (keyof PluginLimits)[]) {
    const v = overrides[key];
    if (v === undefined) continue;
    if (typeof v !== "number" || Number.isNaN(v) || v <= 0) {
      throw new PluginInstallError(
        "invalid_options",
        `limits.${key} must be a positive number, got ${String(v)}.`,
      );
    }
    limits[key] = v;
  }
  return limits;
}

const FILE_TYPES = new Set(["File", "OldFile", "ContiguousFile"]);
const DIR_TYPES = new Set(["Directory", "GNUDumpDir"]);
const DEVICE_TYPES = new Set(["CharacterDevice", "BlockDevice", "FIFO"]);
const textEncoder = new TextEncoder();

/**
 * Streams a gzip'd tar archive into `dest` (an existing, empty folder you own) with the
 * `tar` package, enforcing `limits`:
 *
 * - entries with an absolute path, or a path that resolves outside `dest`, are rejected
 *   (`unsafe_path`); `a/../b` that stays inside is normalised, as in the reference SDK;
 * - symbolic links and hard links are skipped with a warning (reported in `skipped`);
 * - devices, FIFOs and other special entries are rejected (`unsupported_entry`);
 * - setuid/setgid/sticky and group/world-write bits are dropped; ownership is never restored;
 * - limits on compressed bytes, unpacked bytes, entry count and path length are enforced while
 *   streaming, so a gzip bomb is stopped at the limit without being held in memory;
 * - a truncated or corrupt stream is an error (`invalid_archive`), never a partial success.
 *
 * On rejection the promise settles only after every file handle is closed; `dest` may then hold
 * a partial tree, which the caller removes (`installPlugin` does).
 * @throws PluginInstallError
 */
export async function extractPluginArchive(
  body: Readable | AsyncIterable<Uint8Array>,
  dest: string,
  options: ExtractPluginArchiveOptions = {},
): Promise<ExtractPluginArchiveResult> {
  const limits = resolvePluginLimits(options.limits);
  const { signal, logger } = options;
  const root = path.resolve(dest);
  const source = body instanceof Readable ? body : Readable.from(body, { objectMode: false });

  if (options.contentLength !== undefined && options.contentLength > limits.maxCompressedBytes) {
    source.destroy();
    throw tooLargeCompressed(limits, options.contentLength);
  }

  const result: ExtractPluginArchiveResult = {
    files: 0,
    directories: 0,
    bytes: 0,
    compressedBytes: 0,
    skipped: [],
  };
  let fatal: PluginInstallError | undefined;
  let draining = false;
  let fatalWhileDraining = false;
  const handled = new WeakSet<object>();
  let wakeSink: (() => void) | undefined;
  let entries = 0;
  let declaredBytes = 0;
  let sawEof = false;

  const fail = (code: PluginErrorCode, message: string, entry?: string, cause?: unknown): false => {
    if (!fatal) {
      fatal = new PluginInstallError(code, message, { entry, cause });
      fatalWhileDraining = draining;
      wakeSink?.();
    }
    return false;
  };

  const filter = (_p: string, entry: ReadEntry | unknown): boolean => {
    if (fatal) return false;
    const e = entry as ReadEntry;
    handled.add(e);
    const raw = e.path;
    const shown = JSON.stringify(raw.length > 200 ? `${raw.slice(0, 200)}...` : raw);
    if (++entries > limits.maxEntries) {
      return fail(
        "too_many_entries",
        `Plugin archive has more than ${limits.maxEntries} entries; raise limits.maxEntries if the plugin is trusted.`,
      );
    }
    const pathBytes = textEncoder.encode(raw).length;
    if (pathBytes > limits.maxPathLength) {
      return fail(
        "path_too_long",
        `Plugin archive entry path is ${pathBytes} bytes, over limits.maxPathLength (${limits.maxPathLength}): ${shown}.`,
        raw,
      );
    }
    const normalized = checkEntryPath(raw, root, shown);
    if (typeof normalized !== "string") return fail("unsafe_path", normalized.unsafe, raw);
    for (const part of normalized.split("/")) {
      if (textEncoder.encode(part).length > 255) {
        return fail(
          "path_too_long",
          `Plugin archive entry has a path component over 255 bytes: ${shown}.`,
          raw,
        );
      }
    }
    const type = e.type;
    if (type === "SymbolicLink" || type === "Link") {
      const linkpath = e.linkpath ?? "";
      result.skipped.push({ path: raw, type, linkpath });
      logger?.warn?.(
        `skipping ${type === "Link" ? "hard link" : "symlink"} in plugin archive (not supported for security): ${raw} -> ${linkpath}`,
        { path: raw, linkpath, type },
      );
      return false;
    }
    if (DEVICE_TYPES.has(type)) {
      return fail(
        "unsupported_entry",
        `Refusing plugin archive entry ${shown} of type ${type}: device and FIFO entries are never extracted. The archive is unsafe; do not install it.`,
        raw,
      );
    }
    const isFile = FILE_TYPES.has(type);
    if (!isFile && !DIR_TYPES.has(type)) {
      return fail(
        "unsupported_entry",
        `Refusing plugin archive entry ${shown} of unsupported type ${type}; plugins may contain only files and folders.`,
        raw,
      );
    }
    declaredBytes += e.size;
    if (declaredBytes > limits.maxUnpackedBytes) {
      return fail(
        "unpacked_too_large",
        `Plugin archive unpacks to more than limits.maxUnpackedBytes (${limits.maxUnpackedBytes} bytes) at ${shown}; raise the limit if the plugin is trusted.`,
        raw,
      );
    }
    if (normalized === ".") {
      if (isFile) {
        return fail(
          "unsafe_path",
          `Refusing plugin archive file entry naming the plugin folder itself: ${shown}.`,
          raw,
        );
      }
      return false; // never touch the destination folder itself
    }
    e.path = normalized;
    if (isFile) {
      e.mode = ((e.mode ?? 0o644) & 0o755) | 0o600;
      result.files += 1;
      result.bytes += e.size;
    } else {
      e.mode = ((e.mode ?? 0o755) & 0o755) | 0o700;
      result.directories += 1;
    }
    return true;
  };

  const onTarProblem = (tarCode: string, message: string, data: unknown): void => {
    if (fatal || tarCode === "TAR_ENTRY_INFO") return;
    // An archive of only end-of-archive blocks is a valid, empty archive.
    if (
      tarCode === "TAR_BAD_ARCHIVE" &&
      /Unrecognized archive format/.test(message) &&
      sawEof &&
      entries === 0
    ) {
      return;
    }
    const entryPath = (data as { entry?: { path?: unknown } } | undefined)?.entry?.path;
    const where = typeof entryPath === "string" ? ` (entry ${JSON.stringify(entryPath)})` : "";
    if (tarCode === "CwdError" || (data as { name?: unknown } | undefined)?.name === "CwdError") {
      fail(
        "install_failed",
        `The extraction folder ${root} is missing or not a folder.`,
        undefined,
        data,
      );
      return;
    }
    if (isTarPathProblem(message)) {
      fail(
        "unsafe_path",
        `Refusing plugin archive entry: ${message}${where}. The archive is unsafe; do not install it.`,
        typeof entryPath === "string" ? entryPath : undefined,
        data,
      );
      return;
    }
    const hint = /Truncated/.test(message)
      ? "The download was cut short; retry the install."
      : "The plugin archive is corrupt or not a tar.gz; check the plugin source.";
    fail(
      "invalid_archive",
      `Invalid plugin archive: ${message}${where}. ${hint}`,
      typeof entryPath === "string" ? entryPath : undefined,
      data,
    );
  };

  const unpack = new Unpack({
    cwd: root,
    filter,
    strict: false,
    preserveOwner: false,
    preservePaths: false,
    chmod: false,
    zstd: false,
    brotli: false,
    onwarn: (code: string, message: string, data: unknown) =>
      onTarProblem(code, String(message), data),
  });
  unpack.on("error", (err: Error & { tarCode?: string; code?: string }) =>
    onTarProblem(err.tarCode ?? err.name ?? err.code ?? "TAR_ERROR", err.message, err),
  );
  // tar silently ignores entry types it does not know, and oversized extended headers: refuse them.
  unpack.on("ignoredEntry", (entry: ReadEntry) => {
    if (handled.has(entry)) return;
    const shown = JSON.stringify(String(entry.path).slice(0, 200));
    if (entry.meta) {
      fail(
        "invalid_archive",
        `Invalid plugin archive: oversized ${entry.type} header before ${shown}.`,
        entry.path,
      );
    } else if (++entries > limits.maxEntries) {
      fail(
        "too_many_entries",
        `Plugin archive has more than ${limits.maxEntries} entries; raise limits.maxEntries if the plugin is trusted.`,
      );
    } else {
      fail(
        "unsupported_entry",
        `Refusing plugin archive entry ${shown} of unsupported type ${entry.type}; plugins may contain only files and folders.`,
        entry.path,
      );
    }
  });
  unpack.on("eof", () => {
    sawEof = true;
  });
  const closed = new Promise<void>((resolve) => unpack.once("close", resolve));

  const countCompressed = new ByteCounter((n) => {
    result.compressedBytes = n;
    if (n > limits.maxCompressedBytes) throw tooLargeCompressed(limits, n);
  });
  const gunzip = createGunzip();
  let gunzipError: Error | undefined;
  gunzip.once("error", (err) => {
    gunzipError = err;
  });
  const countUnpacked = new ByteCounter((n, chunk, first) => {
    if (first && isNestedCompression(chunk)) {
      throw new PluginInstallError(
        "invalid_archive",
        "Invalid plugin archive: the tar stream is itself compressed (nested gzip/zstd is not accepted).",
      );
    }
    if (n > limits.maxUnpackedBytes) {
      throw new PluginInstallError(
        "unpacked_too_large",
        `Plugin archive unpacks to more than limits.maxUnpackedBytes (${limits.maxUnpackedBytes} bytes); ` +
          "raise the limit if the plugin is trusted.",
      );
    }
  });

  const sink = async (chunks: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of chunks) {
      if (fatal) throw fatal;
      // After the end-of-archive marker tar would buffer any trailing bytes; count them, drop them.
      if (sawEof) continue;
      if (!unpack.write(chunk)) {
        await new Promise<void>((resolve) => {
          wakeSink = resolve;
          unpack.once("drain", resolve);
        });
        wakeSink = undefined;
      }
      if (fatal) throw fatal;
    }
  };

  let sourceError: Error | undefined;
  source.once("error", (err) => {
    sourceError = err;
  });
  let streamError: unknown;
  try {
    await pipeline(source, countCompressed, gunzip, countUnpacked, sink, { signal });
  } catch (err) {
    streamError = err;
  }
  // Let tar finish (or unwind) every open file before reporting anything. Problems tar reports
  // only because the stream was cut (a truncated last entry) do not mask the real cause.
  draining = true;
  unpack.end();
  await closed;

  if (signal?.aborted) throw signal.reason;
  if (fatal && !fatalWhileDraining) throw fatal;
  if (streamError !== undefined) {
    if (streamError instanceof PluginInstallError) throw streamError;
    if (gunzipError !== undefined && sourceError === undefined) {
      const truncated = (gunzipError as { code?: string }).code === "Z_BUF_ERROR";
      throw new PluginInstallError(
        "invalid_archive",
        truncated
          ? "Invalid plugin archive: the gzip stream is truncated; the download was cut short, retry the install."
          : `Invalid plugin archive: ${gunzipError.message}. The download is not a valid tar.gz.`,
        { cause: gunzipError, retryable: truncated },
      );
    }
    throw new PluginInstallError(
      "download_failed",
      `Reading the plugin download failed: ${(sourceError ?? (streamError as Error))?.message ?? String(streamError)}. Retry the install.`,
      { cause: sourceError ?? streamError, retryable: true },
    );
  }
  if (fatal) throw fatal;
  return result;
}

function tooLargeCompressed(limits: PluginLimits, n: number): PluginInstallError {
  return new PluginInstallError(
    "download_too_large",
    `Plugin download is ${n > limits.maxCompressedBytes ? "over" : "at"} limits.maxCompressedBytes ` +
      `(${limits.maxCompressedBytes} bytes); raise the limit if the plugin is trusted.`,
  );
}

function isNestedCompression(chunk: Buffer): boolean {
  return (
    (chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b) ||
    (chunk.length >= 4 &&
      chunk[0] === 0x28 &&
      chunk[1] === 0xb5 &&
      chunk[2] === 0x2f &&
      chunk[3] === 0xfd)
  );
}

/** A pass-through stream that reports the running byte count (and may throw to stop the flow). */
class ByteCounter extends Transform {
  #count = 0;
  readonly #check: (count: number, chunk: Buffer, first: boolean) => void;
  constructor(check: (count: number, chunk: Buffer, first: boolean) => void) {
    super();
    this.#check = check;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const first = this.#count === 0;
    this.#count += chunk.length;
    try {
      this.#check(this.#count, chunk, first);
    } catch (err) {
      cb(err as Error);
      return;
    }
    cb(null, chunk);
  }
}
