// An external workspace as an operator handles it with `AdminClient`: its connection block (create,
// rotate, re-show: molecule-core #2852) and what a restart does to it (#2412).
import { hideInInspect, redactDeep } from "../transport/index.js";
import type { WireExternalConnection } from "../wire/index.js";

/**
 * An external workspace's connection block, as `AdminClient.rotateExternalCredentials` and
 * `AdminClient.getExternalConnection` return it. `util.inspect` redacts `token`.
 */
export interface ExternalConnection {
  workspaceId: string;
  /** The platform URL the agent is told to use. */
  platformUrl: string;
  /**
   * The workspace token a rotation minted, shown this once: hand it to the agent (write it to the
   * agent's token file, `MOLECULE_WORKSPACE_TOKEN_FILE`, and a running agent picks it up on its
   * next call). Absent when re-shown: the platform keeps no token it could show again.
   */
  token?: string;
  registryEndpoint: string;
  heartbeatEndpoint: string;
  /**
   * The platform's copy-paste snippets, by their field name (`curl_register_template`,
   * `python_snippet`, and on newer platforms `claude_code_channel_snippet`, `universal_mcp_snippet`,
   * ...): templates the platform changes, passed through as sent.
   */
  snippets: Record<string, string>;
  /** The response body, the token redacted. */
  raw: unknown;
}

/** Result of `AdminClient.restartWorkspace`. */
export interface RestartResult {
  /**
   * `"noop"` for an external workspace on a newer platform (#2412: its agent is restarted by
   * whoever runs it; the platform has nothing to restart and revokes nothing); else the platform's
   * word (`"provisioning"` when it re-provisions a container).
   */
  status: string;
  /** The workspace's runtime, when the platform names it (`"external"` with `noop`). */
  runtime?: string;
  /** The platform's explanation, when it gives one. */
  message?: string;
  raw: unknown;
}

/** The SDK's view of a `{"connection": {...}}` answer, the token hidden from `inspect`. */
export function toExternalConnection(
  wire: WireExternalConnection,
  body: unknown,
  known: readonly string[],
): ExternalConnection {
  const c = wire.connection;
  const snippets: Record<string, string> = {};
  for (const [key, value] of Object.entries(c)) {
    if (typeof value === "string" && /_(snippet|template)$/.test(key)) snippets[key] = value;
  }
  const token = c.auth_token ? c.auth_token : undefined;
  const out: ExternalConnection = {
    workspaceId: c.workspace_id,
    platformUrl: c.platform_url ?? "",
    registryEndpoint: c.registry_endpoint ?? "",
    heartbeatEndpoint: c.heartbeat_endpoint ?? "",
    snippets,
    raw: redactDeep(body, token ? [...known, token] : known),
  };
  if (token) out.token = token;
  return hideInInspect(out, ["token"]);
}
