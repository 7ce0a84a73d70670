// Issue 86: a fleet of default poll agents in one SaaS org at 120 requests a minute, against the
// emulator's limiter (enteros-core aeec8e47 `middleware/ratelimit.go`) over real HTTP, with a burst
// of 200 questions at once. The platform's clock runs SCALE times faster (its minute is 60 / SCALE
// real seconds; the SDK's `platformSecond` and the agents' intervals shrink with it), so the test
// runs in seconds: every figure below is in the platform's time.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { isMoleculeError, PlatformClient, RemoteAgent } from "../src/index.js";
import { forgetRateBuckets, platformSecond } from "../src/transport/rate-budget.js";

/** How much faster the platform's clock runs than the real one. */
const SCALE = 10;
const AGENTS = 20;
const QUESTIONS = 200;
/** The agents' heartbeat interval, in the platform's time (the default). */
const HEARTBEAT_MS = 30_000;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
  platformSecond.ms = 1_000;
  forgetRateBuckets();
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

/** The longest gap between accepted heartbeats from `from` to `to` (the platform's ms). */
function longestGap(beats: number[], from: number, to: number): number {
  let gap = 0;
  let last = from;
  for (const at of beats.filter((b) => b >= from && b <= to)) {
    gap = Math.max(gap, at - last);
    last = at;
  }
  return Math.max(gap, to - last);
}

describe("a rate-limited org of 20 default poll agents (issue 86)", () => {
  it("200 questions at once at 120 a minute: no heartbeat gap over three intervals, nothing lost, idle rate unchanged", async () => {
    const p0 = performance.now();
    const t0 = Date.now();
    const clock = { now: () => t0 + (performance.now() - p0) * SCALE };
    platformSecond.ms = 1_000 / SCALE;
    const orgId = randomUUID();
    const emu = await startEmulator({ orgId, rateLimit: 120, clock, ui: false });
    cleanups.push(() => emu.close());
    const made = async (name: string) => {
      const w = await emu.admin.createWorkspace({ name, deliveryMode: "poll" });
      return { id: w.id, token: w.token ?? (await emu.admin.createToken(w.id)) };
    };
    // Requests each agent sent, by the platform's time.
    const sent = new Map<string, number[]>();
    const client = (w: { id: string; token: string }) => {
      const times: number[] = [];
      sent.set(w.id, times);
      const c = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: w.id,
        token: w.token,
        orgId,
        logger: { debug: (m: string) => void (/ -> \d+ in /.test(m) && times.push(clock.now())) },
      });
      cleanups.push(() => c.close());
      return c;
    };
    const asker = await made("asker");
    const workers: Array<{ id: string; token: string }> = [];
    for (let i = 0; i < AGENTS; i++) workers.push(await made(`agent-${i}`));
    const letters: unknown[] = [];
    const agents = workers.map(
      (w) =>
        new RemoteAgent({
          client: client(w),
          heartbeatIntervalMs: HEARTBEAT_MS / SCALE,
          pollIntervalMs: 5_000 / SCALE,
          onDeadLetter: (_m, e) => void letters.push(e),
          handler: (m) => `answer to ${m.text}`,
        }),
    );
    for (const a of agents) cleanups.push(() => a.stop());
    await Promise.all(agents.map((a) => a.start()));
    const started = clock.now();

    // 200 questions at once, 10 to each agent; one the budget kept from being sent in time is
    // sent again (rate_limited: nothing was sent).
    const ask = client(asker);
    const ids = await Promise.all(
      Array.from({ length: QUESTIONS }, async (_, i) => {
        for (;;) {
          try {
            return (await ask.callPeer(workers[i % AGENTS]!.id, `q${i}`)).messageId;
          } catch (err) {
            if (!isMoleculeError(err, "rate_limited")) throw err;
          }
        }
      }),
    );
    await waitFor(() => ids.every((id) => answersIn(emu, asker.id).get(id) === 1), {
      timeoutMs: 240_000,
      intervalMs: 50,
    });
    const answered = clock.now();
    expect(letters).toHaveLength(0);
    expect(ids.map((id) => answersIn(emu, asker.id).get(id))).toEqual(ids.map(() => 1));

    // Idle again: two minutes of the platform's time.
    await waitFor(() => clock.now() - answered > 120_000, { timeoutMs: 60_000, intervalMs: 20 });
    const end = clock.now();
    const gaps = workers.map((w) => longestGap(emu.heartbeats(w.id), started, end));
    console.log(
      `fleet: answered in ${Math.round((answered - started) / 1000)} s of the platform's time; longest heartbeat gap ${Math.round(Math.max(...gaps) / 1000)} s`,
    );
    expect(Math.max(...gaps)).toBeLessThanOrEqual(3 * HEARTBEAT_MS);

    // An idle agent's request rate is what it was (heartbeat 2, poll 2, state 1/3 a minute).
    const idleFrom = answered + 30_000;
    const rates = workers.map(
      (w) =>
        (sent.get(w.id)!.filter((at) => at >= idleFrom && at <= end).length * 60_000) /
        (end - idleFrom),
    );
    const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
    console.log(`fleet: idle requests a minute per agent ${mean.toFixed(2)}`);
    expect(mean).toBeLessThan(5.5);
  }, 300_000);
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
  }, 30_000);
});
