// Issue 100: an org's spent budget (120 requests a minute, the emulator's limiter, its clock SCALE
// times faster: fixtures/fleet.ts) spent on questions and their answers: few requests per answer
// delivered in time, fair shares, and an asker that reads its answers as they are logged. Every
// figure below is in the platform's time.
import { afterEach, describe, expect, it } from "vitest";
import type { Emulator } from "@molecule-ai/platform-emulator";
import {
  AGENTS,
  CALLER_MS,
  cleanUp,
  cleanups,
  countRequests,
  QUESTIONS,
  SCALE,
  startedAgents,
} from "./fixtures/fleet.js";
import { questionsIn } from "./fixtures/inbox.js";
import { scaledOrg } from "./fixtures/scaled-org.js";
import { isMoleculeError } from "../src/index.js";

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

afterEach(cleanUp);

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
