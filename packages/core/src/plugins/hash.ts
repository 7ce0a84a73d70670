// The plugin manifest hash, byte-compatible with the Python reference SDK
// (`molecule_agent.client.compute_plugin_sha256` / `verify_plugin_sha256`).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { isUtf8 } from "node:buffer";
import { PluginInstallError } from "./errors.js";

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** One `[relativePath, sha256]` pair of the manifest, in manifest order. */
export type PluginManifestEntry = readonly [path: string, sha256: string];

/**
 * Lists the files the manifest hash covers, in manifest order, with each file's sha256:
 * every regular file under `dir` (dotfiles included; a symlink to a file counts as its target;
 * symlinked folders are not descended), relative POSIX paths sorted by Unicode code point, minus
 * the top-level `plugin.yaml`. File names that are not valid UTF-8 are decoded the way Python does
 * on Linux (`surrogateescape`).
 */
export async function listPluginManifest(dir: string): Promise<PluginManifestEntry[]> {
  const files: { rel: string; abs: Buffer }[] = [];
  await walk(Buffer.from(dir), "", files);
  files.sort((a, b) => compareCodePoints(a.rel, b.rel));
  const out: PluginManifestEntry[] = [];
  for (const f of files) {
    if (f.rel === "plugin.yaml") continue;
    out.push([f.rel, await sha256File(f.abs)]);
  }
  return out;
}

/**
 * The plugin manifest hash of `dir`, as lowercase hex: sha256 of Python's
 * `json.dumps([[relpath, sha256(file)], ...])` over {@link listPluginManifest}. Identical to the
 * reference SDK's `compute_plugin_sha256` (and the value to put in `plugin.yaml`'s `sha256`).
 */
export async function computePluginHash(dir: string): Promise<string> {
  const manifest = await listPluginManifest(dir);
  return createHash("sha256").update(pythonJsonDumps(manifest), "latin1").digest("hex");
}

/**
 * Whether `dir` hashes to `expected` (see {@link computePluginHash}).
 * @throws PluginInstallError `invalid_sha256` when `expected` is not 64 lowercase hex characters.
 */
export async function verifyPluginHash(dir: string, expected: string): Promise<boolean> {
  assertSha256(expected);
  return (await computePluginHash(dir)) === expected;
}

/** Throws `invalid_sha256` unless `value` is a 64-character lowercase hex string. */
export function assertSha256(value: unknown, what = "sha256"): asserts value is string {
  if (typeof value !== "string" || !SHA256_HEX.test(value)) {
    const shown = typeof value === "string" ? JSON.stringify(value.slice(0, 80)) : typeof value;
    throw new PluginInstallError(
      "invalid_sha256",
      `${what} must be a 64-character lowercase hex string, got ${shown}. ` +
        "Compute it with `molecule-agent plugin hash <dir>`.",
    );
  }
}

/**
 * Python's `json.dumps(manifest)` with default settings, as an ASCII string: `", "` item
 * separators, `ensure_ascii` escapes (`\uXXXX`, lowercase hex, UTF-16 surrogate pairs for astral
 * characters, DEL and every control character escaped).
 */
export function pythonJsonDumps(manifest: readonly PluginManifestEntry[]): string {
  return `[${manifest.map(([p, h]) => `[${pythonJsonString(p)}, ${pythonJsonString(h)}]`).join(", ")}]`;
}

const SHORT_ESCAPES: Record<number, string> = {
  0x22: '\\"',
  0x5c: "\\\\",
  0x0a: "\\n",
  0x0d: "\\r",
  0x09: "\\t",
  0x08: "\\b",
  0x0c: "\\f",
};

/** A string literal exactly as Python's `json.dumps(s)` (ensure_ascii=True) writes it. */
export function pythonJsonString(s: string): string {
  let out = '"';
  // Iterating UTF-16 code units gives Python's output directly: astral characters become their
  // surrogate pair, lone surrogates (from surrogateescape) stay single \udcXX escapes.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const short = SHORT_ESCAPES[c];
    if (short !== undefined) out += short;
    else if (c < 0x20 || c >= 0x7f) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += s[i];
  }
  return `${out}"`;
}

/** Orders strings by Unicode code point, as Python's `sorted()` does on `str`. */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i) as number;
    const cb = b.codePointAt(j) as number;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  return a.length - i - (b.length - j);
}

const SLASH = Buffer.from("/");

async function walk(
  dir: Buffer,
  prefix: string,
  out: { rel: string; abs: Buffer }[],
): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true, encoding: "buffer" });
  for (const entry of entries) {
    const abs = Buffer.concat([dir, SLASH, entry.name]);
    const rel = prefix + decodeFsName(entry.name);
    let isFile = entry.isFile();
    let isDir = entry.isDirectory();
    if (entry.isSymbolicLink()) {
      // Python's rglob does not descend symlinked folders; is_file() follows the link.
      isDir = false;
      isFile = await stat(abs).then(
        (s) => s.isFile(),
        () => false,
      );
    } else if (!isFile && !isDir && !entry.isFIFO() && !entry.isSocket()) {
      const s = await stat(abs).catch(() => undefined);
      isFile = s?.isFile() ?? false;
      isDir = s?.isDirectory() ?? false;
    }
    if (isDir) await walk(abs, `${rel}/`, out);
    else if (isFile) out.push({ rel, abs });
  }
}

/** Decodes a file name like Python on Linux: UTF-8 with `surrogateescape` for invalid bytes. */
export function decodeFsName(name: Buffer): string {
  if (isUtf8(name)) return name.toString("utf8");
  let out = "";
  let i = 0;
  while (i < name.length) {
    const len = validSequenceLength(name, i);
    if (len > 0) {
      out += name.subarray(i, i + len).toString("utf8");
      i += len;
    } else {
      out += String.fromCharCode(0xdc00 + (name[i] as number));
      i += 1;
    }
  }
  return out;
}

/** Length of the well-formed UTF-8 sequence starting at `i`, or 0 when it is not one. */
function validSequenceLength(b: Buffer, i: number): number {
  const b0 = b[i] as number;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const v = b[i + k];
    return v !== undefined && v >= lo && v <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

async function sha256File(path: Buffer): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest("hex");
}
