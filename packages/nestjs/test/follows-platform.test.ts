// The module as Nest users expect on a real platform (issue #58): delivery left unset is chosen as
// core chooses it (push on the April 2026 platform, which has no poll delivery); a pause and a
// resume on the platform are followed without restarting the app (the health indicator says
// "paused" meanwhile, never "failed"); `forRootAsync` with poll maps no route. Over real HTTP
// against the emulator.
import type { INestApplication, LoggerService } from "@nestjs/common";
import { Test } from "@nestjs/testing";
import { PlatformClient, RemoteAgent, sanitizePeerText } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { freePort, waitFor } from "@internal/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { MoleculeAgentModule, MoleculeHealthIndicator } from "../src/index.js";
import type { MoleculeAgentModuleOptions } from "../src/index.js";
import { Capture, EchoAgent } from "./nest-doubles.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

async function platform(compat?: "2026-04"): Promise<Emulator> {
  const emu = await startEmulator(compat ? { compat } : {});
  cleanups.push(() => emu.close());
  return emu;
}

/** A second workspace whose running agent calls peers (a poll peer's answer is awaited). */
async function caller(emu: Emulator): Promise<RemoteAgent> {
  const ws = await emu.admin.createWorkspace({ name: "caller" });
  const token = ws.token ?? (await emu.admin.createToken(ws.id));
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token });
  const agent = new RemoteAgent({ client, handler: () => undefined });
  cleanups.push(async () => {
    await agent.stop();
    await client.close();
  });
  await agent.start();
  return agent;
}

async function nestApp(
  module: ReturnType<typeof MoleculeAgentModule.forRoot>,
  logger: LoggerService | false = false,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [module],
    providers: [EchoAgent],
  }).compile();
  const app = moduleRef.createNestApplication({ logger });
  cleanups.push(() => app.close());
  return app;
}

describe("delivery left unset", () => {
  it("on the April 2026 platform (no poll delivery): push to the agent's own server, and it answers", async () => {
    const emu = await platform("2026-04");
    const ws = await emu.admin.createWorkspace({ name: "nest-auto" });
    const token = ws.token ?? (await emu.admin.createToken(ws.id));
    const app = await nestApp(
      MoleculeAgentModule.forRoot({ platformUrl: emu.url, workspaceId: ws.id, token }),
    );
    await app.init();
    expect(app.get(RemoteAgent).delivery).toBe("push");
    const answer = await (await caller(emu)).callPeer(ws.id, "hello");
    expect(answer.status === "completed" && sanitizePeerText(answer.text)).toBe("echo hello");
  });

  it("on the newer platform: poll", async () => {
    const emu = await platform();
    const ws = await emu.admin.createWorkspace({ name: "nest-auto" });
    const app = await nestApp(
      MoleculeAgentModule.forRoot({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token! }),
    );
    await app.init();
    expect(app.get(RemoteAgent).delivery).toBe("poll");
  });
});

describe("a pause and a resume on the platform", () => {
  it("are followed without restarting the app: paused (not failed) meanwhile, then it answers again", async () => {
    const emu = await platform();
    const ws = await emu.admin.createWorkspace({ name: "nest-pause" });
    const logs = new Capture();
    const options: MoleculeAgentModuleOptions = {
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token!,
      heartbeatIntervalMs: 50,
    };
    const app = await nestApp(MoleculeAgentModule.forRoot(options), logs);
    await app.init();
    const health = app.get(MoleculeHealthIndicator);
    const agent = app.get(RemoteAgent);
    const peer = await caller(emu);
    const first = await peer.callPeer(ws.id, "before");
    expect(first.status === "completed" && sanitizePeerText(first.text)).toBe("echo before");

    const paused = new Promise((resolve) => agent.once("paused", resolve));
    await emu.admin.pause(ws.id);
    await paused;
    expect((await health.isHealthy()).molecule).toMatchObject({
      status: "up",
      agent: "paused",
      reason: "workspace paused on the platform",
    });
    expect((await health.isReady()).molecule).toMatchObject({ status: "down", agent: "paused" });

    const resumed = new Promise((resolve) => agent.once("resumed", resolve));
    await emu.admin.resume(ws.id);
    await resumed;
    expect((await health.isHealthy()).molecule).toMatchObject({ status: "up", agent: "running" });
    const after = await peer.callPeer(ws.id, "after");
    expect(after.status === "completed" && sanitizePeerText(after.text)).toBe("echo after");
    const mine = logs.lines.filter((l) => l.context === "MoleculeAgent").map((l) => l.message);
    expect(mine).toContain(
      `Workspace ${ws.id} was paused on the platform: no messages are handled until it is resumed.`,
    );
    expect(mine).toContain(`Workspace ${ws.id} was resumed: handling messages again.`);
    expect(mine.some((m) => m.includes("stopped"))).toBe(false);
  });
});

describe("forRootAsync with poll delivery", () => {
  it("maps no route (no push controller): a POST to the push path is Nest's own 404", async () => {
    const emu = await platform();
    const ws = await emu.admin.createWorkspace({ name: "nest-async-poll" });
    const logs = new Capture();
    const moduleRef = await Test.createTestingModule({
      imports: [
        MoleculeAgentModule.forRootAsync({
          useFactory: (): MoleculeAgentModuleOptions => ({
            platformUrl: emu.url,
            workspaceId: ws.id,
            token: ws.token!,
            delivery: "poll",
          }),
        }),
      ],
      providers: [EchoAgent],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: logs });
    cleanups.push(() => app.close());
    const port = await freePort();
    await app.listen(port, "127.0.0.1");
    const routing = logs.lines.filter((l) => /Routes?(Resolver|Explorer)/.test(l.context));
    expect(routing.filter((l) => l.message.includes("Molecule"))).toEqual([]);
    const res = await fetch(`http://127.0.0.1:${port}/molecule/a2a/x`, { method: "POST" });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ statusCode: 404 });
    await waitFor(async () => (await emu.admin.getWorkspace(ws.id))["status"] === "online");
  });
});
