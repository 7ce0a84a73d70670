// URL routing: maps method + path to the handler of each resource (gin's route table).
import { plainSocketRequest } from "./event-socket.js";
import { eventStream } from "./event-stream.js";
import { closeIfBodyUnread, type Ctx, notFoundRoute, sendJson } from "./http-io.js";
import type { Platform } from "./platform.js";
import { a2a } from "./proxy/deliver.js";
import { queueStatus } from "./proxy/queue-status.js";
import { ackActivity, listActivity, notify, reportActivity } from "./routes/activity.js";
import { delegate, listDelegations } from "./routes/delegations.js";
import { listEvents } from "./routes/events.js";
import { chatFilesRoute } from "./routes/chat-uploads.js";
import { featureRoute } from "./routes/features.js";
import { downloadPlugin, installPlugin } from "./routes/plugins.js";
import {
  checkAccess,
  discover,
  heartbeat,
  peers,
  register,
  updateCard,
} from "./routes/registry.js";
import {
  createToken,
  deleteSecret,
  listSecrets,
  listTokens,
  pause,
  putSecret,
  resume,
  revokeToken,
  secretValues,
  state,
} from "./routes/workspace-admin.js";
import { externalConnection, restart, rotateExternal } from "./routes/external.js";
import {
  createWorkspace,
  deleteWorkspace,
  getWorkspace,
  listWorkspaces,
  patchAbilities,
  testToken,
} from "./routes/workspaces.js";
import { writeTrailingSlashRedirect } from "./server-quirks.js";
import { canvasRoute, rootRedirect } from "./canvas/routes.js";

/** Dispatches one request to its handler (or gin's 404 / trailing-slash redirect). */
export async function route(platform: Platform, ctx: Ctx): Promise<void> {
  const segs = ctx.path.split("/");
  // segs[0] is "" for absolute paths
  if (segs[0] !== "" || ctx.path.includes("//")) return notFoundRoute(ctx);
  // The canvas page and its API (not part of the real server's contract; `--no-ui` removes them).
  if (platform.s.ui && segs[1] === "canvas") return canvasRoute(platform, ctx, segs);
  if (platform.s.ui && ctx.path === "/" && ctx.method === "GET") return rootRedirect(ctx);
  if (segs.length > 2 && segs[segs.length - 1] === "") {
    // gin RedirectTrailingSlash
    const to = ctx.path.slice(0, -1) + (ctx.query.size > 0 ? `?${ctx.query.toString()}` : "");
    closeIfBodyUnread(ctx);
    writeTrailingSlashRedirect(ctx.res, ctx.headers, ctx.method, to);
    return;
  }
  const m = ctx.method;
  const a = segs[1];
  const n = segs.length - 1;
  if (a === "health" && n === 1 && m === "GET") return sendJson(ctx, 200, { status: "ok" });
  if (a === "registry") {
    const b = segs[2] ?? "";
    if (n === 2 && m === "POST") {
      if (b === "register") return register(platform, ctx);
      if (b === "heartbeat") return heartbeat(platform, ctx);
      if (b === "update-card") return updateCard(platform, ctx);
      if (b === "check-access") return checkAccess(platform, ctx);
    }
    if (n === 3 && m === "GET") {
      if (b === "discover") return discover(platform, ctx, segs[3] ?? "");
      if (segs[3] === "peers") return peers(platform, ctx, b);
    }
    return notFoundRoute(ctx);
  }
  if (a === "ws" && n === 1 && m === "GET") return plainSocketRequest(platform, ctx);
  if (a === "events" && m === "GET" && (n === 1 || n === 2))
    return listEvents(platform, ctx, n === 2 ? (segs[2] ?? "") : undefined);
  const feature = featureRoute(platform, ctx, segs) ?? chatFilesRoute(platform, ctx, segs);
  if (feature !== undefined) return feature;
  if (a === "workspaces") {
    if (n === 1) {
      if (m === "GET") return listWorkspaces(platform, ctx);
      if (m === "POST") return createWorkspace(platform, ctx);
      return notFoundRoute(ctx);
    }
    const id = segs[2] ?? "";
    if (n === 2) {
      if (m === "GET") return getWorkspace(platform, ctx, id);
      if (m === "DELETE") return deleteWorkspace(platform, ctx, id);
      return notFoundRoute(ctx);
    }
    const sub = segs[3];
    if (n === 3) {
      if (platform.august && m === "PATCH" && sub === "abilities")
        return patchAbilities(platform, ctx, id);
      switch (`${m} ${sub}`) {
        case "POST a2a":
          return a2a(platform, ctx, id);
        case "GET state":
          return platform.wsAuth(ctx, id, () => state(platform, ctx, id));
        case "GET secrets":
          return platform.wsAuth(ctx, id, () => listSecrets(platform, ctx, id));
        case "POST secrets":
        case "PUT secrets":
          return platform.wsAuth(ctx, id, () => putSecret(platform, ctx, id));
        case "GET activity":
          return platform.wsAuth(ctx, id, () => listActivity(platform, ctx, id));
        case "POST activity":
          return platform.wsAuth(ctx, id, () => reportActivity(platform, ctx, id));
        case "POST notify":
          return platform.wsAuth(ctx, id, () => notify(platform, ctx, id));
        case "POST delegate":
          return platform.wsAuth(ctx, id, () => delegate(platform, ctx, id));
        case "GET delegations":
          return platform.wsAuth(ctx, id, () => listDelegations(platform, ctx, id));
        case "GET plugins":
          return platform.wsAuth(ctx, id, () => sendJson(ctx, 200, []));
        case "POST plugins":
          return platform.wsAuth(ctx, id, () => installPlugin(platform, ctx, id));
        case "GET tokens":
          return platform.wsAuth(ctx, id, () => listTokens(platform, ctx, id));
        case "POST tokens":
          return platform.wsAuth(ctx, id, () => createToken(platform, ctx, id));
        case "POST pause":
          return platform.wsAuth(ctx, id, () => pause(platform, ctx, id));
        case "POST resume":
          return platform.wsAuth(ctx, id, () => resume(platform, ctx, id));
        case "POST restart":
          return platform.wsAuth(ctx, id, () => restart(platform, ctx, id));
      }
      return notFoundRoute(ctx);
    }
    const key = segs[4] ?? "";
    if (n === 4) {
      if (m === "GET" && sub === "secrets" && key === "values")
        return platform.wsAuth(ctx, id, () => secretValues(platform, ctx, id));
      if (m === "DELETE" && sub === "secrets")
        return platform.wsAuth(ctx, id, () => deleteSecret(platform, ctx, id, key));
      if (m === "DELETE" && sub === "tokens")
        return platform.wsAuth(ctx, id, () => revokeToken(platform, ctx, id, key));
      if (m === "DELETE" && sub === "plugins")
        return platform.wsAuth(ctx, id, () =>
          sendJson(ctx, 503, { error: "workspace container not running" }),
        );
      if (platform.august && m === "POST" && sub === "activity" && key === "ack")
        return platform.wsAuth(ctx, id, () => ackActivity(platform, ctx, id));
      if (m === "GET" && sub === "events" && key === "stream")
        return platform.wsAuth(ctx, id, () => eventStream(platform, ctx, id));
      // #2852 (latest): an external workspace's credentials.
      if (platform.latest && sub === "external") {
        if (m === "POST" && key === "rotate")
          return platform.wsAuth(ctx, id, () => rotateExternal(platform, ctx, id));
        if (m === "GET" && key === "connection")
          return platform.wsAuth(ctx, id, () => externalConnection(platform, ctx, id));
      }
      return notFoundRoute(ctx);
    }
    // #2333 (latest): outside the workspace auth group; the handler checks the caller itself.
    if (platform.latest && n === 5 && m === "GET" && sub === "a2a" && key === "queue")
      return queueStatus(platform, ctx, segs[5] ?? "");
    if (n === 5 && m === "GET" && sub === "plugins" && segs[5] === "download")
      return platform.wsAuth(ctx, id, () => downloadPlugin(platform, ctx, id, key));
    return notFoundRoute(ctx);
  }
  // The 2026-08 server has no test-token route (gin's plain-text 404, recorded).
  if (
    !platform.august &&
    a === "admin" &&
    n === 4 &&
    m === "GET" &&
    segs[2] === "workspaces" &&
    segs[4] === "test-token"
  )
    return testToken(platform, ctx, segs[3] ?? "");
  return notFoundRoute(ctx);
}
