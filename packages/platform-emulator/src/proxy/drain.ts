// Draining the A2A queue: one queued item per heartbeat with spare capacity.
import type { Platform } from "../platform.js";
import { deliver } from "./deliver.js";
import { failDelegation, finishDelegation } from "../routes/delegations.js";
import type { WorkspaceRow } from "../store.js";
import { isObject } from "../util.js";

/** Dispatches one queued item of `w` in the background (heartbeat drain). */
export function drainOne(platform: Platform, w: WorkspaceRow): void {
  const q = platform.store.queue.find((x) => x.workspaceId === w.id && x.status === "queued");
  if (q === undefined) return;
  q.status = "dispatched";
  q.dispatchedAt = platform.now();
  q.attempts++;
  const p = deliver(platform, w, q.callerId, q.envelope, q).then((r) => {
    if (r.status >= 200 && r.status < 300) {
      q.status = "completed";
      q.completedAt = platform.now();
      const params = q.envelope["params"];
      const md =
        isObject(params) && isObject(params["message"]) ? params["message"]["metadata"] : undefined;
      const did =
        isObject(md) && typeof md["delegation_id"] === "string" ? md["delegation_id"] : undefined;
      if (did !== undefined) finishDelegation(platform, did, r.unwrapped ?? r.body);
    } else if (r.status === 202 || r.status === 503 || r.status === 502) {
      q.lastError = JSON.stringify(r.body);
      q.dispatchedAt = null;
      q.status = q.attempts >= platform.s.queueMaxAttempts ? "failed" : "queued";
      if (q.status === "failed") {
        const params = q.envelope["params"];
        const md =
          isObject(params) && isObject(params["message"])
            ? params["message"]["metadata"]
            : undefined;
        if (isObject(md) && typeof md["delegation_id"] === "string")
          failDelegation(platform, md["delegation_id"], "queue: max attempts");
      }
    } else {
      q.status = "failed";
    }
    platform.changed();
  });
  platform.track(p.catch(() => undefined));
}
