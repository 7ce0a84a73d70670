// The health indicator through @nestjs/terminus, and what the module logs by default: one line per
// lifecycle step, nothing per poll or heartbeat, no push controller in poll mode.
import { Injectable } from "@nestjs/common";
import type { INestApplication, LoggerService } from "@nestjs/common";
import { HealthCheckService, TerminusModule } from "@nestjs/terminus";
import { Test } from "@nestjs/testing";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { freePort, waitFor } from "@internal/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MoleculeAgentModule,
  MoleculeHealthIndicator,
  OnPeerMessage,
  PeerAgent,
} from "../src/index.js";
import type { MoleculeAgentModuleOptions } from "../src/index.js";

@PeerAgent()
@Injectable()
class EchoAgent {
  @OnPeerMessage()
  answer(msg: InboundMessage): string {
    return `echo ${msg.text}`;
  }
}

/** A Nest logger that keeps every line. */
class Capture implements LoggerService {
  readonly lines: { level: string; message: string; context: string }[] = [];
  #add =
    (level: string) =>
    (message: unknown, ...rest: unknown[]) => {
      this.lines.push({ level, message: String(message), context: String(rest.at(-1) ?? "") });
    };
  log = this.#add("log");
  error = this.#add("error");
  warn = this.#add("warn");
  debug = this.#add("debug");
  verbose = this.#add("verbose");
  fatal = this.#add("fatal");
  of(context: string) {
    return this.lines.filter((l) => l.context === context);
  }
}

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
  it("is down before start-up, up while running, down when the platform fails or the agent stopped", async () => {
    const { app: nest } = await app({ delivery: { mode: "poll", intervalMs: 100 } });
    const health = nest.get(HealthCheckService);
    const molecule = nest.get(MoleculeHealthIndicator);
    const check = (options = {}) =>
      health.check([() => molecule.isHealthy("molecule", { timeoutMs: 1_000, ...options })]).then(
        (r) => r,
        (e: { response?: unknown }) => e.response,
      );

    expect(await check()).toMatchObject({
      status: "error",
      details: { molecule: { status: "down", agent: "starting", lastHeartbeatAgeMs: null } },
    });

    await nest.init();
    const up = await waitFor(async () => {
      const r = (await check()) as { status: string };
      return r.status === "ok" ? r : undefined;
    });
    expect(up).toMatchObject({
      details: {
        molecule: { status: "up", platform: "reachable", agent: "running", delivery: "poll" },
      },
    });

    // A heartbeat older than allowed is down (heartbeats run every 100 ms: wait for one to age).
    const stale = await waitFor(async () => {
      const r = (await check({ maxHeartbeatAgeMs: 0 })) as { status: string };
      return r.status === "error" ? r : undefined;
    });
    expect(stale).toMatchObject({ details: { molecule: { reason: "no heartbeat within 0 ms" } } });

    const workspaceId = (
      nest.get(MoleculeHealthIndicator) as unknown as { client: { workspaceId: string } }
    ).client.workspaceId;
    const remove = emu.injectFault({
      method: "GET",
      path: `/workspaces/${workspaceId}`,
      status: 500,
      count: 1_000,
    });
    try {
      expect(await check()).toMatchObject({
        status: "error",
        details: { molecule: { status: "down", platform: "unreachable" } },
      });
    } finally {
      remove();
    }

    await nest.close();
    const after = (await check()) as { status: string };
    expect(after.status).not.toBe("ok"); // terminus says "shutting_down" once the app closes
    expect(after).toMatchObject({ details: { molecule: { status: "down", agent: "stopped" } } });
  });
});

describe("default logs", () => {
  it("one line per lifecycle step; no per-poll or per-heartbeat lines; no push controller in poll mode", async () => {
    const logs = new Capture();
    const { app: nest, workspaceId } = await app(
      { delivery: { mode: "poll", intervalMs: 50 } },
      logs,
    );
    await nest.init();
    const before = emu.heartbeats(workspaceId).length;
    // Several polls and heartbeats happen (observed on the platform side).
    await waitFor(() => emu.heartbeats(workspaceId).length >= before + 3);
    await nest.close();

    const mine = logs.of("MoleculeAgent");
    expect(mine.map((l) => `${l.level}: ${l.message}`)).toEqual([
      `log: Connected workspace ${workspaceId} (delivery: poll; handlers: EchoAgent.answer).`,
      `log: Draining workspace ${workspaceId}: 0 in flight.`,
      `log: Stopped workspace ${workspaceId}.`,
    ]);
    expect(logs.lines.some((l) => l.message.includes("MoleculePushController"))).toBe(false);
  });

  it("verboseLogs: true adds the per-request lines at debug; push mode registers the controller", async () => {
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
    const before = emu.heartbeats(workspaceId).length;
    await waitFor(() => emu.heartbeats(workspaceId).length >= before + 2);
    await nest.close();
    const mine = logs.of("MoleculeAgent");
    expect(mine.filter((l) => l.level === "debug").length).toBeGreaterThan(2);
    expect(mine.filter((l) => l.level === "log").map((l) => l.message)).toEqual([
      `Connected workspace ${workspaceId} (delivery: push; handlers: EchoAgent.answer).`,
      `Draining workspace ${workspaceId}: 0 in flight.`,
      `Stopped workspace ${workspaceId}.`,
    ]);
    expect(logs.lines.some((l) => l.message.includes("MoleculePushController"))).toBe(true);
  });
});
