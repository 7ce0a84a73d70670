// The child of `spent-budget.ts`: 20 default poll agents and an asker in one SaaS org against the
// emulator's limiter (enteros-core aeec8e47 `middleware/ratelimit.go`, a fixed window from the key's
// first request) at 120 requests a minute, and 200 questions at once, each with the caller's 120 s.
// The emulator runs in this process with a platform clock SCALE times faster (its minute is
// 60 / SCALE real seconds); the SDK's second (`platformSecond`, found in the build's rate-budget
// chunk, so the base build's works too), the agents' intervals and this process's wall clock follow
// it. Prints one JSON line of figures, in the platform's time.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { subscribe } from "node:diagnostics_channel";
import { fileURLToPath, pathToFileURL } from "node:url";
import { randomUUID } from "node:crypto";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";

const SCALE = Number(process.env.SPENT_BUDGET_SCALE ?? "20");
const AGENTS = 20;
const QUESTIONS = 200;
const CALLER_MS = 120_000;
const WINDOW_MS = 360_000;
/**
 * SPENT_BUDGET_BURST_AT_S: the questions go this many seconds (the platform's) after the agents'
 * start began, not as soon as every start() returned: builds whose start() returns at different
 * times then meet the burst at the same phase of the platform's windows (real-server-bursts.mjs's
 * HB_BURST_AT_S). Default: as soon as the starts returned.
 */
const BURST_AT_MS = Number(process.env.SPENT_BUDGET_BURST_AT_S ?? 0) * 1_000;
const HEARTBEAT_MS = 30_000;

/**
 * The SDK's `platformSecond` of the build in use: its chunk exports it unnamed (`rate-budget-*`
 * up to aa049984, `rate-limit-answer-*` since it moved there).
 */
async function platformSecondOf(): Promise<{ ms: number }> {
  const dist = dirname(fileURLToPath(import.meta.resolve("@molecule-ai/agent-core")));
  const chunk = readdirSync(join(dist, "chunks")).find((f) =>
    /^rate-(limit-answer|answers|budget)-.*\.js$/.test(f),
  );
  if (chunk === undefined) throw new Error(`no rate-budget chunk in ${dist}/chunks`);
  const mod = (await import(pathToFileURL(join(dist, "chunks", chunk)).href)) as Record<
    string,
    unknown
  >;
  const found = Object.values(mod).find(
    (v): v is { ms: number } =>
      typeof v === "object" && v !== null && (v as { ms?: unknown }).ms === 1_000,
  );
  if (found === undefined) throw new Error("the build's platformSecond was not found");
  return found;
}

const realNow = Date.now.bind(Date);
const p0 = performance.now();
const t0 = realNow();
const clock = { now: (): number => t0 + (performance.now() - p0) * SCALE };
(await platformSecondOf()).ms = 1_000 / SCALE;
Date.now = () => Math.round(clock.now());

const orgId = randomUUID();
const emu: Emulator = await startEmulator({ orgId, rateLimit: 120, clock, ui: false });
const made = async (name: string): Promise<{ id: string; token: string }> => {
  const w = await emu.admin.createWorkspace({ name, deliveryMode: "poll" });
  return { id: w.id, token: w.token ?? (await emu.admin.createToken(w.id)) };
};
const asker = await made("asker");
const workers: Array<{ id: string; token: string }> = [];
for (let i = 0; i < AGENTS; i++) workers.push(await made(`agent-${i}`));

// Requests to the platform, and those that ended in an error once sent (not the event streams).
let requests = 0;
let sentAndAborted = 0;
type Msg = { request: { origin?: unknown; path: string } };
const ours = (m: unknown): boolean => {
  const { request } = m as Msg;
  return String(request.origin).startsWith(emu.url) && !request.path.startsWith("/admin");
};
subscribe("undici:request:create", (m) => void (ours(m) && requests++));
subscribe("undici:request:error", (m) => {
  const { path } = (m as Msg).request;
  if (ours(m) && !path.includes("/events")) sentAndAborted++;
});

const clients: PlatformClient[] = [];
/** When each workspace's registration was accepted: the platform's first heartbeat of a poll agent. */
const registered = new Map<string, number>();
const client = (w: { id: string; token: string }): PlatformClient => {
  const c = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token, orgId });
  const register = c.register.bind(c);
  c.register = async (...args: Parameters<PlatformClient["register"]>) => {
    const r = await register(...args);
    registered.set(w.id, clock.now());
    return r;
  };
  clients.push(c);
  return c;
};
const agents = workers.map(
  (w) =>
    new RemoteAgent({
      client: client(w),
      heartbeatIntervalMs: HEARTBEAT_MS / SCALE,
      pollIntervalMs: 5_000 / SCALE,
      logger: {},
      handler: (m) => `answer to ${m.text}`,
    }),
);
const starting = clock.now();
await Promise.all(agents.map((a) => a.start()));
// Online: registered (a poll agent's first heartbeat, as the platform records it) or heartbeating.
const onlineAt = (id: string): number =>
  Math.min(registered.get(id) ?? Infinity, emu.heartbeats(id)[0] ?? Infinity);
const online = Math.max(...workers.map((w) => onlineAt(w.id))) - starting;

/** Answers logged into the asker's inbox, by the message they answer, with when. */
function answers(): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of emu.activity(asker.id)) {
    const msg = (r["request_body"] as { params?: { message?: Record<string, unknown> } })?.params
      ?.message;
    const to = (msg?.["metadata"] as Record<string, unknown> | undefined)?.["molecule_in_reply_to"];
    if (msg?.["role"] === "agent" && typeof to === "string" && !out.has(to))
      out.set(to, Date.parse(String(r["created_at"])));
  }
  return out;
}

const ask = client(asker);
while (clock.now() - starting < BURST_AT_MS) await new Promise((r) => setTimeout(r, 50));
const first = clock.now();
let refused = 0;
let failed = 0;
const ids = (
  await Promise.all(
    Array.from({ length: QUESTIONS }, async (_, i) => {
      try {
        const to = workers[i % AGENTS]!.id;
        return (await ask.callPeer(to, `q${i}`, { timeoutMs: CALLER_MS / SCALE })).messageId;
      } catch (err) {
        if ((err as { code?: unknown }).code === "rate_limited") refused++;
        else failed++;
        return undefined;
      }
    }),
  )
).filter((id): id is string => id !== undefined);
// Until every question sent is answered, or the 360 s are over.
while (clock.now() - first < WINDOW_MS && !ids.every((id) => answers().has(id)))
  await new Promise((r) => setTimeout(r, 50));
const end = clock.now();
const got = answers();
const inTime = ids.filter((id) => (got.get(id) ?? Infinity) - first <= WINDOW_MS).length;
const allAt = Math.max(...ids.map((id) => got.get(id) ?? Infinity)) - first;
let gap = 0;
for (const w of workers) {
  let last = first;
  for (const at of emu.heartbeats(w.id).filter((b) => b >= first && b <= end)) {
    gap = Math.max(gap, at - last);
    last = at;
  }
  gap = Math.max(gap, end - last);
}
const result = {
  onlineS: online / 1000,
  sent: ids.length,
  refused,
  failed,
  answersIn360: inTime,
  allAnsweredS: Number.isFinite(allAt) ? allAt / 1000 : null,
  requestsPerAnswer: requests / Math.max(1, got.size),
  heartbeatGapS: gap / 1000,
  sentAndAborted,
};
await Promise.allSettled(agents.map((a) => a.stop()));
await Promise.allSettled(clients.map((c) => c.close()));
await emu.close();
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
process.exit(0);
