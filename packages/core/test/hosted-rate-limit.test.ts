// The platform as hosted users run it (reference: platform-hosted.md): a rate limit on every route
// (the emulator's limiter follows enteros-core aeec8e47 `middleware/ratelimit.go`), one bucket for a
// whole SaaS org. Default agents, as the README shows them, lose no answer to it. The SDK's budget
// reads every length from the platform's answers and `platformSecond`, so the platform's clock runs
// SCALE times faster here (its minute is 60 / SCALE real seconds, the agents' wall clock with it):
// the same windows and refusals, in seconds instead of minutes.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { answersIn } from "./fixtures/inbox.js";
import { PlatformClient, RemoteAgent } from "../src/index.js";
import { forgetRateBuckets, platformSecond } from "../src/transport/rate-budget.js";

/** How much faster the platform's clock runs than the real one. */
const SCALE = 10;

/** The platform's clock, SCALE times faster; the SDK's second and wall clock follow it. */
function fastPlatform(): { now: () => number } {
  const p0 = performance.now();
  const t0 = Date.now();
  const clock = { now: () => t0 + (performance.now() - p0) * SCALE };
  platformSecond.ms = 1_000 / SCALE;
  vi.spyOn(Date, "now").mockImplementation(() => Math.round(clock.now()));
  return clock;
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
  platformSecond.ms = 1_000;
  vi.restoreAllMocks();
  forgetRateBuckets();
});

describe("a rate-limited SaaS tenant", () => {
  it("a default poll agent answers every question once, though the org's minute runs out", async () => {
    const clock = fastPlatform();
    const orgId = randomUUID();
    const emu = await startEmulator({ orgId, rateLimit: 30, clock });
    cleanups.push(() => emu.close());
    const made = async (name: string) => {
      const w = await emu.admin.createWorkspace({ name, deliveryMode: "poll" });
      return { id: w.id, token: w.token ?? (await emu.admin.createToken(w.id)) };
    };
    const b = await made("answerer");
    const a = await made("asker");
    const refused: string[] = [];
    const client = (w: { id: string; token: string }) => {
      const c = new PlatformClient({
        platformUrl: emu.url,
        workspaceId: w.id,
        token: w.token,
        orgId,
        logger: { debug: (m: string) => void (/429|rate limit/.test(m) && refused.push(m)) },
      });
      cleanups.push(() => c.close());
      return c;
    };
    const letters: unknown[] = [];
    const agent = new RemoteAgent({
      client: client(b),
      heartbeatIntervalMs: 30_000 / SCALE,
      pollIntervalMs: 5_000 / SCALE,
      onDeadLetter: (_m, e) => void letters.push(e),
      handler: (m) => `answer to ${m.text}`,
    });
    cleanups.push(() => agent.stop());
    await agent.start();
    const asker = client(a);
    const sent: string[] = [];
    for (let i = 0; i < 12; i++) sent.push((await asker.callPeer(b.id, `q${i}`)).messageId);
    // Time is not the claim (every answer once is): the bound leaves room for a busy machine.
    // `waitFor` measures it with Date.now, the platform's clock here: 400 platform seconds, 40 s.
    await waitFor(() => sent.every((id) => answersIn(emu, a.id).get(id) === 1), {
      timeoutMs: 400_000,
    });
    expect(letters).toHaveLength(0);
    // The org's minute did run out (the platform refused, or the budget held requests back).
    expect(refused.length).toBeGreaterThan(0);
    const answered = answersIn(emu, a.id);
    expect(sent.map((id) => answered.get(id))).toEqual(sent.map(() => 1));
  }, 90_000);

  it("a start whose registration the limiter refuses more often than the start's attempts waits and starts", async () => {
    platformSecond.ms = 1_000 / SCALE; // the platform's "0" (its window's last second) is shorter
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const w = await emu.admin.createWorkspace({ name: "late", deliveryMode: "poll" });
    const token = w.token ?? (await emu.admin.createToken(w.id));
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
    cleanups.push(() => client.close());
    // Eight refusals (the start makes 6 attempts): "0" is the window's last second.
    emu.injectFault({
      method: "POST",
      path: "/registry/register",
      status: 429,
      body: { error: "rate limit exceeded", retry_after: 0 },
      headers: { "Retry-After": "0" },
      count: 8,
    });
    const agent = new RemoteAgent({ client, handler: () => "ok" });
    cleanups.push(() => agent.stop());
    const t0 = performance.now();
    await agent.start();
    expect((await emu.admin.getWorkspace(w.id))["status"]).toBe("online"); // registered
    // Each refusal was waited out (a platform second each), never retried at once.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(7.5 * platformSecond.ms);
  }, 60_000);
});
