// Push delivery across restarts: the path secret is derived from the workspace token, so a second
// app instance on the same workspace registers the same URL (behind a Nest global prefix) and is
// reachable there (April-2026 contract). A random secret per start would change the URL.
import { Injectable } from "@nestjs/common";
import type { INestApplication } from "@nestjs/common";
import { Test } from "@nestjs/testing";
import { PlatformClient, sanitizePeerText } from "@molecule-ai/agent-core";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { freePort } from "@internal/test-utils";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  MoleculeAgentLifecycle,
  MoleculeAgentModule,
  OnPeerMessage,
  PeerAgent,
} from "../src/index.js";
import { RemoteAgent } from "@molecule-ai/agent-core";
import type { MoleculeAgentModuleForRootOptions } from "../src/index.js";
import { hostedPushSecret as resolvePushSecret } from "@molecule-ai/agent-core/adapters";
import { resolveOptions as createConfig } from "../src/options.js";

const handled: string[] = [];

@PeerAgent()
@Injectable()
class RestartAgent {
  @OnPeerMessage()
  answer(msg: InboundMessage): string {
    handled.push(msg.text);
    return `run ${runs}: ${msg.text}`;
  }
}

let runs = 0;
let emu: Emulator;
let app: INestApplication | undefined;

beforeAll(async () => {
  emu = await startEmulator({ compat: "2026-04" });
});

afterEach(async () => {
  await app?.close();
  app = undefined;
  handled.length = 0;
});

afterAll(async () => {
  await emu.close();
});

async function start(options: MoleculeAgentModuleForRootOptions, port: number): Promise<string> {
  runs += 1;
  const moduleRef = await Test.createTestingModule({
    imports: [MoleculeAgentModule.forRoot(options)],
    providers: [RestartAgent],
  }).compile();
  const nest = moduleRef.createNestApplication({ logger: false });
  nest.setGlobalPrefix("api");
  app = nest;
  await nest.listen(port, "127.0.0.1");
  await nest.get(MoleculeAgentLifecycle).ready; // registered once the server listens
  return nest.get(RemoteAgent).pushUrl ?? "";
}

describe("push delivery across restarts", () => {
  it("a second app instance on the same workspace registers the same URL and answers there", async () => {
    const ws = await emu.admin.createWorkspace({ name: "nest-restart" });
    const sender = await emu.admin.createWorkspace({ name: "sender" });
    const peer = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: sender.id,
      token: sender.token,
    });
    const port = await freePort();
    const options: MoleculeAgentModuleForRootOptions = {
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token,
      delivery: {
        mode: "push",
        path: "/molecule/a2a",
        publicUrl: `http://localhost:${port}/api/molecule/a2a`,
      },
    };

    const first = await start(options, port);
    expect(first).toMatch(
      new RegExp(`^http://localhost:${port}/api/molecule/a2a/[A-Za-z0-9_-]{43}$`),
    );
    expect(String((await emu.admin.getWorkspace(ws.id))["url"])).toBe(first);
    const one = await peer.callPeer(ws.id, "before the restart");
    expect(one.status === "completed" ? sanitizePeerText(one.text) : one.status).toBe(
      "run 1: before the restart",
    );
    await app!.close();
    app = undefined;

    const second = await start(options, port);
    expect(second).toBe(first);
    expect(String((await emu.admin.getWorkspace(ws.id))["url"])).toBe(first);
    const two = await peer.callPeer(ws.id, "after the restart");
    expect(two.status === "completed" ? sanitizePeerText(two.text) : two.status).toBe(
      "run 2: after the restart",
    );
    expect(handled).toEqual(["before the restart", "after the restart"]);
    await peer.close();
  });
});

describe("resolvePushSecret", () => {
  const push = { mode: "push", path: "/a2a", publicUrl: "http://localhost:1/a2a" } as const;
  const id = "0b6c6a52-4a4f-4c8e-9d55-1f1f2a3b4c5d";

  it("derives the secret from the token: the same for every client holding it", async () => {
    const config = createConfig({ platformUrl: "http://x", workspaceId: id, delivery: push });
    const client = (token: string) =>
      new PlatformClient({ platformUrl: "http://x", workspaceId: id, token });
    const a = await resolvePushSecret(config, client("tok-a"));
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await resolvePushSecret(config, client("tok-a"))).toBe(a);
    expect(await resolvePushSecret(config, client("tok-b"))).not.toBe(a);
  });

  it("uses delivery.secret when given, and a fresh random one while no token exists", async () => {
    const secret = "given-secret-given-secret-0123";
    const given = createConfig({
      platformUrl: "http://x",
      workspaceId: id,
      delivery: { ...push, secret },
    });
    const tokenless = () => new PlatformClient({ platformUrl: "http://x", workspaceId: id });
    expect(await resolvePushSecret(given, tokenless())).toBe(secret);
    const config = createConfig({ platformUrl: "http://x", workspaceId: id, delivery: push });
    const r1 = await resolvePushSecret(config, tokenless());
    const r2 = await resolvePushSecret(config, tokenless());
    expect(r1).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r2).not.toBe(r1);
    const poll = createConfig({ platformUrl: "http://x", workspaceId: id, delivery: "poll" });
    expect(await resolvePushSecret(poll, tokenless())).toBeUndefined();
  });
});
