// Answer loss and heartbeat gaps against a REAL August-2026 platform server (not the emulator), with
// the SDK's built packages: `node bench/scripts/real-server-bursts.mjs` after a build of
// packages/core (`./dev pnpm exec turbo run build --filter=@molecule-ai/agent-core...`). It does not
// build or start the server: point it at one that runs (self-hosted or a SaaS tenant).
//
// Every agent is a default `RemoteAgent` (poll delivery with event wake-ups, default options, state in
// a temporary MOLECULE_STATE_DIR) on a poll workspace made with `AdminClient.createExternalWorkspace`.
//
// Scenario "bursts": one asker calls one answerer ("single"), then BURST_SIZE different answerers
// ("multi"), with SIZES (5, then 10) `agent.callPeer`s at once, for ROUNDS rounds per size (default:
// enough for ANSWERS (300) answers per size). The next round starts when the round's calls settled or
// after ROUND_WAIT_MS, whichever is first (a lost answer then costs no more than that). Counted:
// answers delivered (completed, text = the expected answer), lost (reply_timeout after
// CALL_TIMEOUT_MS), and of the lost ones those the answerer handled (the answer was lost on the
// asker's side) and those it never saw; answers that arrived after their call timed out (late);
// handler invocations per message id (handled twice); every agent event other than
// deliveryChosen/connected/handled (inboundGap, heartbeatLate, retried, replyFailed, deadLettered, ...)
// and process warnings.
//
// Scenario "heartbeats": HB_AGENTS (20) agents in one org (the tenant's single rate-limit bucket):
// agent 0 asks HB_QUESTIONS (200) questions at once, round-robin over the others; the agents are watched
// for HB_DURATION_S (240) from the burst, then the calls still open are awaited HB_DRAIN_S (120)
// more (a 120-a-minute bucket answers 200 questions slowly: an answer that comes in the drain is slow,
// one that never comes is lost; each call's timeoutMs ends with the drain). Each agent's client wraps
// `register()` and `heartbeat()` (a PlatformClient subclass; the platform records a registration as
// the first heartbeat): the time of every accepted heartbeat and every refused
// call (error code and status; a 429 the SDK waited out inside the call is not a refusal: SERVER_LOG
// counts those). Reported per agent: the longest gap between accepted heartbeats from the start
// (the open gap at the end included) and once online (after its first accepted heartbeat: how long
// after the start that came is its online time), refused heartbeat calls, the workspace's status over time
// (awaiting_agent = the platform showed it offline; counted once it was shown online, not while it
// starts) read from PostgreSQL (PG_URL, no request to the
// platform) or else GET /workspaces every STATUS_EVERY_S (these count in the bucket); answers lost,
// handled twice.
//
// Environment:
//   PLATFORM_URL, ADMIN_TOKEN (required); ORG_ID (a SaaS tenant's org id: sent by every client)
//   SDK_DIR        the SDK core package whose dist/ is loaded (default: this checkout's packages/core)
//   SCENARIOS      bursts,heartbeats (default both)
//   SIZES 5,10  ANSWERS 300  ROUNDS (per size; overrides ANSWERS)  VARIANTS single,multi
//   CALL_TIMEOUT_MS 60000  ROUND_WAIT_MS 5000
//   HB_AGENTS 20  HB_QUESTIONS 200  HB_DURATION_S 240  HB_DRAIN_S 120  STATUS_EVERY_S (5 with PG_URL, else 30)
//   HB_ASKERS      one (default: agent 0 asks HB_QUESTIONS) or neighbours (issue 100's shape: every
//                  agent asks the next one HB_PER_AGENT (10) questions at once, each with
//                  HB_CALL_S (120) s; reported: questions sent and answered per asking agent)
//   HB_HANG_S 30: a call still open this long after its timeout is counted "unsettled" and the run
//     goes on (a call that never settles would otherwise hold it)
//   HB_BURST_AT_S (none): the burst waits until this many seconds after the first workspace's
//     creation (the org's first rate window opened then), so builds whose starts take different
//     times meet the platform's fixed windows at the same phase (a burst just after a window opened
//     has one more whole window in the 360 s than one that came mid-window)
//   PG_URL         postgres URL of the server's database, for status samples (psql on PATH)
//   SERVER_LOG     the server's log: its [GIN] lines written during each scenario are counted by
//                  status and route (429s on heartbeats, polls, ...)
//   OUT            also write the full result (per-agent details) as JSON to this file
// Prints a short JSON summary on stdout; progress on stderr.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  closeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const PLATFORM_URL = env.PLATFORM_URL;
const ADMIN_TOKEN = env.ADMIN_TOKEN;
const ORG_ID = env.ORG_ID || undefined;
if (!PLATFORM_URL || !ADMIN_TOKEN) {
  console.error("set PLATFORM_URL and ADMIN_TOKEN (and ORG_ID for a SaaS tenant)");
  process.exit(2);
}
const SDK_DIR = resolve(env.SDK_DIR ?? join(HERE, "../../packages/core"));
const SCENARIOS = (env.SCENARIOS ?? "bursts,heartbeats").split(",").filter(Boolean);
const SIZES = (env.SIZES ?? "5,10").split(",").map(Number);
const ANSWERS = Number(env.ANSWERS ?? 300);
const VARIANTS = (env.VARIANTS ?? "single,multi").split(",").filter(Boolean);
const CALL_TIMEOUT_MS = Number(env.CALL_TIMEOUT_MS ?? 60_000);
const ROUND_WAIT_MS = Number(env.ROUND_WAIT_MS ?? 5_000);
const HB_AGENTS = Number(env.HB_AGENTS ?? 20);
const HB_QUESTIONS = Number(env.HB_QUESTIONS ?? 200);
const HB_DURATION_S = Number(env.HB_DURATION_S ?? 240);
const HB_DRAIN_S = Number(env.HB_DRAIN_S ?? 120);
const HB_HANG_S = Number(env.HB_HANG_S ?? 30);
const HB_BURST_AT_S = env.HB_BURST_AT_S === undefined ? undefined : Number(env.HB_BURST_AT_S);
const HB_NEIGHBOURS = env.HB_ASKERS === "neighbours";
const HB_PER_AGENT = Number(env.HB_PER_AGENT ?? 10);
const HB_CALL_S = Number(env.HB_CALL_S ?? 120);
const PG_URL = env.PG_URL || undefined;
const STATUS_EVERY_S = Number(env.STATUS_EVERY_S ?? (PG_URL ? 5 : 30));
const SERVER_LOG = env.SERVER_LOG || undefined;

const stateDir = mkdtempSync(join(tmpdir(), "real-server-bursts-"));
process.env.MOLECULE_STATE_DIR = stateDir;
const core = await import(pathToFileURL(join(SDK_DIR, "dist/index.js")).href);
const { AdminClient } = await import(pathToFileURL(join(SDK_DIR, "dist/public/admin.js")).href);
const { PlatformClient, RemoteAgent } = core;

const RUN = randomUUID().slice(0, 8);
const t0 = Date.now();
const log = (...a) => console.error(`[${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const inc = (obj, k, n = 1) => void (obj[k] = (obj[k] ?? 0) + n);

const ROUTINE = new Set(["deliveryChosen", "connected", "handled", "stopping", "stopped"]);

/** Process warnings (HeartbeatLateWarning, InboundGapWarning, ...) by name, while a scenario runs. */
let processWarnings = {};
process.on("warning", (w) => inc(processWarnings, w.name ?? "Warning"));

/** A client that records each heartbeat's outcome (the SDK calls `client.heartbeat()`). */
class RecordingClient extends PlatformClient {
  constructor(options, rec) {
    super(options);
    this.rec = rec;
  }
  /**
   * A registration accepted is the workspace's first heartbeat: the August server sets it
   * `online` with `last_heartbeat_at = now()` (`internal/handlers/registry.go` 1097-1146), and a
   * default agent sends its first heartbeat one interval later.
   */
  async register(...args) {
    const out = await super.register(...args);
    this.rec.accepted.push(Date.now());
    return out;
  }
  async heartbeat(...args) {
    try {
      await super.heartbeat(...args);
      this.rec.accepted.push(Date.now());
    } catch (err) {
      this.rec.refused.push({ t: Date.now(), code: err?.code, status: err?.status });
      throw err;
    }
  }
}

const admin = new AdminClient({
  platformUrl: PLATFORM_URL,
  adminToken: ADMIN_TOKEN,
  orgId: ORG_ID,
});

async function createWorkspaces(names) {
  const out = [];
  for (const name of names) {
    const w = await admin.createExternalWorkspace({ name, deliveryMode: "poll" });
    out.push({ id: w.id, token: w.token, name });
  }
  return out;
}

/**
 * Starts a default RemoteAgent on `ws`. `onMessage(msg)` is its handler's body; every event but
 * the routine ones is counted into `events` (the scenario's current bucket, `sink.events`).
 */
function makeAgent(ws, sink, onMessage) {
  const rec = { id: ws.id, name: ws.name, accepted: [], refused: [] };
  const client = new RecordingClient(
    { platformUrl: PLATFORM_URL, workspaceId: ws.id, token: ws.token, orgId: ORG_ID },
    rec,
  );
  const logged = (level) => (msg) => {
    inc(sink.logs, `${level}: ${String(msg).slice(0, 120)}`);
  };
  const agent = new RemoteAgent({
    client,
    handler: (msg) => onMessage(msg),
    logger: { warn: logged("warn"), error: logged("error") },
    onEvent: (e) => {
      if (ROUTINE.has(e.type)) return;
      inc(sink.events, e.type === "inboundGap" ? `inboundGap:${e.reason}` : e.type);
    },
  });
  return { ws, agent, rec };
}

/** Status samples of the workspaces `ids` every STATUS_EVERY_S: `{id: [{t, status}]}` on changes. */
function statusSampler(ids) {
  const seen = Object.fromEntries(ids.map((id) => [id, []]));
  let samples = 0;
  let failures = 0;
  const record = (rows) => {
    const t = Date.now();
    samples++;
    for (const { id, status } of rows) {
      const h = seen[id];
      if (h && (h.length === 0 || h[h.length - 1].status !== status)) h.push({ t, status });
    }
  };
  const once = async () => {
    try {
      if (PG_URL) {
        const sql = `select id, status from workspaces where id in (${ids.map((i) => `'${i}'`).join(",")})`;
        const out = await new Promise((res, rej) =>
          execFile("psql", [PG_URL, "-AtF", "\t", "-c", sql], (err, so) =>
            err ? rej(err) : res(so),
          ),
        );
        record(
          out
            .trim()
            .split("\n")
            .filter(Boolean)
            .map((l) => {
              const [id, status] = l.split("\t");
              return { id, status };
            }),
        );
      } else {
        const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
        if (ORG_ID) headers["x-molecule-org-id"] = ORG_ID;
        const r = await fetch(`${PLATFORM_URL}/workspaces`, { headers });
        if (!r.ok) throw new Error(`GET /workspaces ${r.status}`);
        const body = await r.json();
        const list = Array.isArray(body) ? body : (body.workspaces ?? []);
        record(list.map((w) => ({ id: w.id, status: w.status })));
      }
    } catch {
      failures++;
    }
  };
  const state = { stopped: false };
  const loop = (async () => {
    while (!state.stopped) {
      await once();
      await sleep(STATUS_EVERY_S * 1000);
    }
  })();
  return {
    seen,
    async stop() {
      state.stopped = true;
      await loop;
      await once();
      return { samples, failures };
    },
  };
}

/** Counts the [GIN] lines the server wrote since `start()`: by status and by "METHOD route status". */
function serverLogWindow() {
  if (!SERVER_LOG) return { end: () => undefined };
  let from = 0;
  try {
    from = statSync(SERVER_LOG).size;
  } catch {
    return { end: () => undefined };
  }
  return {
    end() {
      const size = statSync(SERVER_LOG).size;
      const buf = Buffer.alloc(Math.max(0, size - from));
      const fd = openSync(SERVER_LOG, "r");
      readSync(fd, buf, 0, buf.length, from);
      closeSync(fd);
      const byStatus = {};
      const byRoute = {};
      const re = /^\[GIN\][^|]*\|\s*(\d{3})\s*\|[^|]*\|[^|]*\|\s*(\w+)\s+"([^"?]*)/;
      for (const line of buf.toString("utf8").split("\n")) {
        const m = re.exec(line);
        if (!m) continue;
        const [, status, method, path] = m;
        const route = path.replace(
          /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
          ":id",
        );
        inc(byStatus, status);
        if (status !== "200" && status !== "202" && status !== "201" && status !== "204")
          inc(byRoute, `${method} ${route} ${status}`);
      }
      return { requestsByStatus: byStatus, nonSuccessByRoute: byRoute };
    },
  };
}

/** Handler bookkeeping shared by an answerer set: invocations per message id, texts handled. */
function answererBook() {
  return { perId: new Map(), texts: new Set() };
}
function answerHandler(book) {
  return (msg) => {
    if (msg.isReply) return undefined;
    const key = msg.messageId ?? msg.activityId ?? msg.text;
    book.perId.set(key, (book.perId.get(key) ?? 0) + 1);
    book.texts.add(msg.text);
    return `A:${msg.text}`;
  };
}
const twice = (book) => {
  let n = 0;
  let max = 0;
  for (const c of book.perId.values()) {
    if (c > 1) n++;
    max = Math.max(max, c);
  }
  return { handledTwice: n, maxInvocations: max, distinctHandled: book.perId.size };
};

/** One call: resolves to its outcome, never rejects. */
async function ask(asker, peerId, q, timeoutMs) {
  const start = Date.now();
  try {
    const r = await asker.callPeer(peerId, q, { timeoutMs });
    const ms = Date.now() - start;
    if (r.status === "completed" && r.text === `A:${q}`) return { q, outcome: "delivered", ms };
    return { q, outcome: r.status === "completed" ? "wrong_answer" : `status_${r.status}`, ms };
  } catch (err) {
    return {
      q,
      outcome: err?.code === "reply_timeout" ? "lost" : `error_${err?.code ?? err?.name}`,
      ms: Date.now() - start,
    };
  }
}

async function bursts() {
  const maxSize = Math.max(...SIZES);
  const nAnswerers = VARIANTS.includes("multi") ? maxSize : 1;
  log(`bursts: creating 1 asker + ${nAnswerers} answerers`);
  const wss = await createWorkspaces([
    `rsb-${RUN}-asker`,
    ...Array.from({ length: nAnswerers }, (_, i) => `rsb-${RUN}-answerer-${i}`),
  ]);
  const sink = { events: {}, logs: {} };
  const book = answererBook();
  const late = new Set();
  const askerA = makeAgent(wss[0], sink, (msg) => {
    if (msg.isReply && msg.text.startsWith("A:")) late.add(msg.text.slice(2));
    return undefined;
  });
  const answerers = wss.slice(1).map((ws) => makeAgent(ws, sink, answerHandler(book)));
  const all = [askerA, ...answerers];
  await Promise.all(all.map((a) => a.agent.start()));
  log("bursts: agents started");
  const results = [];
  for (const variant of VARIANTS) {
    for (const size of SIZES) {
      const rounds = Number(env.ROUNDS ?? Math.ceil(ANSWERS / size));
      const peers = variant === "single" ? [answerers[0]] : answerers.slice(0, size);
      sink.events = {};
      sink.logs = {};
      processWarnings = {};
      const bookBefore = new Map(book.perId);
      const window = serverLogWindow();
      const started = Date.now();
      const calls = [];
      for (let r = 0; r < rounds; r++) {
        const round = Array.from({ length: size }, (_, i) =>
          ask(
            askerA.agent,
            peers[i % peers.length].ws.id,
            `${variant}${size}:r${r}:c${i}:${randomUUID().slice(0, 8)}`,
            CALL_TIMEOUT_MS,
          ),
        );
        calls.push(...round);
        await Promise.race([Promise.all(round), sleep(ROUND_WAIT_MS)]);
      }
      const outs = await Promise.all(calls);
      await sleep(1000); // events of the last answers
      const counts = {};
      for (const o of outs) inc(counts, o.outcome);
      const lost = outs.filter((o) => o.outcome === "lost");
      const lostHandled = lost.filter((o) => book.texts.has(o.q)).length;
      const ids = [...book.perId.entries()].filter(([k]) => !bookBefore.has(k));
      const res = {
        variant,
        size,
        rounds,
        answerers: peers.length,
        sent: outs.length,
        delivered: counts.delivered ?? 0,
        lost: lost.length,
        lostAnswererHandled: lostHandled,
        lostAnswererNeverSaw: lost.length - lostHandled,
        lateArrived: lost.filter((o) => late.has(o.q)).length,
        lostQuestions: lost.map((o) => o.q), // to look them up in the server's activity_logs
        otherOutcomes: Object.fromEntries(
          Object.entries(counts).filter(([k]) => k !== "delivered" && k !== "lost"),
        ),
        handledTwice: ids.filter(([, c]) => c > 1).length,
        roundTripMs: {
          p50: pct(
            outs.filter((o) => o.outcome === "delivered").map((o) => o.ms),
            50,
          ),
          p99: pct(
            outs.filter((o) => o.outcome === "delivered").map((o) => o.ms),
            99,
          ),
        },
        durationS: Math.round((Date.now() - started) / 100) / 10,
        events: sink.events,
        warnLogs: sink.logs,
        processWarnings,
        server: window.end(),
      };
      log(
        `bursts ${variant} x${size}: ${JSON.stringify({ sent: res.sent, delivered: res.delivered, lost: res.lost, handledTwice: res.handledTwice, events: res.events })}`,
      );
      results.push(res);
    }
  }
  await Promise.all(all.map((a) => a.agent.stop()));
  return { workspaces: wss.map((w) => w.id), results, totals: twice(book) };
}

async function heartbeats() {
  log(`heartbeats: creating ${HB_AGENTS} workspaces`);
  const createdAt = Date.now();
  const wss = await createWorkspaces(
    Array.from({ length: HB_AGENTS }, (_, i) => `rsh-${RUN}-${i}`),
  );
  const sampler = statusSampler(wss.map((w) => w.id));
  const sink = { events: {}, logs: {} };
  processWarnings = {};
  const book = answererBook();
  const late = new Set();
  const window = serverLogWindow();
  // An asker records the answers that came after its call timed out; with neighbours every agent
  // asks and answers.
  const answer = answerHandler(book);
  const agents = wss.map((ws, i) =>
    makeAgent(ws, sink, (msg) => {
      if (msg.isReply && msg.text.startsWith("A:")) late.add(msg.text.slice(2));
      return HB_NEIGHBOURS || i > 0 ? answer(msg) : undefined;
    }),
  );
  const startAt = Date.now();
  await Promise.all(agents.map((a) => a.agent.start()));
  const startedAt = Date.now();
  log(
    `heartbeats: ${HB_AGENTS} agents started in ${((Date.now() - startAt) / 1000).toFixed(1)} s; ${HB_QUESTIONS} questions at once`,
  );
  if (HB_BURST_AT_S !== undefined)
    await sleep(Math.max(0, createdAt + HB_BURST_AT_S * 1000 - Date.now()));
  const burstAt = Date.now();
  const endAt = burstAt + HB_DURATION_S * 1000;
  const answerers = agents.slice(1);
  /** The asking agent of each call. */
  const askerOf = [];
  const calls = HB_NEIGHBOURS
    ? agents.flatMap((a, i) =>
        Array.from({ length: HB_PER_AGENT }, (_, k) => {
          askerOf.push(i);
          const to = agents[(i + 1) % agents.length].ws.id;
          return ask(a.agent, to, `hb:q${i}-${k}:${randomUUID().slice(0, 8)}`, HB_CALL_S * 1000);
        }),
      )
    : Array.from({ length: HB_QUESTIONS }, (_, i) => {
        askerOf.push(0);
        return ask(
          agents[0].agent,
          answerers[i % answerers.length].ws.id,
          `hb:q${i}:${randomUUID().slice(0, 8)}`,
          (HB_DURATION_S + HB_DRAIN_S) * 1000,
        );
      });
  let settled = 0;
  const done = calls.map(() => false);
  calls.forEach((c, i) => void c.then(() => ((done[i] = true), settled++)));
  while (Date.now() < endAt) {
    await sleep(Math.min(10_000, endAt - Date.now()));
    log(
      `heartbeats: ${settled}/${calls.length} calls settled, ${Math.round((endAt - Date.now()) / 1000)} s left`,
    );
  }
  if (settled < calls.length) log(`heartbeats: draining the open calls (up to ${HB_DRAIN_S} s)`);
  // A call still open HB_HANG_S after its timeout is counted "unsettled" (it would hold the run).
  await Promise.race([Promise.all(calls), sleep((HB_DRAIN_S + HB_HANG_S) * 1000)]);
  const outs = await Promise.all(
    calls.map((c, i) =>
      done[i] ? c : { q: `unsettled:${i}`, outcome: "unsettled", ms: Infinity },
    ),
  );
  const endedAt = Date.now();
  const status = await sampler.stop();
  await Promise.all(agents.map((a) => a.agent.stop()));
  const counts = {};
  for (const o of outs) inc(counts, o.outcome);
  const perAgent = agents.map(({ rec }, i) => {
    const ts = [startAt, ...rec.accepted.filter((t) => t >= startAt), endedAt];
    let maxGap = 0;
    let at = null;
    for (let k = 1; k < ts.length; k++) {
      if (ts[k] - ts[k - 1] > maxGap) {
        maxGap = ts[k] - ts[k - 1];
        at = Math.round((ts[k - 1] - burstAt) / 1000);
      }
    }
    // Time shown not online once the platform had shown it online (its start-up is not counted).
    const hist = sampler.seen[rec.id];
    const firstOnline = hist.findIndex((h) => h.status === "online");
    let offlineMs = 0;
    const from = firstOnline >= 0 ? firstOnline : hist.length;
    for (let k = from; k < hist.length; k++) {
      const until = k + 1 < hist.length ? hist[k + 1].t : endedAt;
      if (hist[k].status !== "online") offlineMs += until - hist[k].t;
    }
    const refusedBy = {};
    for (const r of rec.refused) inc(refusedBy, `${r.status ?? ""}:${r.code ?? ""}`);
    // Online: its registration or first heartbeat accepted, whichever came first.
    const first = rec.accepted.find((t) => t >= startAt);
    let gapOnline = 0;
    for (let k = 1; k < ts.length; k++)
      if (ts[k - 1] !== startAt) gapOnline = Math.max(gapOnline, ts[k] - ts[k - 1]);
    return {
      agent: i,
      role: i === 0 ? "asker" : "answerer",
      accepted: rec.accepted.length,
      onlineAfterS: first === undefined ? null : Math.round((first - startAt) / 100) / 10,
      maxGapOnlineS: Math.round(gapOnline / 100) / 10,
      refused: refusedBy,
      maxGapS: Math.round(maxGap / 100) / 10,
      maxGapStartsAtS: at,
      statuses: hist.map((h) => `${Math.round((h.t - burstAt) / 1000)}s:${h.status}`),
      notOnlineS: Math.round(offlineMs / 1000),
    };
  });
  const gaps = perAgent.map((a) => a.maxGapS);
  const lost = outs.filter((o) => o.outcome !== "delivered");
  const deliveredMs = outs.filter((o) => o.outcome === "delivered").map((o) => o.ms);
  // Per asking agent: questions sent (all but those refused unsent) and answered.
  const sentPerAgent = agents.map(() => 0);
  const deliveredPerAgent = agents.map(() => 0);
  outs.forEach((o, j) => {
    if (o.outcome !== "error_rate_limited") sentPerAgent[askerOf[j]]++;
    if (o.outcome === "delivered") deliveredPerAgent[askerOf[j]]++;
  });
  return {
    workspaces: wss.map((w) => w.id),
    agents: HB_AGENTS,
    questions: calls.length,
    askers: HB_NEIGHBOURS ? "neighbours" : "one",
    sentPerAgent,
    deliveredPerAgent,
    durationS: HB_DURATION_S,
    drainS: HB_DRAIN_S,
    ranS: Math.round((endedAt - burstAt) / 1000),
    startupS: Math.round((startedAt - startAt) / 100) / 10,
    burstAfterCreationS: Math.round((burstAt - createdAt) / 100) / 10,
    delivered: counts.delivered ?? 0,
    deliveredInDrain: deliveredMs.filter((ms) => ms > HB_DURATION_S * 1000).length,
    deliveredWithinS: Object.fromEntries(
      [120, 180, 240, 300, 360].map((s) => [s, deliveredMs.filter((ms) => ms <= s * 1000).length]),
    ),
    lost: lost.length,
    lostAnswererHandled: lost.filter((o) => book.texts.has(o.q)).length,
    lateArrived: lost.filter((o) => late.has(o.q)).length,
    lostQuestions: lost.map((o) => o.q),
    outcomes: counts,
    handledTwice: twice(book).handledTwice,
    answerMs: { p50: pct(deliveredMs, 50), max: pct(deliveredMs, 100) },
    maxHeartbeatGapS: Math.max(...gaps),
    // The last agent's first accepted heartbeat after the start, and the longest gap once online.
    allOnlineAfterS: Math.max(...perAgent.map((a) => a.onlineAfterS ?? Infinity)),
    maxHeartbeatGapOnlineS: Math.max(...perAgent.map((a) => a.maxGapOnlineS)),
    agentsWithGapOver180S: perAgent.filter((a) => a.maxGapS > 180).length,
    agentsShownNotOnline: perAgent
      .filter((a) => a.notOnlineS > 0)
      .map((a) => ({ agent: a.agent, notOnlineS: a.notOnlineS, statuses: a.statuses.join(" ") })),
    heartbeatsRefused: perAgent.reduce(
      (n, a) => n + Object.values(a.refused).reduce((x, y) => x + y, 0),
      0,
    ),
    statusSamples: status,
    events: sink.events,
    warnLogs: sink.logs,
    processWarnings,
    server: window.end(),
    perAgent,
  };
}

const report = {
  platform: PLATFORM_URL,
  tenant: ORG_ID !== undefined,
  sdk: SDK_DIR,
  run: RUN,
  startedAt: new Date(t0).toISOString(),
};
try {
  if (SCENARIOS.includes("bursts")) report.bursts = await bursts();
  if (SCENARIOS.includes("heartbeats")) report.heartbeats = await heartbeats();
} finally {
  rmSync(stateDir, { recursive: true, force: true });
}
if (env.OUT) writeFileSync(env.OUT, `${JSON.stringify(report, null, 2)}\n`);
const summary = {
  ...report,
  bursts: report.bursts?.results.map((r) => ({
    variant: r.variant,
    size: r.size,
    rounds: r.rounds,
    sent: r.sent,
    delivered: r.delivered,
    lost: r.lost,
    lostAnswererHandled: r.lostAnswererHandled,
    lateArrived: r.lateArrived,
    other: r.otherOutcomes,
    handledTwice: r.handledTwice,
    p50ms: r.roundTripMs.p50,
    durationS: r.durationS,
    events: r.events,
    processWarnings: r.processWarnings,
    non2xx: r.server?.nonSuccessByRoute,
  })),
  heartbeats: report.heartbeats && {
    ...report.heartbeats,
    perAgent: report.heartbeats.perAgent.map((a) => `${a.agent}:${a.maxGapS}s`).join(" "),
    workspaces: undefined,
    lostQuestions: undefined,
  },
};
console.log(JSON.stringify(summary, null, 1));
process.exit(0);
