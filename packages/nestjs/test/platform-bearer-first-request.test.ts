// Attack (issue #78): a stranger who knows a Nest app's push URL POSTs while the app starts (its
// first heartbeat slow, the window between register and it open). None of the POSTs runs the
// handler (held, then 401 once the platform is known to sign, or 503 + Retry-After); the
// platform's own push, through its proxy, is answered once the app is up.
import { Injectable } from "@nestjs/common";
import type { INestApplication } from "@nestjs/common";
import { ExpressAdapter } from "@nestjs/platform-express";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import { Test } from "@nestjs/testing";
import { PlatformClient, sanitizePeerText } from "@molecule-ai/agent-core";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { freePort, postAs, STRANGERS, waitFor } from "@internal/test-utils";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  MoleculeAgentLifecycle,
  MoleculeAgentModule,
  OnPeerMessage,
  PeerAgent,
} from "../src/index.js";
import { MOLECULE_AGENT_RAW_CLIENT } from "../src/constants.js";

const handled: string[] = [];

@PeerAgent()
@Injectable()
class RecordingAgent {
  @OnPeerMessage()
  echo(msg: InboundMessage): string {
    handled.push(msg.text);
    return `ran: ${msg.text}`;
  }
}

let emu: Emulator;
let app: INestApplication | undefined;

beforeAll(async () => {
  emu = await startEmulator({ compat: "2026-08" });
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  handled.length = 0;
});

afterAll(async () => {
  await emu.close();
});

const adapters = [
  ["Express", () => new ExpressAdapter()],
  ["Fastify", () => new FastifyAdapter()],
] as const;

describe.each(adapters)("on the %s adapter", (_name, adapter) => {
  it("a stranger's POSTs while the app starts run nothing; the platform's push runs", async () => {
    const ws = await emu.admin.createWorkspace({ name: "nest-first-request" });
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
      providers: [RecordingAgent],
    }).compile();
    const raw = moduleRef.get<PlatformClient>(MOLECULE_AGENT_RAW_CLIENT);
    const register = vi.spyOn(raw, "register");
    // The first heartbeat answers 1.5 s late: the window between register and it is open.
    emu.injectFault({ path: "/registry/heartbeat", delayMs: 1_500 });
    const nest = moduleRef.createNestApplication(adapter(), { logger: false });
    app = nest;
    await nest.listen(port, "127.0.0.1");
    const lifecycle = nest.get(MoleculeAgentLifecycle);
    await waitFor(() => register.mock.calls.length > 0);
    const url = register.mock.calls[0]![0].url!;
    const flood = Array.from({ length: 30 }, (_, i) =>
      postAs(url, `stranger ${i}`, STRANGERS[i % STRANGERS.length]),
    );
    const statuses = await Promise.all(flood.map(async (r) => (await r).status));
    await lifecycle.ready;
    for (const s of statuses) expect([401, 503]).toContain(s);
    expect(handled).toEqual([]);
    for (const a of STRANGERS) expect((await postAs(url, "after start", a)).status).toBe(401);
    expect(handled).toEqual([]);
    // The platform's push, through its proxy.
    const sender = await emu.admin.createWorkspace({ name: "sender" });
    const peer = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: sender.id,
      token: sender.token,
    });
    try {
      const r = await peer.callPeer(ws.id, "from a peer");
      expect(r.status === "completed" ? sanitizePeerText(r.text) : r.status).toBe(
        "ran: from a peer",
      );
    } finally {
      await peer.close();
    }
    expect(handled).toEqual(["from a peer"]);
  });
});
