// Recorded cases whose answer differs in the emulator's "2026-05" contract (the May-2026 server),
// each with its reason.
// The emulator README lists the same cases ("Replaying the real server").

/** A case's expected signature in "2026-05" and why it differs from the 2026-04 recording. */
export interface MayDifference {
  signature: string;
  reason: string;
}

const REGISTER_KEYS = "delivery_mode,platform_inbound_secret,status";

export const MAY_DIFFERS: Record<string, MayDifference> = {
  "GET /workspaces/<id> no auth": {
    signature:
      "200 keys:active_tasks,agent_card,collapsed,delivery_mode,id,last_error_rate," +
      "last_outbound_at,max_concurrent_tasks,name,parent_id,role,runtime,status,tier," +
      "uptime_seconds,url,x,y",
    reason:
      "emulator addition: the workspace's delivery_mode (§8.1 stores it; whether the newer " +
      "server shows it here is unverified), so tests can see what register did",
  },
  "register missing url": {
    signature: `200 keys:${REGISTER_KEYS}`,
    reason: "§8.1: an external workspace registered without a URL gets poll delivery",
  },
  "register valid re-register": {
    signature: `200 keys:${REGISTER_KEYS}`,
    reason: "§8.1: register also answers delivery_mode and platform_inbound_secret",
  },
  "register unknown UUID (creates row?)": {
    signature: `200 keys:auth_token,${REGISTER_KEYS}`,
    reason: "§8.1: register also answers delivery_mode and platform_inbound_secret",
  },
  "deleted: register without bearer": {
    signature: `200 keys:auth_token,${REGISTER_KEYS}`,
    reason: "§8.1: register also answers delivery_mode and platform_inbound_secret",
  },
  "peers ?q=zzz no match": {
    signature: "200 array",
    reason:
      "the q filter's crash on a peer without a role is reproduced in 2026-04 only; " +
      "whether the newer server still has it is unverified",
  },
  "activity ?since_id=zero (probe)": {
    signature: "410 error:since_id cursor not found (unknown or pruned); re-seed with since_secs",
    reason: "§8.2: an unknown since_id cursor is 410 (the SDK's capability probe)",
  },
  "deleted: GET /workspaces/<id>": {
    signature: "410 keys:error,hint,id,removed_at",
    reason: "§8.5: a removed workspace is 410 without ?include_removed=true",
  },
  "heartbeat valid": {
    signature: "200 keys:platform_inbound_secret,status",
    reason:
      "#2421: the heartbeat answers the inbound secret too (registry.go 622-650 at enteros-core@50c3bdfd)",
  },
  "heartbeat oversized body (2 MiB)": {
    signature: "200 keys:platform_inbound_secret,status",
    reason:
      "#2421: the heartbeat answers the inbound secret too (registry.go 622-650 at enteros-core@50c3bdfd)",
  },
  "deleted: heartbeat with own token": {
    signature: "401 error:invalid workspace auth token",
    reason: "§8.5: a heartbeat after delete is 401",
  },
};
