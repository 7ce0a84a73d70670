// This workspace's tokens: list, mint, revoke, and rotate (mint, switch, revoke the old one).
import { hideInInspect } from "../transport/index.js";
import { createTokenSchema, tokenListSchema } from "../wire/index.js";
import { invalid } from "./args.js";
import { ok } from "./http-errors.js";
import { requireWorkspaceId as requireId } from "./ids.js";
import { enc, type PlatformSession } from "./session.js";
import type { IssuedToken, RotateTokenResult, TokenInfo } from "./types.js";

type Opts = { signal?: AbortSignal };

/** `GET /workspaces/:id/tokens`: ids and prefixes, never the tokens. */
export async function listTokens(s: PlatformSession, options: Opts): Promise<TokenInfo[]> {
  const res = await s.send({
    method: "GET",
    path: `/workspaces/${enc(s.workspaceId)}/tokens`,
    query: { limit: 200 },
    signal: options.signal,
  });
  if (!ok(res.status)) throw await s.selfFail(res, "listTokens", options.signal);
  const list = s.expect(tokenListSchema, res, "listTokens");
  return list.tokens.map((t) => ({
    id: t.id,
    prefix: t.prefix ?? "",
    createdAt: t.created_at ?? null,
    lastUsedAt: t.last_used_at ?? null,
  }));
}

/** `POST /workspaces/:id/tokens`: a new token (the client keeps its current one). */
export async function createToken(s: PlatformSession, options: Opts): Promise<IssuedToken> {
  const res = await s.send({
    method: "POST",
    path: `/workspaces/${enc(s.workspaceId)}/tokens`,
    signal: options.signal,
  });
  if (!ok(res.status)) {
    throw await s.selfFail(res, "createToken", options.signal, {
      429: "createToken: the workspace already has the maximum of 50 live tokens; revoke some first",
    });
  }
  const t = s.expect(createTokenSchema, res, "createToken", { includeBody: false });
  return hideInInspect({ token: t.auth_token, workspaceId: t.workspace_id ?? s.workspaceId }, [
    "token",
  ]);
}

/** `DELETE /workspaces/:id/tokens/:tokenId`. */
export async function revokeToken(
  s: PlatformSession,
  tokenId: string,
  options: Opts,
): Promise<void> {
  const id = requireId(tokenId, "tokenId", "take it from listTokens()");
  const res = await s.send({
    method: "DELETE",
    path: `/workspaces/${enc(s.workspaceId)}/tokens/${enc(id)}`,
    signal: options.signal,
  });
  if (!ok(res.status)) {
    throw await s.selfFail(res, "revokeToken", options.signal, {
      404: `token ${id} does not exist or is already revoked`,
    });
  }
}

/** Mints a token, saves and uses it, then revokes the old one when its prefix names one token. */
export async function rotateToken(s: PlatformSession, options: Opts): Promise<RotateTokenResult> {
  await s.ensureToken();
  const old = s.token;
  if (!old) throw invalid("rotateToken needs a current token; register first or pass `token`");
  const before = await listTokens(s, options);
  const issued = await createToken(s, options);
  await s.setToken(issued.token);
  const matches = before.filter((t) => t.prefix !== "" && old.startsWith(t.prefix));
  if (matches.length !== 1) {
    const oldToken = matches.length === 0 ? "not_found" : "ambiguous";
    s.logger?.warn?.(
      `rotateToken: the new token is active, but the old token was not revoked: ${
        oldToken === "ambiguous"
          ? `${matches.length} live tokens share its prefix`
          : "no live token has its prefix"
      }; revoke it with revokeToken(id)`,
    );
    return { revokedTokenId: undefined, oldToken, candidateIds: matches.map((t) => t.id) };
  }
  const oldId = (matches[0] as TokenInfo).id;
  await revokeToken(s, oldId, options);
  return { revokedTokenId: oldId, oldToken: "revoked", candidateIds: [oldId] };
}
