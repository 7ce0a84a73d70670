// The health indicator through @nestjs/terminus (liveness without a platform call, readiness with
// one), and what the module logs by default: one line per lifecycle step and per message (never its
// text), nothing per poll or heartbeat.
import type { INestApplication, LoggerService } from "@nestjs/common";
import { HealthCheckService, TerminusModule } from "@nestjs/terminus";
import { Test } from "@nestjs/testing";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { freePort, waitFor } from "@internal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MoleculeAgentLifecycle,
  MoleculeAgentModule,
  MoleculeHealthIndicator,
} from "../src/index.js";
import type { MoleculeAgentModuleOptions } from "../src/index.js";
import { Capture, EchoAgent } from "./nest-doubles.js";

/** A terminus check's result: its report, also when it is down (then terminus throws it). */
const settle = (p: Promise<unknown>) =>
  p.then(
    (r) => r,
    (e: { response?: unknown }) => e.response,
  );

let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator();
});

afterAll(async () => {
  await emu?.close();
});

async function app(
  options: Partial<MoleculeAgentModuleOptions>,
  logger: LoggerService | false = false,
): Promise<{ app: INestApplication; workspaceId: string }> {
  const ws = await emu.admin.createWorkspace({ name: "nest-health" });
  const moduleRef = await Test.createTestingModule({
    imports: [
      TerminusModule,
      MoleculeAgentModule.forRoot({
        platformUrl: emu.url,
        workspaceId: ws.id,
        token: ws.token!,
        heartbeatIntervalMs: 100,
        ...options,
      }),
    ],
    providers: [EchoAgent],
  }).compile();
  const nest = moduleRef.createNestApplication({ logger });
  return { app: nest, workspaceId: ws.id };
}

describe("MoleculeHealthIndicator through @nestjs/terminus", () => {
  it("liveness is the agent's own state: up while running, even with the platform down; readiness asks the platform", async () => {
    const own = await startEmulator(); // closed below: the platform goes down
    const ws = await own.admin.createWorkspace({ name: "nest-health" });
    const moduleRef = await Test.createTestingModule({
      imports: [
        TerminusModule,
        MoleculeAgentModule.forRoot({
          platformUrl: own.url,
          workspaceId: ws.id,
          token: ws.token!,
          heartbeatIntervalMs: 100,
          delivery: { mode: "poll", intervalMs: 100 },
        }),
      ],
      providers: [EchoAgent],
    }).compile();
    const nest = moduleRef.createNestApplication({ logger: false });
    const health = nest.get(HealthCheckService);
    const molecule = nest.get(MoleculeHealthIndicator);
    const live = () => settle(health.check([() => molecule.isHealthy("molecule")]));
    const ready = (options = {}) =>
      settle(health.check([() => molecule.isReady("molecule", { timeoutMs: 1_000, ...options })]));

    expect(await live()).toMatchObject({
      status: "error",
      details: { molecule: { status: "down", agent: "starting", lastHeartbeatAgeMs: null } },
    });
    await nest.init();
    expect(await live()).toMatchObject({
      status: "ok",
      details: { molecule: { status: "up", agent: "running", delivery: "poll" } },
    });
    expect(await ready()).toMatchObject({
      status: "ok",
      details: { molecule: { status: "up", platform: "reachable", agent: "running" } },
    });
    const stale = (await ready({ maxHeartbeatAgeMs: 0 })) as { status: string };
    expect(stale).toMatchObject({ details: { molecule: { reason: "no heartbeat within 0 ms" } } });

    // The platform goes away: readiness is down, liveness (no platform call) stays up, so a
    // liveness probe never restarts the app for a platform outage.
    await own.close();
    expect(await ready()).toMatchObject({
      status: "error",
      details: { molecule: { status: "down", platform: "unreachable" } },
    });
    const alive = (await live()) as { details: { molecule: Record<string, unknown> } };
    expect(alive).toMatchObject({ status: "ok", details: { molecule: { status: "up" } } });
    expect(alive.details.molecule["platform"]).toBeUndefined(); // it asked nothing

    await nest.close();
    expect(await live()).toMatchObject({
      details: { molecule: { status: "down", agent: "stopped" } },
    });
  });
});

describe("default logs", () => {
  it("one line per lifecycle step and per message; no per-poll or per-heartbeat lines; no push route in poll mode", async () => {
    const logs = new Capture();
    const { app: nest, workspaceId } = await app(
      { delivery: { mode: "poll", intervalMs: 50 } },
      logs,
    );
    await nest.init();
    const before = emu.heartbeats(workspaceId).length;
    // Several polls and heartbeats happen (observed on the platform side).
    await waitFor(() => emu.heartbeats(workspaceId).length >= before + 3);
    // A message: one line saying who sent it and how long it took, never its text.
    const peerWs = await emu.admin.createWorkspace({ name: "nest-health-peer" });
    const peer = new RemoteAgent({
      client: new PlatformClient({
        platformUrl: emu.url,
        workspaceId: peerWs.id,
        token: peerWs.token!,
      }),
      handler: () => undefined,
    });
    await peer.start();
    const answer = await peer.callPeer(workspaceId, "the secret plan");
    expect(answer.status === "completed" && answer.text).toBe("echo the secret plan");
    await peer.stop();
    await peer.client.close();
    await nest.close();

    const mine = logs.of("MoleculeAgent");
    const lines = mine.map((l) => `${l.level}: ${l.message}`);
    expect(lines).toEqual([
      `log: Connected workspace ${workspaceId} (delivery: poll; handlers: EchoAgent.answer).`,
      expect.stringMatching(
        new RegExp(`^log: Answered message [0-9a-f-]{36} from ${peerWs.id} in \\d+ ms\\.$`),
      ),
      `log: Draining workspace ${workspaceId}: 0 in flight, up to 25000 ms.`,
      `log: Stopped workspace ${workspaceId}.`,
    ]);
    expect(JSON.stringify(logs.lines)).not.toContain("secret plan");
    expect(logs.lines.some((l) => l.message.includes("MoleculePushRoute"))).toBe(false);
  });

  it("a burst of messages: at most 20 message lines a second, one line counting the rest", async () => {
    const logs = new Capture();
    const { app: nest, workspaceId } = await app(
      { delivery: { mode: "poll", intervalMs: 50 } },
      logs,
    );
    await nest.init();
    const peerWs = await emu.admin.createWorkspace({ name: "nest-burst-peer" });
    const peer = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: peerWs.id,
      token: peerWs.token!,
    });
    const n = 150;
    const began = performance.now();
    const sends = Array.from({ length: n }, (_, i) => peer.callPeer(workspaceId, `m${i}`));
    await Promise.all(sends);
    const answered = () => logs.of("MoleculeAgent").filter((l) => l.message.startsWith("Answered"));
    const counted = () =>
      logs
        .of("MoleculeAgent")
        .map((l) => /^(\d+) more message\(s\) handled/.exec(l.message)?.[1])
        .reduce((sum, c) => sum + Number(c ?? 0), 0);
    // Each message is a line or in a count (the last count said at the latest on close).
    await waitFor(() => answered().length + counted() === n || undefined, { timeoutMs: 30_000 });
    const seconds = (performance.now() - began) / 1_000;
    await nest.close();
    await peer.close();
    expect(answered().length + counted()).toBe(n);
    expect(answered().length).toBeLessThanOrEqual(20 * (Math.ceil(seconds) + 1));
  });

  it("verboseLogs: true adds the per-request lines at debug; push mode serves its route", async () => {
    const logs = new Capture();
    const port = await freePort();
    const { app: nest, workspaceId } = await app(
      {
        verboseLogs: true,
        delivery: {
          mode: "push",
          path: "/molecule/a2a",
          publicUrl: `http://localhost:${port}/molecule/a2a`,
        },
      },
      logs,
    );
    await nest.listen(port, "127.0.0.1");
    await nest.get(MoleculeAgentLifecycle).ready; // registered once the server listens
    const before = emu.heartbeats(workspaceId).length;
    await waitFor(() => emu.heartbeats(workspaceId).length >= before + 2);
    // The route is served by core's push handler (a JSON-RPC answer), not Nest's 404 (probed with
    // the bearer the platform signs its pushes with).
    const registered = new URL(nest.get(RemoteAgent).pushUrl!);
    const bearer = nest.get(PlatformClient).files.inboundSecret;
    const probe = await fetch(`http://127.0.0.1:${port}${registered.pathname}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
      body: "{}",
    });
    expect(((await probe.json()) as { jsonrpc?: string }).jsonrpc).toBe("2.0");
    await nest.close();
    const mine = logs.of("MoleculeAgent");
    expect(mine.filter((l) => l.level === "debug").length).toBeGreaterThan(2);
    expect(mine.filter((l) => l.level === "log").map((l) => l.message)).toEqual([
      `Workspace ${workspaceId} registers its push URL once the HTTP server listens (app.listen()): an app that never listens is never registered.`,
      `Connected workspace ${workspaceId} (delivery: push; handlers: EchoAgent.answer).`,
      `Draining workspace ${workspaceId}: 0 in flight, up to 25000 ms.`,
      `Stopped workspace ${workspaceId}.`,
    ]);
  });
});
