// Issues 86 and 93: a fleet of default poll agents in one SaaS org at 120 requests a minute, against
// the emulator's limiter (enteros-core aeec8e47 `middleware/ratelimit.go`, a fixed window from the
// key's first request) over real HTTP, with a burst of 200 questions at once. The platform's clock
// runs SCALE times faster (its minute is 60 / SCALE real seconds; the SDK's `platformSecond` and the
// agents' intervals shrink with it): the SDK's budget reads every length from the platform's
// answers and `platformSecond`, so none of its logic depends on the window's real length, and the
// tests run in seconds. Every figure below is in the platform's time.
import { randomUUID } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { restoreScale, scaledOrg } from "./fixtures/scaled-org.js";
import { isMoleculeError, PlatformClient, RemoteAgent } from "../src/index.js";

/** How much faster the platform's clock runs than the real one. */
const SCALE = 20;
const AGENTS = 20;
const QUESTIONS = 200;
/** The caller's deadline for each question (the platform's time). */
const CALLER_MS = 120_000;
/**
 * Requests per answer delivered in time besides heartbeats in issue 100's shape, counted from the
 * burst (the agents' first reads done): 2.53-2.83 in five runs, every question and answer taken
 * from the event stream; 2.40-2.77 in five once a question goes only while its reply fits and no
 * read goes for answers the stream brings (49-56 answers in time, none late; 38 before) (aa049984
 * with the same count: 2.80, 3.69, 4.40, each question and answer read; its first agents sent all
 * theirs, the fairness check below fails it in every run). An answer costs 2 at the least.
 */
const PER_ANSWER_BOUND = 3.2;

/** Questions of 200 refused unsent with 360 s calls (see the test). */
const UNSENT_BOUND = 10;

/** The median time an answer waits in its caller's inbox with 360 s calls (the platform's ms). */
const ANSWER_WAIT_BOUND_MS = 8_000;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
  restoreScale();
});

/** Answers logged into `id`'s inbox, by the message they answer. */
function answersIn(emu: Emulator, id: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of emu.activity(id)) {
    const msg = (r["request_body"] as { params?: { message?: Record<string, unknown> } })?.params
      ?.message;
    const to = (msg?.["metadata"] as Record<string, unknown> | undefined)?.["molecule_in_reply_to"];
    if (msg?.["role"] === "agent" && typeof to === "string") out.set(to, (out.get(to) ?? 0) + 1);
  }
  return out;
}

/** Questions (a peer's messages, not the agent's own checkpoints) logged into `id`'s inbox. */
function questionsIn(emu: Emulator, id: string): number {
  return emu.activity(id).filter((r) => {
    const msg = (r["request_body"] as { params?: { message?: { role?: unknown } } })?.params
      ?.message;
    return r["activity_type"] === "a2a_receive" && msg?.role === "user";
  }).length;
}

/**
 * When each client's registration was accepted (`Date.now()`, keyed by workspace): the platform
 * records it as the workspace's first heartbeat (status online, `last_heartbeat_at`).
 */
function registrations(clients: PlatformClient[]): Map<string, number> {
  const at = new Map<string, number>();
  for (const c of clients) {
    const register = c.register.bind(c);
    vi.spyOn(c, "register").mockImplementation(async (o) => {
      const r = await register(o);
      at.set(c.workspaceId, Date.now());
      return r;
    });
  }
  return at;
}

/**
 * How far before an accepted heartbeat a stall of this process counts as its own delay (the
 * platform's ms: 1 s of real time). A stall earlier in the gap is one the heartbeat waited through
 * for its turn anyway, and is not left out.
 */
const BEAT_DELAY_MS = 20_000;

/**
 * The longest gap between accepted heartbeats from `from` to `to` (the platform's ms), each less
 * the time this process stalled in the {@link BEAT_DELAY_MS} before its end (`stalled`): a heartbeat
 * held to a window's end comes 55 s after the last, 5 s (250 ms of real time) short of the bound,
 * which a pause just before it outlasts.
 */
function longestGap(
  beats: number[],
  from: number,
  to: number,
  stalled: (from: number, to: number) => number,
): number {
  let gap = 0;
  let last = from;
  for (const at of [...beats.filter((b) => b >= from && b <= to), to]) {
    gap = Math.max(gap, at - last - stalled(Math.max(last, at - BEAT_DELAY_MS), at));
    last = at;
  }
  return gap;
}

/**
 * The room the SDK leaves a request's answer before its deadline (`SEND_ROOM_S` in
 * transport/http.ts: 5 platform seconds, 250 ms of real time here). A request this process
 * stalled within for as long could not be answered in it, however the budget chose its turn.
 */
const SEND_ROOM_MS = 5_000;

/**
 * Counts the requests this process sends to `origin` (undici's diagnostics channels, whatever
 * copy sends them), the heartbeats among them, and those that ended in an error once sent
 * (aborted, timed out), the event stream's excepted (it is held open until the agent stops):
 * `failed` those, `paused` those the process stalled within for the send's room or longer
 * (`stalledMs` from when each was created to its error, the platform's ms).
 */
function countRequests(
  origin: string,
  stalledMs: (from: number, to: number) => number,
): {
  sent: number;
  heartbeats: number;
  failed: string[];
  paused: string[];
  stop: () => void;
} {
  const out = {
    sent: 0,
    heartbeats: 0,
    failed: [] as string[],
    paused: [] as string[],
    stop: () => {},
  };
  const createdAt = new WeakMap<object, number>();
  type Msg = { request: { origin?: unknown; path: string; method: string } };
  const ours = (m: Msg): boolean =>
    String(m.request.origin).startsWith(origin) && !m.request.path.startsWith("/admin");
  const created = (m: unknown): void => {
    if (!ours(m as Msg)) return;
    createdAt.set((m as Msg).request, Date.now());
    out.sent++;
    if ((m as Msg).request.path.startsWith("/registry/heartbeat")) out.heartbeats++;
  };
  const failed = (m: unknown): void => {
    const { request } = m as Msg;
    if (!ours(m as Msg) || request.path.includes("/events") || request.path.startsWith("/ws"))
      return;
    const stalled = stalledMs(createdAt.get(request) ?? Date.now(), Date.now());
    const what = `${request.method} ${request.path}`;
    if (stalled >= SEND_ROOM_MS)
      out.paused.push(`${what} (this process stalled ${Math.round(stalled)} ms of it)`);
    else out.failed.push(what);
  };
  subscribe("undici:request:create", created);
  subscribe("undici:request:error", failed);
  out.stop = () => {
    unsubscribe("undici:request:create", created);
    unsubscribe("undici:request:error", failed);
  };
  return out;
}

/**
 * When each workspace's first read of activity rows of `type` was answered: its inbound-checkpoint
 * read (`agent_log`) or its first inbound read (`a2a_receive`).
 */
function firstReads(
  origin: string,
  type: "agent_log" | "a2a_receive",
): { answered: Map<string, number>; stop: () => void } {
  const answered = new Map<string, number>();
  type Msg = { request: { origin?: unknown; path: string } };
  const headers = (m: unknown): void => {
    const { request } = m as Msg;
    if (!String(request.origin).startsWith(origin) || !request.path.includes(`type=${type}`))
      return;
    const id = /^\/workspaces\/([^/]+)\/activity/.exec(request.path)?.[1];
    if (id !== undefined && !answered.has(id)) answered.set(id, Date.now());
  };
  subscribe("undici:request:headers", headers);
  return { answered, stop: () => unsubscribe("undici:request:headers", headers) };
}

interface FleetRun {
  /** From the agents' start until all 20 are online (each one's registration: its first heartbeat). */
  onlineMs: number;
  /**
   * The longest gap between an agent's accepted heartbeats until every question is answered: from
   * its registration (online, the rest of its start included), or from when every start returned.
   */
  longestGapMs: number;
  /** Questions sent, and refused unsent (each `rate_limited`). */
  sent: number;
  refused: number;
  /** From the first question until every question sent was answered. */
  answeredMs: number;
  /** Requests the process sent per answer delivered, and those sent and then aborted. */
  requestsPerAnswer: number;
  sentAndAborted: string[];
  /** Questions sent and aborted while this process stalled for their answer's room (excused). */
  pausedQuestions: number;
  letters: unknown[];
  /** How often each question sent was answered, and logged in its agent's inbox. */
  answers: number[];
  questionsLogged: number;
}

/** 20 default poll agents at 120 a minute take 200 questions at once (a caller's deadline of 120 s). */
async function fleet(heartbeatMs: number, gapsFrom: "online" | "started"): Promise<FleetRun> {
  // The agents' wall clock is the platform's, as on a real host (a read of "the last N seconds"
  // of activity is in the platform's seconds).
  const { emu, orgId, clock, stalledMs } = await scaledOrg({ scale: SCALE, rateLimit: 120 });
  cleanups.push(() => emu.close());
  const made = async (name: string) => {
    const w = await emu.admin.createWorkspace({ name, deliveryMode: "poll" });
    return { id: w.id, token: w.token ?? (await emu.admin.createToken(w.id)) };
  };
  const client = (w: { id: string; token: string }) => {
    const c = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: w.id,
      token: w.token,
      orgId,
    });
    cleanups.push(() => c.close());
    return c;
  };
  const asker = await made("asker");
  const workers: Array<{ id: string; token: string }> = [];
  for (let i = 0; i < AGENTS; i++) workers.push(await made(`agent-${i}`));
  const requests = countRequests(emu.url, stalledMs);
  cleanups.push(async () => requests.stop());
  const letters: unknown[] = [];
  const clients = workers.map((w) => client(w));
  const registered = registrations(clients);
  const agents = clients.map(
    (c) =>
      new RemoteAgent({
        client: c,
        heartbeatIntervalMs: heartbeatMs / SCALE,
        pollIntervalMs: 5_000 / SCALE,
        onDeadLetter: (_m, e) => void letters.push(e),
        handler: (m) => `answer to ${m.text}`,
      }),
  );
  for (const a of agents) cleanups.push(() => a.stop());
  const starting = clock.now();
  await Promise.all(agents.map((a) => a.start()));
  const started = clock.now();

  // 200 questions at once, 10 to each agent; the ones the budget cannot carry within the caller's
  // deadline are refused unsent.
  const ask = client(asker);
  const refusals: unknown[] = [];
  const first = clock.now();
  const ids = (
    await Promise.all(
      Array.from({ length: QUESTIONS }, async (_, i) => {
        try {
          const to = workers[i % AGENTS]!.id;
          const call = await ask.callPeer(to, `q${i}`, { timeoutMs: CALLER_MS / SCALE });
          return call.messageId;
        } catch (err) {
          refusals.push(err);
          return undefined;
        }
      }),
    )
  ).filter((id): id is string => id !== undefined);
  // A question sent and timed out is a failure unless this process stalled for the room the SDK
  // left its answer (`requests.paused`, printed): then the machine, not the budget, took it.
  const timedOut = refusals.filter((e) => !isMoleculeError(e, "rate_limited"));
  const paused = requests.paused.filter((r) => r.startsWith("POST /workspaces/"));
  const pausedQuestions = paused.length;
  if (paused.length > 0) console.log(`sent and aborted while this process stalled: ${paused}`);
  expect(timedOut.length > paused.length ? timedOut : []).toEqual([]);
  await waitFor(() => ids.every((id) => answersIn(emu, asker.id).get(id) === 1), {
    timeoutMs: 240_000,
    intervalMs: 50,
  });
  const answered = clock.now();
  requests.stop();
  const gaps = workers.map((w) => {
    const beats = emu.heartbeats(w.id);
    const from = gapsFrom === "online" ? registered.get(w.id)! : started;
    return longestGap(beats, from, answered, stalledMs);
  });
  if (process.env.DEBUG_GAPS) {
    const worst = workers[gaps.indexOf(Math.max(...gaps))]!;
    console.log(
      "worst beats (s from start):",
      emu
        .heartbeats(worst.id)
        .map((b) => Math.round((b - starting) / 100) / 10)
        .join(" "),
      "started",
      Math.round((started - starting) / 1000),
      "first q",
      Math.round((first - starting) / 1000),
    );
    const all = workers.flatMap((w) => emu.heartbeats(w.id)).sort((x, y) => x - y);
    console.log("all beats", all.map((b) => Math.round((b - starting) / 1000)).join(" "));
  }
  const delivered = answersIn(emu, asker.id);
  let logged = 0;
  for (const w of workers) logged += questionsIn(emu, w.id);
  return {
    onlineMs: Math.max(...workers.map((w) => registered.get(w.id)!)) - starting,
    longestGapMs: Math.max(...gaps),
    sent: ids.length,
    refused: refusals.length,
    answeredMs: answered - first,
    requestsPerAnswer: requests.sent / Math.max(1, delivered.size),
    sentAndAborted: requests.failed,
    pausedQuestions,
    letters,
    answers: ids.map((id) => delivered.get(id) ?? 0),
    questionsLogged: logged,
  };
}

describe("a rate-limited org of 20 default poll agents (issues 86, 93)", () => {
  // A stall of this process near the callers' deadline (a 1 s busy loop 5 s into the burst) once
  // sent 47 questions whose turns came in it, each aborted at once: a turn past its time to go is
  // now refused unsent (issue 116; rate-budget-pause.test.ts).
  it(
    "200 questions at once at 120 a minute: every question sent is answered within 300 s, the rest refused unsent, nothing sent and aborted, no heartbeat gap over 2 intervals from the first",
    { timeout: 120_000 },
    async () => {
      const heartbeatMs = 30_000; // the default: the window holds 2 intervals
      // From each agent's registration: the rest of its start waits for a window (its checkpoint
      // read, its first read), and its heartbeats go on meanwhile.
      const run = await fleet(heartbeatMs, "online");
      console.log(
        `fleet (heartbeat 30 s): online in ${Math.round(run.onlineMs / 1000)} s (SCALE times the real CPU's); ${run.sent} questions sent, ${run.refused} refused unsent; answered in ${Math.round(run.answeredMs / 1000)} s; longest heartbeat gap ${Math.round(run.longestGapMs / 1000)} s (this process's stalls left out); ${run.pausedQuestions} sent and aborted while it stalled; ${run.requestsPerAnswer.toFixed(2)} requests per delivered answer`,
      );
      expect(run.letters).toHaveLength(0);
      expect(run.sent).toBeGreaterThan(0);
      // Nothing lost or twice: each question sent is logged once and answered once.
      expect(run.answers).toEqual(run.answers.map(() => 1));
      // (One aborted while this process stalled may have reached the platform: it is logged.)
      expect(run.questionsLogged).toBeGreaterThanOrEqual(run.sent);
      expect(run.questionsLogged).toBeLessThanOrEqual(run.sent + run.pausedQuestions);
      expect(run.answeredMs).toBeLessThanOrEqual(300_000);
      expect(run.sentAndAborted).toEqual([]);
      expect(run.longestGapMs).toBeLessThanOrEqual(2 * heartbeatMs);
    },
  );

  it("a flooded budget whose window holds 4 heartbeat intervals: no heartbeat gap over 2 intervals", async () => {
    const heartbeatMs = 15_000;
    // From when the starts returned: the first window cannot carry 20 starts (4 requests each
    // before online, the checkpoint reads and first reads) and 80 heartbeats besides.
    const run = await fleet(heartbeatMs, "started");
    console.log(
      `fleet (heartbeat 15 s): longest heartbeat gap ${Math.round(run.longestGapMs / 1000)} s (stalls left out); ${run.sent} sent, ${run.refused} refused; answered in ${Math.round(run.answeredMs / 1000)} s`,
    );
    expect(run.longestGapMs).toBeLessThanOrEqual(2 * heartbeatMs);
    expect(run.answers).toEqual(run.answers.map(() => 1));
    expect(run.sentAndAborted).toEqual([]);
  }, 120_000);
});

describe("an agent's start at 120 requests a minute", () => {
  // The platform's real minute: 20 starts take the CPU the same real time at any scale, and the
  // target (online within 15 s) is in the platform's time. The budget's pacing would spread the
  // starts over the minute (a state check, the probe and the event stream, then register and the
  // first heartbeat); in the start and heartbeat classes they go at once.
  it("20 default poll agents of one org are online within 15 s, and start() is back then: before the checkpoint reads the spent budget holds", async () => {
    const orgId = randomUUID();
    const emu = await startEmulator({ orgId, rateLimit: 120, ui: false });
    cleanups.push(() => emu.close());
    const workers: Array<{ id: string; token: string }> = [];
    for (let i = 0; i < AGENTS; i++) {
      const w = await emu.admin.createWorkspace({ name: `agent-${i}`, deliveryMode: "poll" });
      workers.push({ id: w.id, token: w.token ?? (await emu.admin.createToken(w.id)) });
    }
    const reads = firstReads(emu.url, "agent_log");
    cleanups.push(async () => reads.stop());
    const clients = workers.map((w) => {
      const client = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: w.id,
        token: w.token,
        orgId,
      });
      cleanups.push(() => client.close());
      return client;
    });
    const registered = registrations(clients);
    const agents = clients.map((client) => {
      const agent = new RemoteAgent({ client, handler: () => "ok" });
      cleanups.push(() => agent.stop());
      return agent;
    });
    const starting = Date.now();
    // Back: online (the platform accepted its registration) and reading; the checkpoint read
    // goes on behind, in the window the budget gives it (7 requests an agent in the first minute).
    const back = new Map<string, number>();
    const starts = agents.map((a, i) =>
      a.start().then(() => void back.set(workers[i]!.id, Date.now())),
    );
    await Promise.all(starts);
    const online = Math.max(...workers.map((w) => registered.get(w.id)!)) - starting;
    const returned = Math.max(...back.values()) - starting;
    console.log(
      `20 agents online in ${(online / 1000).toFixed(1)} s, start() back in ${(returned / 1000).toFixed(1)} s`,
    );
    expect(online).toBeLessThanOrEqual(15_000);
    expect(returned).toBeLessThanOrEqual(15_000);
    // Some came back before their checkpoint read was answered (the budget held it): no start
    // waited for it.
    const early = workers.filter((w) => !(reads.answered.get(w.id)! <= back.get(w.id)!));
    expect(early.length).toBeGreaterThan(0);
    await Promise.all(agents.map((a) => a.stop())); // a checkpoint read still waiting is cancelled
    for (const a of agents) expect((await a.done).reason).toBe("stopped");
  }, 90_000);
});

describe("RemoteAgent#callPeer's signal while it awaits a polled answer", () => {
  it("AbortSignal.timeout ends it with reply_timeout (the receipt), an abort with aborted", async () => {
    const emu = await startEmulator({ ui: false });
    cleanups.push(() => emu.close());
    const made = async (name: string) => {
      const w = await emu.admin.createWorkspace({ name, deliveryMode: "poll" });
      return { id: w.id, token: w.token ?? (await emu.admin.createToken(w.id)) };
    };
    const a = await made("asker");
    const b = await made("silent"); // no agent: it never answers
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: a.id, token: a.token });
    cleanups.push(() => client.close());
    const agent = new RemoteAgent({ client, handler: () => "ok", eventWakeups: false });
    cleanups.push(() => agent.stop());
    await agent.start();
    const timedOut = await agent
      .callPeer(b.id, "hi", { signal: AbortSignal.timeout(300) })
      .catch((e: unknown) => e);
    expect(isMoleculeError(timedOut, "reply_timeout")).toBe(true);
    expect((timedOut as { receipt?: { peerId?: string } }).receipt?.peerId).toBe(b.id);
    const ac = new AbortController();
    const call = agent.callPeer(b.id, "hi again", { signal: ac.signal }).catch((e: unknown) => e);
    await waitFor(() => emu.activity(b.id).length >= 2);
    ac.abort();
    const aborted = await call;
    expect(isMoleculeError(aborted, "aborted")).toBe(true);
    expect((aborted as Error).name).toBe("AbortError");
  });
});

/**
 * 20 default poll agents of `orgId` (each answers `answer to <text>`), started, each start's
 * checkpoint read and first inbound read answered (a burst then meets agents at work, as on a
 * platform where they started a while before: the requests counted are the burst's own).
 */
async function startedAgents(
  emu: Emulator,
  orgId: string,
): Promise<Array<{ id: string; agent: RemoteAgent<PlatformClient> }>> {
  const agents: Array<{ id: string; agent: RemoteAgent<PlatformClient> }> = [];
  for (let i = 0; i < AGENTS; i++) {
    const w = await emu.admin.createWorkspace({ name: `agent-${i}`, deliveryMode: "poll" });
    const token = w.token ?? (await emu.admin.createToken(w.id));
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token, orgId });
    cleanups.push(() => client.close());
    const agent = new RemoteAgent({
      client,
      pollIntervalMs: 5_000 / SCALE,
      heartbeatIntervalMs: 30_000 / SCALE,
      handler: (m) => `answer to ${m.text}`,
    });
    cleanups.push(() => agent.stop());
    agents.push({ id: w.id, agent });
  }
  const checkpoints = firstReads(emu.url, "agent_log");
  const inboxes = firstReads(emu.url, "a2a_receive");
  cleanups.push(
    async () => checkpoints.stop(),
    async () => inboxes.stop(),
  );
  await Promise.all(agents.map((a) => a.agent.start()));
  const read = (a: { id: string }) => checkpoints.answered.has(a.id) && inboxes.answered.has(a.id);
  // (The platform's time: its first inbound reads may wait out a window of the spent budget.)
  await waitFor(() => agents.every(read), { timeoutMs: 600_000, intervalMs: 20 });
  return agents;
}

describe("an org's spent budget spent on answers (issue 100)", () => {
  it("20 agents each ask their neighbour 10 questions at once: few requests per answer delivered in time", async () => {
    const { orgId, emu, stalledMs } = await scaledOrg({ scale: SCALE, rateLimit: 120 });
    cleanups.push(() => emu.close());
    // The burst once every start's checkpoint read is answered, so both codes meet the
    // platform's windows in the same phase.
    const agents = await startedAgents(emu, orgId);
    // The requests of the burst (from the first question until every call settled): reads that
    // bring several answers each, and no question sent too late for its answer to come back.
    const requests = countRequests(emu.url, stalledMs);
    cleanups.push(async () => requests.stop());
    // Each agent asks its neighbour 10 questions at once, with callPeer's default deadline (120 s).
    const outcomes = await Promise.all(
      agents.flatMap((a, i) =>
        Array.from({ length: 10 }, async (_, q) => {
          const to = agents[(i + 1) % AGENTS]!.id;
          try {
            const r = await a.agent.callPeer(to, `q${i}-${q}`, { timeoutMs: CALLER_MS / SCALE });
            const text = r.status === "completed" ? r.text : undefined;
            return text === `answer to q${i}-${q}` ? "answered" : "wrong";
          } catch (err) {
            return isMoleculeError(err, "rate_limited") ? "refused" : "late";
          }
        }),
      ),
    );
    requests.stop();
    // Questions that went out, per asking agent: those logged in its neighbour's inbox.
    const sent = agents.map((_, i) => questionsIn(emu, agents[(i + 1) % AGENTS]!.id));
    const answered = outcomes.filter((o) => o === "answered").length;
    const perAnswer = (requests.sent - requests.heartbeats) / Math.max(1, answered);
    console.log(
      `issue 100's shape: questions sent per agent ${sent.join(" ")}; ${answered} answered in time, ${outcomes.filter((o) => o === "late").length} late, ${outcomes.filter((o) => o === "refused").length} refused unsent; ${perAnswer.toFixed(2)} requests per answer besides heartbeats`,
    );
    expect(outcomes.filter((o) => o === "wrong")).toEqual([]);
    expect(answered).toBeGreaterThan(0);
    expect(perAnswer).toBeLessThanOrEqual(PER_ANSWER_BOUND);
    // Fair shares: the turns go round the agents, so every one gets questions out (aa049984: the
    // first four to six sent all theirs, the others none).
    expect(sent.filter((n) => n === 0)).toEqual([]);
  }, 120_000);
});

/** When each answer was logged into `id`'s inbox (the platform's ms), by the text it answers with. */
function answerLoggedAt(emu: Emulator, id: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of emu.activity(id)) {
    const msg = (r["request_body"] as { params?: { message?: Record<string, unknown> } })?.params
      ?.message;
    const parts = msg?.["parts"] as Array<{ text?: unknown }> | undefined;
    const text = parts?.[0]?.text;
    if (msg?.["role"] === "agent" && typeof text === "string")
      out.set(text, Date.parse(String(r["created_at"])));
  }
  return out;
}

describe("an agent awaiting many long calls under a spent budget (issue 100)", () => {
  it(
    "reads its answers once 10 are logged, not up to 100 s later: 200 calls of 360 s to 19 peers",
    { timeout: 120_000 },
    async () => {
      // On the real server the asker read its answers 75-100 s apart (115, 190, 261, 311 s after the
      // burst), and 107-125 of the answers logged by 300 s had reached it.
      const { orgId, emu, clock, stalledMs } = await scaledOrg({ scale: SCALE, rateLimit: 120 });
      cleanups.push(() => emu.close());
      const agents = await startedAgents(emu, orgId);
      // One agent asks the 19 others 200 questions at once, each call's deadline 360 s.
      const [asker, ...peers] = agents;
      const received = new Map<string, number>();
      let unsent = 0;
      const from = clock.now();
      await Promise.all(
        Array.from({ length: QUESTIONS }, async (_, q) => {
          const to = peers[q % peers.length]!.id;
          try {
            const r = await asker!.agent.callPeer(to, `q${q}`, { timeoutMs: 360_000 / SCALE });
            if (r.status === "completed" && r.text !== undefined) received.set(r.text, Date.now());
          } catch (err) {
            if (isMoleculeError(err, "rate_limited")) unsent++; // else late: not received either
          }
        }),
      );
      // The turns the platform's windows gave while this process stalled (a paused process, or a
      // machine too busy to run it: 120 a minute of the stalls' platform time) were lost to it, and
      // a question whose turn came in the stall is refused unsent when it wakes past its time to
      // go (issue 116): each such refusal is the machine's, not the budget's (printed).
      const lostTurns = Math.floor((stalledMs(from, clock.now()) * 120) / 60_000);
      const logged = answerLoggedAt(emu, asker!.id);
      // How long each answer received waited in the asker's inbox, and how many came within 300 s.
      const waits = [...received].map(([text, at]) => at - logged.get(text)!).sort((a, b) => a - b);
      const within300 = [...received.values()].filter((at) => at - from <= 300_000).length;
      const median = waits[Math.floor(waits.length / 2)] ?? Infinity;
      console.log(
        `one asker of 200, 360 s calls: ${received.size} received, ${within300} within 300 s, ${unsent} refused unsent (${lostTurns} turns lost to this process's stalls); waited in its inbox median ${(median / 1000).toFixed(1)} s, longest ${((waits.at(-1) ?? 0) / 1000).toFixed(1)} s`,
      );
      expect(received.size).toBeGreaterThan(0);
      // fea84b0a: a median 14.7-20.1 s in five runs (a read of answers every 20-100 s, whatever
      // had gathered); once 10 rows are announced the read goes at once: 3.2-4.1 s in four.
      expect(median).toBeLessThanOrEqual(ANSWER_WAIT_BOUND_MS);
      // The questions the pace alone held back go at their last turn while the window has one for
      // each and their replies fit: 0-1 refused unsent in six runs (35 when they were refused at
      // their send-by time instead).
      expect(unsent).toBeLessThanOrEqual(UNSENT_BOUND + lostTurns);
    },
  );
});
