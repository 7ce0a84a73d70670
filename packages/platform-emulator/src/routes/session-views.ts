// What the canvas shows of a session: `GET /workspaces/:id/traces` (Langfuse proxy, unconfigured),
// `GET /workspaces/:id/transcript` (proxy to the agent) and `GET /workspaces/:id/session-search`
// (platform-api-workspace-features.md §3).
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { type Ctx, HttpError, sendJson } from "../http-io.js";
import type { Platform } from "../platform.js";
import { isObject, iso, UUID_ANY_RE } from "../util.js";
import { featureStore } from "./feature-store.js";

/** `GET /workspaces/:id/traces`: no Langfuse keys in the emulator, so always `200 []`. */
export function traces(_platform: Platform, ctx: Ctx): void {
  sendJson(ctx, 200, []);
}

const TRANSCRIPT_MAX = 1 << 20;
const TRANSCRIPT_TIMEOUT_MS = 10_000;

/** `validateWorkspaceURL` (transcript.go:140-178): no DNS, loopback and private allowed. */
function transcriptUrlAllowed(u: URL): boolean {
  if (u.protocol !== "http:" && u.protocol !== "https:") return false;
  const host = u.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "") return false;
  if (["metadata.google.internal", "metadata.azure.com", "metadata"].includes(host)) return false;
  const fam = isIP(host);
  if (fam === 4) return host !== "169.254.169.254" && !host.startsWith("169.254.");
  if (fam === 6) return !/^fe[89ab]/.test(host) && !host.startsWith("fd");
  return true;
}

/** `GET /workspaces/:id/transcript?since=&limit=`: relays the agent's own `GET /transcript`. */
export async function transcript(platform: Platform, ctx: Ctx, id: string): Promise<void> {
  const ws = UUID_ANY_RE.test(id) ? platform.ws(id.toLowerCase()) : undefined;
  const card = ws?.agentCard;
  const raw = isObject(card) ? card["url"] : undefined;
  // `agent_card->>'url'`: a missing key (SQL NULL) fails the scan like a missing row.
  if (ws === undefined || raw === undefined || raw === null)
    throw new HttpError(404, { error: "workspace not found" });
  const text = typeof raw === "string" ? raw : JSON.stringify(raw);
  if (text === "") throw new HttpError(503, { error: "workspace not registered (no URL on file)" });
  // 2026-08: the production `isSafeURL` (DNS-resolved, dev mode allows loopback and private
  // hosts; an unparsable URL fails it too) replaces `validateWorkspaceURL` (transcript.go Get at
  // aeec8e47, #2130).
  if (platform.august && !(await platform.checkAgentUrl(text, "dispatch")))
    throw new HttpError(400, { error: "workspace URL not allowed" });
  let target: URL;
  try {
    target = new URL(text);
  } catch {
    throw new HttpError(400, { error: "invalid workspace URL" });
  }
  if (!platform.august && !transcriptUrlAllowed(target))
    throw new HttpError(400, { error: "workspace URL not allowed" });
  target.pathname = "/transcript";
  target.search = "";
  target.hash = "";
  for (const k of ["since", "limit"]) {
    const v = ctx.query.get(k);
    if (v !== null && v !== "") target.searchParams.set(k, v);
  }
  const headers: Record<string, string> = {
    "User-Agent": "Go-http-client/1.1",
    "Accept-Encoding": "gzip",
  };
  const auth = ctx.req.headers.authorization;
  if (auth !== undefined) headers["Authorization"] = auth;
  const answer = await new Promise<{ status: number; type: string; body: Buffer } | undefined>(
    (resolve) => {
      const lib = target.protocol === "https:" ? https : http;
      const rq = lib.get(target, { headers, timeout: TRANSCRIPT_TIMEOUT_MS }, (rs) => {
        const chunks: Buffer[] = [];
        let size = 0;
        rs.on("data", (c: Buffer) => {
          if (size >= TRANSCRIPT_MAX) return;
          chunks.push(c.subarray(0, TRANSCRIPT_MAX - size));
          size += Math.min(c.length, TRANSCRIPT_MAX - size);
        });
        rs.on("end", () =>
          resolve({
            status: rs.statusCode ?? 502,
            type: String(rs.headers["content-type"] ?? "application/json"),
            body: Buffer.concat(chunks),
          }),
        );
        rs.on("error", () => resolve(undefined));
      });
      rq.on("timeout", () => rq.destroy());
      rq.on("error", () => resolve(undefined));
    },
  );
  if (answer === undefined) throw new HttpError(502, { error: "workspace unreachable" });
  ctx.headers["Content-Type"] = answer.type;
  ctx.headers["Content-Length"] = answer.body.length;
  ctx.res.writeHead(answer.status, ctx.headers);
  ctx.res.end(answer.body);
}

/**
 * `GET /workspaces/:id/session-search?q=&limit=`: ILIKE over own activity rows + own memories
 * (2026-08: activity rows only).
 */
export function sessionSearch(platform: Platform, ctx: Ctx, id: string): void {
  if (!UUID_ANY_RE.test(id)) throw new HttpError(500, { error: "session search failed" });
  const wsId = id.toLowerCase();
  const q = (ctx.query.get("q") ?? "").trim().toLowerCase();
  const rawLimit = ctx.query.get("limit");
  let limit = rawLimit !== null && /^[+-]?\d+$/.test(rawLimit) ? Number(rawLimit) : 50;
  if (limit <= 0) limit = 50;
  if (limit > 200) limit = 200;
  type Hit = { at: number; seq: number; row: Record<string, unknown>; text: string };
  const hits: Hit[] = [];
  for (const r of platform.store.activity.get(wsId) ?? []) {
    const row: Record<string, unknown> = {
      content: r.summary ?? "",
      created_at: iso(r.created_at),
      id: r.id,
      kind: "activity",
      label: r.activity_type,
      method: r.method ?? "",
      status: r.status,
      workspace_id: r.workspace_id,
    };
    if (r.request_body !== undefined && r.request_body !== null)
      row["request_body"] = r.request_body;
    if (r.response_body !== undefined && r.response_body !== null)
      row["response_body"] = r.response_body;
    const text = [
      r.summary ?? "",
      r.activity_type,
      r.method ?? "",
      r.status,
      r.request_body === undefined ? "" : JSON.stringify(r.request_body),
      r.response_body === undefined ? "" : JSON.stringify(r.response_body),
    ].join("\n");
    hits.push({ at: r.created_at, seq: r.seq, row, text });
  }
  // 2026-08: the memory branch of the UNION is gone with the v1 table (activity.go
  // buildSessionSearchQuery, #1792): activity rows only.
  for (const m of platform.august ? [] : featureStore(platform).memories)
    if (m.workspaceId === wsId)
      hits.push({
        at: m.createdAt,
        seq: m.seq,
        text: `${m.content}\n${m.scope}`,
        row: {
          content: m.content,
          created_at: iso(m.createdAt),
          id: m.id,
          kind: "memory",
          label: m.scope,
          method: "",
          status: "",
          workspace_id: m.workspaceId,
        },
      });
  const out = hits
    .filter((h) => q === "" || h.text.toLowerCase().includes(q))
    .sort((a, b) => b.at - a.at || b.seq - a.seq)
    .slice(0, limit)
    .map((h) => h.row);
  sendJson(ctx, 200, out);
}

/**
 * 2026-08 `update-card` (registry.go UpdateCard at aeec8e47, #2130): a card whose `url` is a
 * non-empty string must pass the production `isSafeURL` (dev mode allows loopback and private
 * hosts), else `400 workspace URL not allowed` and nothing is stored. A card that is not an
 * object, or whose `url` is not a string, is not checked (its `json.Unmarshal` fails).
 */
export async function refuseUnsafeCardUrl(platform: Platform, card: unknown): Promise<void> {
  if (!platform.august || !isObject(card)) return;
  const url = card["url"];
  if (typeof url !== "string" || url === "") return;
  if (!(await platform.checkAgentUrl(url, "dispatch")))
    throw new HttpError(400, { error: "workspace URL not allowed" });
}
