// 20 agents of one org started at once right after their workspaces were created (the org's rate
// budget spent by the creation: two requests a workspace), against a platform with a rate limit
// (the emulator with `--rate-limit 120 --org-id`, or the August server as a tenant): when each
// agent registered and came online (its registration or first heartbeat accepted: the platform
// records a registration as a heartbeat, status online and `last_heartbeat_at`), when its `start()`
// returned, and (with HOLD_S) the longest gap between its accepted heartbeats (its registration
// counted as one) from its first until HOLD_S seconds after the last start returned.
//
// Environment: PLATFORM_URL, ADMIN_TOKEN, ORG_ID (required); AGENTS (20); HOLD_S (0); SDK_DIR (the
// core package whose dist/ is loaded; default this checkout's). Prints a JSON summary.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const env = process.env;
const SDK_DIR = resolve(
  env.SDK_DIR ?? join(dirname(fileURLToPath(import.meta.url)), "../../packages/core"),
);
const { PlatformClient, RemoteAgent } = await import(
  pathToFileURL(join(SDK_DIR, "dist/index.js")).href
);
const { AdminClient } = await import(pathToFileURL(join(SDK_DIR, "dist/public/admin.js")).href);
const [url, orgId, adminToken] = [env.PLATFORM_URL, env.ORG_ID, env.ADMIN_TOKEN];
if (!url || !orgId || !adminToken) throw new Error("set PLATFORM_URL, ORG_ID and ADMIN_TOKEN");
const n = Number(env.AGENTS ?? 20);
const holdS = Number(env.HOLD_S ?? 0);

const admin = new AdminClient({ platformUrl: url, adminToken, orgId });
const workspaces = [];
for (let i = 0; i < n; i++)
  workspaces.push(
    await admin.createExternalWorkspace({ name: `start-burst-${i}`, deliveryMode: "poll" }),
  );
const t0 = performance.now();
const at = () => Math.round(performance.now() - t0) / 1000;
const seen = workspaces.map(() => ({ registered: null, online: null, started: null }));
/** Each agent's accepted heartbeats, its registration included (seconds from the start). */
const beats = workspaces.map(() => []);
const agents = workspaces.map((w, i) => {
  // Registration and the first accepted heartbeat, as the client sees them.
  const client = new (class extends PlatformClient {
    async register(...a) {
      const r = await super.register(...a);
      seen[i].registered ??= at();
      seen[i].online ??= at();
      beats[i].push(at());
      return r;
    }
    async heartbeat(...a) {
      const r = await super.heartbeat(...a);
      seen[i].online ??= at();
      beats[i].push(at());
      return r;
    }
  })({ platformUrl: url, workspaceId: w.id, token: w.token, orgId });
  return new RemoteAgent({ client, handler: () => undefined, logger: {} });
});
await Promise.all(agents.map(async (a, i) => (await a.start(), (seen[i].started = at()))));
if (holdS > 0) await new Promise((resolve) => setTimeout(resolve, holdS * 1000));
const end = at();
await Promise.all(agents.map((a) => a.stop()));
/** The longest gap between accepted heartbeats from the first until `end`. */
const gapOf = (b) => Math.max(0, ...b.map((t, j) => (b[j + 1] ?? end) - t));
const max = (k) => Math.max(...seen.map((s) => s[k] ?? Infinity));
console.log(
  JSON.stringify(
    {
      agents: n,
      allRegisteredS: max("registered"),
      allOnlineS: max("online"),
      allStartedS: max("started"),
      onlineWithin15S: seen.filter((s) => s.online !== null && s.online <= 15).length,
      ...(holdS > 0
        ? { heldS: holdS, maxHeartbeatGapS: Math.max(...beats.map(gapOf)), beats }
        : {}),
      seen,
    },
    null,
    2,
  ),
);
