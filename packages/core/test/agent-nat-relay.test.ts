// Issue 87, part 2: a NAT gateway that forgets every open flow (no FIN, no RST) between a poll agent
// and its platform. A TCP relay in front of the emulator drops every open flow's bytes at once while
// new connections work, with the platform's `Keep-Alive: timeout=65` hint (as a load balancer in
// front may send; the emulator's own) or without one (a Go server sends none). Targets: a message
// queued after the drop is handled and answered within the event stream's silence bound (45 s),
// a heartbeat is accepted within it, nothing is lost or doubled, and one warning says what
// happened. The fast cases scale the bound and the timeouts down through options; the last one
// runs the real defaults.
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "@molecule-ai/platform-emulator";
import { forgetfulRelay, waitFor } from "@internal/test-utils";
import {
  type EventWakeupsUnavailableWarning,
  PlatformClient,
  RemoteAgent,
  type RemoteAgentOptions,
  fetchInbound,
} from "../src/index.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

interface Outcome {
  /** From the drop: the answer to the message queued after it, a heartbeat, the warning (ms). */
  answeredMs: number;
  heartbeatMs: number;
  warnedMs: number;
  handled: string[];
  answers: string[];
  warnings: EventWakeupsUnavailableWarning[];
  warned: string[];
}

async function run(opts: {
  keepAlive: "keep" | "strip";
  sseKeepAliveMs?: number;
  timeoutMs?: number;
  agent?: Partial<RemoteAgentOptions>;
  waitMs: number;
}): Promise<Outcome> {
  const emu: Emulator = await startEmulator(
    opts.sseKeepAliveMs === undefined ? {} : { sseKeepAliveMs: opts.sseKeepAliveMs },
  );
  cleanups.push(() => emu.close());
  const relay = await forgetfulRelay(emu.url, { keepAlive: opts.keepAlive });
  cleanups.push(() => relay.close());
  const a = await emu.admin.createWorkspace({ name: "agent" });
  const p = await emu.admin.createWorkspace({ name: "peer" });
  const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
  cleanups.push(() => peer.close());
  await peer.register({ agentCard: { name: "peer" } }); // a poll peer: answers wait in its inbox
  const client = new PlatformClient({
    platformUrl: relay.url,
    workspaceId: a.id,
    token: a.token!,
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
  });
  cleanups.push(() => client.close());
  const handled: string[] = [];
  const warned: string[] = [];
  const warnings: EventWakeupsUnavailableWarning[] = [];
  const agent = new RemoteAgent({
    client,
    handler: (m) => {
      handled.push(m.text);
      return `re: ${m.text}`;
    },
    logger: { warn: (msg) => void warned.push(msg) },
    ...opts.agent,
  });
  let warnedAt = 0;
  agent.on("wakeupsUnavailable", (e) => {
    warnedAt ||= Date.now();
    warnings.push(e.warning);
  });
  cleanups.push(() => agent.stop());
  await agent.start();
  expect(agent.delivery).toBe("poll");

  const answers = async (): Promise<string[]> =>
    (await fetchInbound(peer, { limit: 50 })).filter((m) => m.isReply).map((m) => m.text);
  // Before the drop: a message answered (its wake-up, its poll and its answer pool connections).
  await peer.callPeer(a.id, "one");
  await waitFor(async () => (await answers()).includes("re: one"), { timeoutMs: opts.waitMs });

  relay.forget();
  const dropped = Date.now();
  await peer.callPeer(a.id, "two");
  const since = (at: number): number => at - dropped;
  const [answeredMs, heartbeatMs, warnedMs] = await Promise.all([
    waitFor(async () => (await answers()).includes("re: two"), {
      timeoutMs: opts.waitMs,
      intervalMs: 50,
    }).then(() => since(Date.now())),
    waitFor(() => emu.heartbeats(a.id).find((t) => t > dropped) ?? 0, {
      timeoutMs: opts.waitMs,
    }).then(since),
    waitFor(() => warnedAt, { timeoutMs: opts.waitMs }).then(since),
  ]);
  return {
    answeredMs,
    heartbeatMs,
    warnedMs,
    handled,
    answers: await answers(),
    warnings,
    warned,
  };
}

/** Nothing lost or doubled, and one warning that says what happened. */
function expectClean(o: Outcome, idleMs: number): void {
  expect(o.handled).toEqual(["one", "two"]);
  expect(o.answers.toSorted()).toEqual(["re: one", "re: two"]);
  expect(o.warnings).toHaveLength(1);
  const [w] = o.warnings;
  expect(w).toMatchObject({ code: "event_wakeups_unavailable" });
  expect(w!.reason).toContain(`stayed silent for ${idleMs} ms`);
  expect(w!.message).toContain("NAT");
  expect(o.warned).toEqual([w!.message]);
}

describe("a poll agent behind a NAT that forgets every open flow", () => {
  // The 45 s bound scaled to 1.5 s, the 30 s and 20 s request timeouts to 1 s, the 15 s pings to
  // 0.3 s; heartbeats and polls often enough that every pool reuses the connections it had.
  const IDLE = 1_500;
  const TIMEOUT = 1_000;
  const fast = {
    sseKeepAliveMs: 300,
    timeoutMs: TIMEOUT,
    agent: {
      eventIdleTimeoutMs: IDLE,
      replyTimeoutMs: TIMEOUT,
      heartbeatIntervalMs: 500,
      pollIntervalMs: 500,
    },
    waitMs: 20_000,
  };
  // The bound, a request written into a forgotten connection (its timeout) and its answer's, and
  // slack for a loaded machine; without the fix the answer alone waits peerTimeoutMs (120 s).
  const within = IDLE + 2 * TIMEOUT + 3_000;

  for (const keepAlive of ["keep", "strip"] as const) {
    it(`recovers within the bound (Keep-Alive: timeout=65 hint: ${keepAlive})`, async () => {
      const o = await run({ ...fast, keepAlive });
      expect(o.answeredMs).toBeLessThan(within);
      expect(o.heartbeatMs).toBeLessThan(within);
      expect(o.warnedMs).toBeLessThanOrEqual(IDLE + 500);
      expectClean(o, IDLE);
      console.log(
        `scaled (hint ${keepAlive}): answered ${o.answeredMs} ms, heartbeat ${o.heartbeatMs} ms, warned ${o.warnedMs} ms after the drop`,
      );
    });
  }

  // The real defaults take a minute of wall time (the 45 s bound itself): a measurement, run on
  // demand (`MOLECULE_NAT_REAL_DEFAULTS=1`); its figures are in docs/deployment.md ("Behind NAT").
  it.skipIf(process.env.MOLECULE_NAT_REAL_DEFAULTS !== "1")(
    "recovers within 45 s with the real defaults and the platform's 65 s Keep-Alive hint",
    async () => {
      const o = await run({ keepAlive: "keep", waitMs: 55_000 });
      expect(o.answeredMs).toBeLessThan(45_000);
      expect(o.heartbeatMs).toBeLessThan(45_000);
      expect(o.warnedMs).toBeLessThanOrEqual(45_500);
      expectClean(o, 45_000);
      console.log(
        `real defaults: answered ${o.answeredMs} ms, heartbeat ${o.heartbeatMs} ms, warned ${o.warnedMs} ms after the drop`,
      );
    },
    70_000,
  );
});
