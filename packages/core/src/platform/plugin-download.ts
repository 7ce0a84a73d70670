// Plugin endpoints of the workspace: the streamed tarball download and the install record.
import type { Readable } from "node:stream";
import { invalid } from "./args.js";
import { ok } from "./http-errors.js";
import { enc, type PlatformSession } from "./session.js";

type Opts = { source?: string; signal?: AbortSignal };

/** `GET /workspaces/:id/plugins/:name/download`, streamed (the body is not buffered). */
export async function downloadPlugin(
  s: PlatformSession,
  name: string,
  options: Opts,
): Promise<{ body: Readable; contentLength?: number }> {
  if (typeof name !== "string" || name === "" || /[/\\]|\.\./.test(name)) {
    throw invalid(`invalid plugin name ${JSON.stringify(name)}: no "/", "\\" or ".."`);
  }
  const { res, stream } = await s.openStream(
    {
      method: "GET",
      path: `/workspaces/${enc(s.workspaceId)}/plugins/${enc(name)}/download`,
      query: { source: options.source },
      headers: { accept: "application/gzip, application/json" },
      stream: true,
      signal: options.signal,
    },
    `downloadPlugin(${name})`,
  );
  const len = Number(res.headers["content-length"]);
  const out: { body: Readable; contentLength?: number } = { body: stream };
  if (Number.isFinite(len) && len >= 0) out.contentLength = len;
  return out;
}

/** `POST /workspaces/:id/plugins`, best effort: `false` on any failure except an abort. */
export async function recordPluginInstall(
  s: PlatformSession,
  name: string,
  options: Opts,
): Promise<boolean> {
  try {
    const res = await s.send({
      method: "POST",
      path: `/workspaces/${enc(s.workspaceId)}/plugins`,
      json: { source: options.source ?? `local://${name}` },
      signal: options.signal,
    });
    if (!ok(res.status)) {
      s.logger?.debug?.(`recordPluginInstall(${name}) -> ${res.status}`);
      return false;
    }
    return true;
  } catch (err) {
    if (options.signal?.aborted) throw err;
    return false;
  }
}
