// 2026-08: which bearer a push to an agent carries (`resolveA2AInboundSecret`,
// `a2a_inbound_auth.go` and `ssrf.go` 248-275 at enteros-core aeec8e47; 858511a8, 0ab833a4,
// b27707c2).
import { isIP } from "node:net";
import type { Platform } from "../platform.js";
import type { WorkspaceRow } from "../store.js";
import { classifyIp, newToken } from "../util.js";

/** The bearer a dispatch carries (none: `undefined`), or the answer that refuses it. */
type InboundAuth =
  | { bearer: string | undefined; refuse?: undefined }
  | { refuse: { status: number; body: Record<string, unknown> }; bearer?: undefined };

/**
 * `isExternalAgentURL`: the workspace's own container name (`ws-<id>`, `ws-<id[:12]>`) and IP
 * literals that are not public are internal; every other host name (`localhost` included) and
 * public IP literal is external. (The platform's tunnel host names `ws-<id>.<app domain>` are
 * internal there too; the emulator has no app domain.)
 */
function isExternalAgentUrl(workspaceId: string, raw: string): boolean {
  let host: string;
  try {
    host = new URL(raw).hostname;
  } catch {
    return false;
  }
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host === "") return false;
  if (host === `ws-${workspaceId}` || host === `ws-${workspaceId.slice(0, 12)}`) return false;
  if (isIP(host) !== 0) return classifyIp(host) === "public";
  return true;
}

/**
 * The `Authorization` of a dispatch to `target` on 2026-08: an external URL always carries
 * `Bearer <platform_inbound_secret>`; with no secret on file one is minted (the lazy heal) and the
 * call is refused with `503` until the agent picks it up from its next heartbeat. An internal URL
 * (an IP literal such as `127.0.0.1`) carries it only with `a2aAlwaysAuth`
 * (`MOLECULE_A2A_ALWAYS_AUTH`), best-effort: never a refusal.
 */
export function inboundAuth(platform: Platform, target: WorkspaceRow): InboundAuth {
  const external = isExternalAgentUrl(target.id, target.url);
  if (!external && !platform.s.a2aAlwaysAuth) return { bearer: undefined };
  if (target.inboundSecret !== "") return { bearer: target.inboundSecret };
  target.inboundSecret = newToken();
  platform.changed();
  if (!external) return { bearer: undefined };
  return {
    refuse: {
      status: 503,
      body: {
        error: "workspace re-registering — please retry in 30 seconds",
        detail:
          "Inbound auth secret was just minted. Workspace will pick it up on its next heartbeat.",
        retry_after_seconds: 30,
      },
    },
  };
}
