// Plugin tarballs: a gzip'd tar of `<pluginsDir>/<name>/`, entries relative to the plugin root,
// directory entries included, symlinks skipped (platform-api.md §3.14).
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { create } from "tar";

/** Local plugin names the platform accepts (`plugins/local.go`). */
export const PLUGIN_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/** Builds the tarball of one local plugin; undefined when the directory does not exist. */
export async function buildPluginTarball(
  pluginsDir: string,
  name: string,
): Promise<Buffer | undefined> {
  const root = join(pluginsDir, name);
  try {
    if (!(await stat(root)).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  const entries = (await readdir(root)).sort();
  if (entries.length === 0) return undefined;
  const stream = create(
    {
      gzip: true,
      cwd: root,
      portable: true,
      follow: false,
      filter: (_path, st) =>
        !("isSymbolicLink" in st && typeof st.isSymbolicLink === "function" && st.isSymbolicLink()),
    },
    entries,
  );
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}
