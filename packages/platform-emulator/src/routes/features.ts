// Route table of the workspace-feature routes (memories, approvals, traces, transcript, session
// search, delegation records), kept apart from router.ts: `featureRoute` answers the requests it
// owns and returns `undefined` for every other one.
import type { Ctx } from "../http-io.js";
import type { Platform } from "../platform.js";
import { createApproval, decide, listApprovals, listPendingApprovals } from "./approvals.js";
import { recordDelegation, updateDelegation } from "./delegation-records.js";
import { commitMemory, deleteMemory, searchMemories } from "./memories.js";
import {
  commitMemory2026_08,
  forgetMemoryV2,
  listNamespacesV2,
  searchMemories2026_08,
  searchMemoriesV2,
} from "./memories-v2.js";
import { sessionSearch, traces, transcript } from "./session-views.js";

/** Handles one of the feature routes, or returns `undefined` when `segs` names none of them. */
export function featureRoute(
  platform: Platform,
  ctx: Ctx,
  segs: readonly string[],
): Promise<void> | undefined {
  const m = ctx.method;
  const n = segs.length - 1;
  if (segs[1] === "approvals" && n === 2 && segs[2] === "pending" && m === "GET")
    return run(() => listPendingApprovals(platform, ctx));
  if (segs[1] !== "workspaces" || n < 3) return undefined;
  const id = segs[2] ?? "";
  const sub = segs[3] ?? "";
  const auth = (next: () => unknown): Promise<void> => platform.wsAuth(ctx, id, next);
  if (n === 3)
    switch (`${m} ${sub}`) {
      case "POST memories":
        return auth(() =>
          platform.august
            ? commitMemory2026_08(platform, ctx, id)
            : commitMemory(platform, ctx, id),
        );
      case "GET memories":
        return auth(() =>
          platform.august
            ? searchMemories2026_08(platform, ctx, id)
            : searchMemories(platform, ctx, id),
        );
      case "POST approvals":
        return auth(() => createApproval(platform, ctx, id));
      case "GET approvals":
        return auth(() => listApprovals(platform, ctx, id));
      case "GET traces":
        return auth(() => traces(platform, ctx));
      case "GET transcript":
        return auth(() => transcript(platform, ctx, id));
      case "GET session-search":
        return auth(() => sessionSearch(platform, ctx, id));
    }
  const key = segs[4] ?? "";
  // 2026-08: the v1 DELETE is gone (#1792, gin's 404); memory v2's routes (memories_v2.go).
  if (n === 4 && m === "DELETE" && sub === "memories" && !platform.august)
    return auth(() => deleteMemory(platform, ctx, id, key));
  if (platform.august && sub === "v2") {
    if (n === 4 && m === "GET" && key === "memories")
      return auth(() => searchMemoriesV2(platform, ctx, id));
    if (n === 4 && m === "GET" && key === "namespaces")
      return auth(() => listNamespacesV2(platform, ctx, id));
    if (n === 5 && m === "DELETE" && key === "memories")
      return auth(() => forgetMemoryV2(platform, ctx, id, segs[5] ?? ""));
  }
  if (n === 4 && m === "POST" && sub === "delegations" && key === "record")
    return auth(() => recordDelegation(platform, ctx, id));
  if (n === 5 && m === "POST" && sub === "approvals" && segs[5] === "decide")
    return auth(() => decide(platform, ctx, id, key));
  if (n === 5 && m === "POST" && sub === "delegations" && segs[5] === "update")
    return auth(() => updateDelegation(platform, ctx, id, key));
  return undefined;
}

async function run(f: () => unknown): Promise<void> {
  await f();
}
