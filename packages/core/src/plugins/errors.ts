import { isMoleculeError, MoleculeError } from "../transport/index.js";

/** Machine-readable reasons a plugin operation can fail. */
export type PluginErrorCode =
  /** The plugin name does not match `^[a-z0-9][a-z0-9._-]{0,127}$`. */
  | "invalid_name"
  /** An option is invalid or missing (for example no `dir` and no workspace id). */
  | "invalid_options"
  /** An expected sha256 is not a 64-character lowercase hex string. */
  | "invalid_sha256"
  /** The platform refused or failed the download (see `status` and `cause`). */
  | "download_failed"
  /** The compressed download exceeds `limits.maxCompressedBytes`. */
  | "download_too_large"
  /** The unpacked archive exceeds `limits.maxUnpackedBytes`. */
  | "unpacked_too_large"
  /** The archive has more entries than `limits.maxEntries`. */
  | "too_many_entries"
  /** An entry path exceeds `limits.maxPathLength` (or 255 bytes in one component). */
  | "path_too_long"
  /** An entry path is absolute or resolves outside the plugin folder. */
  | "unsafe_path"
  /** A device, FIFO or other unsupported entry type. */
  | "unsupported_entry"
  /** The stream is not a valid gzip'd tar archive (truncated, corrupt, nested compression). */
  | "invalid_archive"
  /** `plugin.yaml` is not valid YAML, not a mapping, or has a malformed `sha256`. */
  | "invalid_manifest"
  /** The unpacked tree does not hash to the expected sha256. */
  | "sha256_mismatch"
  /** A file-system step (staging, swap) failed. */
  | "install_failed";

/** Options of {@link PluginInstallError}. */
export interface PluginInstallErrorOptions {
  /** HTTP status of the platform's answer, for `download_failed`. */
  status?: number;
  /** Whether retrying the same call may succeed (network trouble, 5xx, 429). */
  retryable?: boolean;
  /** The archive entry the error is about (relative to the plugin root, as written in the archive). */
  entry?: string;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * Any failure of `installPlugin`, `extractPluginArchive` or `verifyPluginHash`'s input checks
 * (a `MoleculeError`, so `isMoleculeError(err, "sha256_mismatch")` works too).
 * `code` says what went wrong; the message says what to do next. When it is thrown by
 * `installPlugin`, the previous install is untouched and no staging folder is left behind.
 */
export class PluginInstallError extends MoleculeError {
  /** What went wrong (stable, machine-readable). */
  declare readonly code: PluginErrorCode;
  /** The archive entry concerned, when there is one. */
  readonly entry: string | undefined;

  constructor(code: PluginErrorCode, message: string, options: PluginInstallErrorOptions = {}) {
    super(message, {
      code,
      retryable: options.retryable ?? false,
      ...(options.status === undefined ? {} : { status: options.status }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.entry = options.entry;
  }
}

/** Whether `err` is a {@link PluginInstallError} (optionally with the given `code`); works across package copies. */
export function isPluginInstallError(
  err: unknown,
  code?: PluginErrorCode,
): err is PluginInstallError {
  return isMoleculeError(err, code) && (err as Error).name === "PluginInstallError";
}
