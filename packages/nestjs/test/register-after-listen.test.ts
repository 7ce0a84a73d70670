// The push URL is registered only once the Nest HTTP server listens: a message sent the moment the
// platform lists the workspace online (right after its register call is answered) reaches the
// handler instead of a 502 from a port nothing listens on yet. Start-up checks still fail
// app.listen(), `ready` says when the workspace is online, and an app that only calls app.init()
// is never registered.
import { Injectable } from "@nestjs/common";
import type { INestApplication } from "@nestjs/common";
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import { Test } from "@nestjs/testing";
import { PlatformClient, sanitizePeerText } from "@molecule-ai/agent-core";
import type { InboundMessage, PeerCallResult } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { freePort } from "@internal/test-utils";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  MoleculeAgentLifecycle,
  MoleculeAgentModule,
  OnPeerMessage,
  PeerAgent,
} from "../src/index.js";
import { MOLECULE_AGENT_RAW_CLIENT } from "../src/constants.js";

@PeerAgent()
@Injectable()
class EchoAgent {
  @OnPeerMessage()
  echo(msg: InboundMessage): string {
    return `echo: ${msg.text}`;
  }
}

let emu: Emulator;
let app: INestApplication | undefined;

beforeAll(async () => {
  emu = await startEmulator();
});

afterEach(async () => {
  await app?.close();
  app = undefined;
});

afterAll(async () => {
  await emu.close();
});

const adapters = [
  ["Express", () => new ExpressAdapter()],
  ["Fastify", () => new FastifyAdapter()],
] as const;

async function pushApp(
  adapter: (typeof adapters)[number][1],
  token?: string,
): Promise<{ nest: INestApplication; wsId: string; port: number; registerCalls: () => number }> {
  const ws = await emu.admin.createWorkspace({ name: "nest-listen" });
  const port = await freePort();
  const moduleRef = await Test.createTestingModule({
    imports: [
      MoleculeAgentModule.forRoot({
        platformUrl: emu.url,
        workspaceId: ws.id,
        token: token ?? ws.token,
        delivery: { mode: "push", path: "/a2a", publicUrl: `http://localhost:${port}/a2a` },
      }),
    ],
    providers: [EchoAgent],
  }).compile();
  const raw = moduleRef.get<PlatformClient>(MOLECULE_AGENT_RAW_CLIENT);
  const register = vi.spyOn(raw, "register");
  const nest = moduleRef.createNestApplication(adapter(), { logger: false });
  app = nest;
  return { nest, wsId: ws.id, port, registerCalls: () => register.mock.calls.length };
}

describe.each(adapters)("on the %s adapter", (_name, adapter) => {
  it("a message sent the moment the workspace is listed online is answered, not 502", async () => {
    const sender = await emu.admin.createWorkspace({ name: "sender" });
    const peer = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: sender.id,
      token: sender.token,
    });
    const ws = await emu.admin.createWorkspace({ name: "nest-listen" });
    const port = await freePort();
    const moduleRef = await Test.createTestingModule({
      imports: [
        MoleculeAgentModule.forRoot({
          platformUrl: emu.url,
          workspaceId: ws.id,
          token: ws.token,
          delivery: { mode: "push", path: "/a2a", publicUrl: `http://localhost:${port}/a2a` },
        }),
      ],
      providers: [EchoAgent],
    }).compile();
    // Right after the platform answers the registration (the workspace is online from then on),
    // a peer sends: the platform forwards it to the registered URL at once.
    const raw = moduleRef.get<PlatformClient>(MOLECULE_AGENT_RAW_CLIENT);
    const register = raw.register.bind(raw);
    let first: PeerCallResult | unknown;
    let statusAtSend: unknown;
    vi.spyOn(raw, "register").mockImplementation(async (...args) => {
      const answer = await register(...args);
      statusAtSend = (await emu.admin.getWorkspace(ws.id))["status"];
      first = await peer.callPeer(ws.id, "first words").catch((error: unknown) => error);
      return answer;
    });
    const nest = moduleRef.createNestApplication(adapter(), { logger: false });
    app = nest;
    await nest.listen(port, "127.0.0.1");
    const lifecycle = nest.get(MoleculeAgentLifecycle);
    await lifecycle.ready;
    expect(statusAtSend).toBe("online");
    expect(first).toMatchObject({ status: "completed" });
    const result = first as PeerCallResult;
    expect(result.status === "completed" ? sanitizePeerText(result.text) : "").toBe(
      "echo: first words",
    );
    expect(lifecycle.state).toBe("running");
    expect((await emu.admin.getWorkspace(ws.id))["status"]).toBe("online");
    await peer.close();
  });

  it("a refused token still fails app.listen(), before the server listens", async () => {
    const { nest, registerCalls } = await pushApp(adapter, "not-the-token");
    await expect(nest.listen(await freePort(), "127.0.0.1")).rejects.toMatchObject({
      code: expect.stringMatching(/unauthorized|token/),
    });
    expect(registerCalls()).toBe(0);
    await expect(nest.get(MoleculeAgentLifecycle).ready).rejects.toBeDefined();
  });

  it("app.init() alone never registers; close() ends the wait", async () => {
    const { nest, wsId, registerCalls } = await pushApp(adapter);
    await nest.init();
    const lifecycle = nest.get(MoleculeAgentLifecycle);
    expect(lifecycle.state).toBe("starting");
    await nest.close();
    app = undefined;
    await expect(lifecycle.ready).rejects.toMatchObject({ code: "agent_stopped" });
    expect(registerCalls()).toBe(0);
    expect((await emu.admin.getWorkspace(wsId))["status"]).not.toBe("online");
  });
});
