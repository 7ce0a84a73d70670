// Plugin download and install: source resolution (local://, github://) and tarball serving.
import { type Ctx, HttpError, readJsonObject } from "../http-io.js";
import type { Platform } from "../platform.js";
import { buildPluginTarball, PLUGIN_NAME_RE } from "../plugins.js";

/** Splits a plugin source into scheme and reference (`local://<name>` by default). */
function resolvePluginSource(
  name: string,
  source: string | null,
): { scheme: string; ref: string; src: string } {
  const src = source === null || source === "" ? `local://${name}` : source;
  const i = src.indexOf("://");
  if (i === -1) return { scheme: "local", ref: src, src: `local://${src}` };
  return { scheme: src.slice(0, i), ref: src.slice(i + 3), src };
}

/** Resolves a plugin source to its tarball, or throws the real server's error for it. */
async function fetchPlugin(
  platform: Platform,
  name: string,
  source: string | null,
): Promise<{ tar: Buffer; src: string }> {
  const { scheme, ref, src } = resolvePluginSource(name, source);
  if (scheme === "github") {
    if (!ref.includes("#"))
      throw new HttpError(422, {
        error:
          "unpinned github plugin source: pin a ref (github://owner/repo#<tag-or-sha>) or set PLUGIN_ALLOW_UNPINNED=true",
      });
    throw new HttpError(502, { error: "failed to fetch plugin from github", source: src });
  }
  if (scheme !== "local")
    throw new HttpError(400, {
      error: "failed to resolve plugin source",
      available_schemes: ["github", "local"],
    });
  if (ref === "" || ref.includes("/") || ref.includes("\\") || ref.includes(".."))
    throw new HttpError(400, {
      error: "failed to resolve plugin source",
      available_schemes: ["github", "local"],
    });
  if (!PLUGIN_NAME_RE.test(ref))
    throw new HttpError(502, { error: "failed to fetch plugin from local", source: src });
  if (ref !== name)
    throw new HttpError(400, {
      error: `source resolved to plugin "${ref}" but URL requested "${name}"`,
      resolved_name: ref,
      requested_name: name,
    });
  const dir = platform.s.pluginsDir;
  const tar = dir === undefined ? undefined : await buildPluginTarball(dir, ref);
  if (tar === undefined)
    throw new HttpError(404, { error: "failed to fetch plugin from local", source: src });
  return { tar, src };
}

/** `GET /workspaces/:id/plugins/:name/download`. */
export async function downloadPlugin(
  platform: Platform,
  ctx: Ctx,
  id: string,
  name: string,
): Promise<void> {
  platform.lazy(ctx, id);
  if (name === "" || name.includes("/") || name.includes("\\") || name.includes(".."))
    throw new HttpError(400, { error: "invalid plugin name" });
  const { tar, src } = await fetchPlugin(platform, name, ctx.query.get("source"));
  const h = ctx.headers;
  h["Content-Type"] = "application/gzip";
  h["Content-Disposition"] = `attachment; filename="${name}.tar.gz"`;
  h["Content-Length"] = tar.length;
  h["X-Plugin-Name"] = name;
  h["X-Plugin-Source"] = src;
  ctx.res.writeHead(200, h);
  ctx.res.end(tar);
}

/** `POST /workspaces/:id/plugins`: no container to install into (503 once the source resolves). */
export async function installPlugin(platform: Platform, ctx: Ctx, id: string): Promise<void> {
  // 2026-08 (molecule-core#10; `plugins_install.go` 34-46 at aeec8e47): refused before the body
  // is read for an external workspace.
  if (platform.august && platform.ws(id)?.runtime === "external")
    throw new HttpError(422, {
      error: "plugin install via push is not supported for external runtimes",
      hint: "external workspaces pull plugins via GET /workspaces/:id/plugins/:name/download",
    });
  const b = await readJsonObject(ctx, "invalid request body");
  const source = typeof b["source"] === "string" ? b["source"] : "";
  if (source === "") throw new HttpError(400, { error: "invalid request body" });
  const { ref } = resolvePluginSource("", source);
  const name = ref.split("#")[0]?.split("/").pop() ?? ref;
  await fetchPlugin(platform, name, source);
  throw new HttpError(503, { error: "workspace container not running" });
}
