// Which archive entry paths a plugin may contain: every refused path is reported as `unsafe_path`.
import path from "node:path";

/** A refused entry path, with the message for a `PluginInstallError("unsafe_path")`. */
export interface UnsafePath {
  unsafe: string;
}

/**
 * Checks an entry path against the extraction folder `root` (absolute, resolved). Returns the
 * normalised relative path (`a/../b` that stays inside becomes `b`; `"."` is the folder itself),
 * or why it is refused: an absolute path (`/x`, `\x`, `C:x`, `\\server\share`), a path that
 * resolves outside `root`, or `..` segments written with `\` (`..\..\x`), which another platform's
 * unpacker would follow as separators.
 */
export function checkEntryPath(raw: string, root: string, shown: string): string | UnsafePath {
  if (raw.startsWith("/") || raw.startsWith("\\") || /^[A-Za-z]:/.test(raw)) {
    return {
      unsafe: `Refusing plugin archive entry with an absolute path: ${shown}. The archive is unsafe; do not install it.`,
    };
  }
  if (raw.includes("\\") && raw.split(/[\\/]/).includes("..")) {
    return {
      unsafe: `Refusing plugin archive entry with ".." segments separated by "\\": ${shown}. The archive is unsafe; do not install it.`,
    };
  }
  const normalized = path.posix.normalize(raw).replace(/\/+$/, "");
  const target = path.resolve(root, normalized);
  if (normalized === ".." || normalized.startsWith("../") || !isInside(root, target)) {
    return {
      unsafe: `Refusing plugin archive entry escaping the plugin folder: ${shown}. The archive is unsafe; do not install it.`,
    };
  }
  return normalized;
}

/**
 * Whether a problem the `tar` unpacker reported is about an entry's path (it refuses some paths
 * itself): reported as `unsafe_path`, never as a corrupt archive.
 */
export function isTarPathProblem(message: string): boolean {
  return /path contains '\.\.'|absolute path|through symbolic link|path.*(outside|escap)/i.test(
    message,
  );
}

function isInside(root: string, target: string): boolean {
  return target === root || target.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}
