// Test fixtures for the plugin tests: hand-built tar archives (any shape, hostile ones included),
// a fake platform client, and a tree snapshot to prove nothing changed.
import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip, gzipSync } from "node:zlib";
import { Header, Pax } from "tar";
import type { PluginSourceClient } from "../src/plugins/index.js";

/** One archive entry; `size` overrides the declared size (for lying headers). */
export interface TarItem {
  path: string;
  type?:
    | "File"
    | "Directory"
    | "SymbolicLink"
    | "Link"
    | "CharacterDevice"
    | "BlockDevice"
    | "FIFO"
    | "SparseFile";
  body?: string | Buffer;
  mode?: number;
  linkpath?: string;
  size?: number;
}

const MTIME = new Date("2026-01-01T00:00:00Z");

/** The 512-byte blocks of one entry (with a pax header first when the path needs one). */
export function tarEntry(item: TarItem): Buffer {
  const body =
    typeof item.body === "string" ? Buffer.from(item.body) : (item.body ?? Buffer.alloc(0));
  const type = item.type ?? (item.path.endsWith("/") ? "Directory" : "File");
  const data = {
    path: item.path,
    type,
    mode: item.mode ?? (type === "Directory" ? 0o755 : 0o644),
    size: item.size ?? (type === "File" ? body.length : 0),
    mtime: MTIME,
    uid: 1000,
    gid: 1000,
    uname: "dev",
    gname: "dev",
    ...(item.linkpath === undefined ? {} : { linkpath: item.linkpath }),
  } as const;
  const header = new Header(data);
  const block = Buffer.alloc(512);
  const needPax = header.encode(block);
  const parts: Buffer[] = [];
  if (needPax)
    parts.push(
      new Pax({ path: item.path, ...(item.linkpath ? { linkpath: item.linkpath } : {}) }).encode(),
    );
  parts.push(block);
  if (body.length > 0) {
    parts.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  return Buffer.concat(parts);
}

/** A complete tar (entries + end-of-archive blocks). */
export function tarOf(items: TarItem[]): Buffer {
  return Buffer.concat([...items.map(tarEntry), Buffer.alloc(1024)]);
}

/** A gzip'd tar of `items`. */
export function tgz(items: TarItem[]): Buffer {
  return gzipSync(tarOf(items));
}

/** Yields `total` bytes of zeros in 1 MiB chunks without holding them. */
export async function* zeros(total: number): AsyncGenerator<Buffer> {
  const chunk = Buffer.alloc(1024 * 1024);
  for (let left = total; left > 0; left -= chunk.length) {
    yield left >= chunk.length ? chunk : chunk.subarray(0, left);
  }
}

/** A gzip stream produced lazily from `parts` (Buffers or async iterables of Buffers). */
export function lazyGzip(parts: (Buffer | AsyncIterable<Buffer>)[]): Readable {
  async function* all(): AsyncGenerator<Buffer> {
    for (const p of parts) {
      if (Buffer.isBuffer(p)) yield p;
      else yield* p;
    }
  }
  const gz = createGzip({ level: 1 });
  pipeline(Readable.from(all()), gz).catch(() => undefined);
  return gz;
}

/** A fake platform client serving one body per download; records calls. */
export function fakeClient(
  serve: (name: string, source?: string) => Readable | Buffer | Promise<Readable | Buffer>,
  opts: { workspaceId?: string; contentLength?: number; record?: () => Promise<boolean> } = {},
): PluginSourceClient & { downloads: { name: string; source?: string }[]; records: string[] } {
  const downloads: { name: string; source?: string }[] = [];
  const records: string[] = [];
  return {
    ...(opts.workspaceId === undefined ? {} : { workspaceId: opts.workspaceId }),
    downloads,
    records,
    async downloadPlugin(name, o) {
      downloads.push({ name, ...(o?.source === undefined ? {} : { source: o.source }) });
      const served = await serve(name, o?.source);
      const body = Buffer.isBuffer(served) ? Readable.from([served]) : served;
      const contentLength =
        opts.contentLength ?? (Buffer.isBuffer(served) ? served.length : undefined);
      return contentLength === undefined ? { body } : { body, contentLength };
    },
    async recordPluginInstall(name) {
      records.push(name);
      return opts.record ? opts.record() : false;
    },
  };
}

/** Every path under `root` with its type, mode bits and content hash (or link target). */
export async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(dir: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      const abs = path.join(dir, name);
      const rel = path.relative(root, abs);
      const st = await lstat(abs);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[rel] = `dir ${mode}`;
        await walk(abs);
      } else if (st.isSymbolicLink()) {
        out[rel] = `link -> ${await readlink(abs)}`;
      } else if (st.isFile()) {
        out[rel] = `file ${mode} ${createHash("sha256")
          .update(await readFile(abs))
          .digest("hex")}`;
      } else {
        out[rel] = `special ${st.mode.toString(8)}`;
      }
    }
  }
  await walk(root);
  return out;
}
