// forRootAsync with @nestjs/config, global injection, and every start-up / runtime error path.
import { Injectable, Module, Scope } from "@nestjs/common";
import type { INestApplication, INestApplicationContext, Type } from "@nestjs/common";
import { ConfigModule, ConfigService } from "@nestjs/config";
import { NestFactory } from "@nestjs/core";
import { FastifyAdapter } from "@nestjs/platform-fastify";
import { Test } from "@nestjs/testing";
import {
  fetchInbound,
  isMoleculeError,
  PlatformClient,
  sanitizePeerText,
} from "@molecule-ai/agent-core";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { freePort, waitFor } from "@internal/test-utils";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  InjectPlatformClient,
  InjectRemoteAgent,
  MoleculeAgentConfigError,
  MoleculeAgentLifecycle,
  MoleculeAgentModule,
  NoPeerHandlerError,
  OnPeerMessage,
  PeerAgent,
  PeerHandlerConfigError,
} from "../src/index.js";
import { RemoteAgent } from "@molecule-ai/agent-core";
import type { MoleculeAgentModuleOptions } from "../src/index.js";

let emu: Emulator;
let app: INestApplicationContext | undefined;

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

@PeerAgent({ name: "Greeter" })
@Injectable()
class GreeterAgent {
  @OnPeerMessage()
  greet(msg: InboundMessage): string {
    return `hello ${msg.text}`;
  }
}

/** A provider in a feature module that does not import MoleculeAgentModule (global by default). */
@Injectable()
class PeerCaller {
  constructor(
    @InjectPlatformClient() readonly client: PlatformClient,
    @InjectRemoteAgent() readonly agent: RemoteAgent,
  ) {}
}

@Module({ providers: [PeerCaller], exports: [PeerCaller] })
// oxlint-disable-next-line typescript/no-extraneous-class -- a Nest module is an empty class
class FeatureModule {}

async function build(imports: unknown[], providers: Type[]): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: imports as never[],
    providers,
  }).compile();
  const nest = moduleRef.createNestApplication({ logger: false });
  app = nest;
  return nest;
}

describe("forRootAsync with @nestjs/config", () => {
  it("reads every option from ConfigService, mounts the push route from it, and injects globally", async () => {
    const ws = await emu.admin.createWorkspace({ name: "configured" });
    const sender = await emu.admin.createWorkspace({ name: "sender" });
    const port = await freePort();
    const env = {
      MOLECULE_PLATFORM_URL: emu.url,
      MOLECULE_WORKSPACE_ID: ws.id,
      MOLECULE_WORKSPACE_TOKEN: ws.token,
      MOLECULE_PUSH_PATH: "/hooks/molecule",
      MOLECULE_PUBLIC_URL: `http://localhost:${port}/hooks/molecule`,
    };
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => env] }),
        MoleculeAgentModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService): MoleculeAgentModuleOptions => ({
            platformUrl: config.getOrThrow("MOLECULE_PLATFORM_URL"),
            workspaceId: config.getOrThrow("MOLECULE_WORKSPACE_ID"),
            token: config.get("MOLECULE_WORKSPACE_TOKEN"),
            delivery: {
              mode: "push",
              path: config.getOrThrow("MOLECULE_PUSH_PATH"),
              publicUrl: config.getOrThrow("MOLECULE_PUBLIC_URL"),
            },
          }),
        }),
        FeatureModule,
      ],
      providers: [GreeterAgent],
    }).compile();
    const nest = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
    app = nest;
    await nest.listen(port, "127.0.0.1");
    await nest.get(MoleculeAgentLifecycle).ready; // registered once the server listens

    const caller = nest.get(PeerCaller);
    expect(caller.client).toBe(nest.get(PlatformClient));
    expect(caller.agent).toBe(nest.get(RemoteAgent));
    expect(caller.client.workspaceId).toBe(ws.id);
    const info = await emu.admin.getWorkspace(ws.id);
    expect(info["status"]).toBe("online");
    expect(String(info["url"])).toMatch(new RegExp(`^http://localhost:${port}/hooks/molecule/`));

    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: sender.id,
      token: sender.token,
    });
    const result = await client.callPeer(ws.id, "from config");
    expect(result.status === "completed" ? sanitizePeerText(result.text) : result.status).toBe(
      "hello from config",
    );
  });

  it("fails at start-up naming the missing workspace id", async () => {
    const attempt = Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ URL: emu.url })] }),
        MoleculeAgentModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            platformUrl: config.getOrThrow<string>("URL"),
            workspaceId: config.get<string>("MOLECULE_WORKSPACE_ID") as string,
          }),
        }),
      ],
      providers: [GreeterAgent],
    }).compile();
    await expect(attempt).rejects.toThrow(MoleculeAgentConfigError);
    await expect(attempt).rejects.toThrow(/`workspaceId` is missing/);
  });
});

const options = (): MoleculeAgentModuleOptions => ({
  platformUrl: emu.url,
  workspaceId: "00000000-0000-4000-8000-000000000001",
  token: "not-used-before-bootstrap",
});

describe("isGlobal: false", () => {
  it("provides the client only to the modules that import MoleculeAgentModule", async () => {
    const attempt = Test.createTestingModule({
      imports: [
        MoleculeAgentModule.forRoot({ ...options(), delivery: "off", isGlobal: false }),
        FeatureModule,
      ],
    }).compile();
    await expect(attempt).rejects.toThrow(/PeerCaller/);
  });
});

describe("start-up errors", () => {
  it("rejects two handlers for the same filter, naming both methods", async () => {
    @PeerAgent()
    @Injectable()
    class First {
      @OnPeerMessage({ from: ["billing", "research"] })
      one(): string {
        return "1";
      }
    }
    @PeerAgent()
    @Injectable()
    class Second {
      @OnPeerMessage({ source: "peer_agent", from: "research" })
      two(): string {
        return "2";
      }
    }
    const nest = await build([MoleculeAgentModule.forRoot(options())], [First, Second]);
    const init = nest.init();
    await expect(init).rejects.toThrow(PeerHandlerConfigError);
    await expect(init).rejects.toThrow(/First\.one and Second\.two/);
  });

  it("rejects delivery without any handler, saying how to fix it", async () => {
    const nest = await build([MoleculeAgentModule.forRoot(options())], []);
    await expect(nest.init()).rejects.toThrow(
      /no @OnPeerMessage\(\) handler was found.*delivery: "off"/,
    );
  });

  it("rejects @OnPeerMessage() on a class without @PeerAgent()", async () => {
    @Injectable()
    class Unmarked {
      @OnPeerMessage()
      handle(): string {
        return "x";
      }
    }
    const nest = await build([MoleculeAgentModule.forRoot(options())], [Unmarked]);
    await expect(nest.init()).rejects.toThrow(
      /Unmarked\.handle has @OnPeerMessage\(\) but the class is not marked @PeerAgent\(\)/,
    );
  });

  it("rejects a request-scoped handler class", async () => {
    @PeerAgent()
    @Injectable({ scope: Scope.REQUEST })
    class PerRequest {
      @OnPeerMessage()
      handle(): string {
        return "x";
      }
    }
    const nest = await build([MoleculeAgentModule.forRoot(options())], [PerRequest]);
    await expect(nest.init()).rejects.toThrow(/PerRequest is request-scoped/);
  });

  it("rejects push delivery in an application context without HTTP", async () => {
    @Module({
      imports: [
        MoleculeAgentModule.forRoot({
          ...options(),
          delivery: { mode: "push", path: "/a2a", publicUrl: "http://localhost:1/a2a" },
        }),
      ],
      providers: [GreeterAgent],
    })
    // oxlint-disable-next-line typescript/no-extraneous-class -- a Nest module is an empty class
    class WorkerModule {}
    await expect(
      NestFactory.createApplicationContext(WorkerModule, { logger: false, abortOnError: false }),
    ).rejects.toThrow(/delivery mode "push" needs an HTTP application/);
  });

  it("fails app.init() when the platform rejects the token, without echoing it", async () => {
    const ws = await emu.admin.createWorkspace({ name: "wrong-token" });
    const badToken = "definitely-not-the-right-token-0123456789";
    const nest = await build(
      [MoleculeAgentModule.forRoot({ platformUrl: emu.url, workspaceId: ws.id, token: badToken })],
      [GreeterAgent],
    );
    const error = await nest.init().then(
      () => undefined,
      (err: unknown) => err as Error & { status?: number },
    );
    expect(error?.status).toBe(401);
    expect(error?.message).not.toContain(badToken);
  });

  it("fails app.init() on delivery poll when the platform has none, instead of logging it online", async () => {
    const april = await startEmulator({ compat: "2026-04" });
    try {
      const ws = await april.admin.createWorkspace({ name: "poll-on-april" });
      const logs: string[] = [];
      const nest = await build(
        [
          MoleculeAgentModule.forRoot({
            platformUrl: april.url,
            workspaceId: ws.id,
            token: ws.token!,
            delivery: "poll",
            logger: { info: (m) => void logs.push(m), warn: (m) => void logs.push(m) },
          }),
        ],
        [GreeterAgent],
      );
      const error = await nest.init().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isMoleculeError(error, "poll_delivery_unsupported")).toBe(true);
      expect(logs.join("\n")).not.toMatch(/Connected workspace/);
    } finally {
      await app?.close().catch(() => undefined);
      app = undefined;
      await april.close();
    }
  });

  it("a paused workspace: app.init() fails and leaves it paused; whenPaused resume resumes it", async () => {
    const ws = await emu.admin.createWorkspace({ name: "paused-nest" });
    await emu.admin.pause(ws.id);
    const opts = {
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token!,
      delivery: "poll" as const,
    };
    const refused = await build([MoleculeAgentModule.forRoot(opts)], [GreeterAgent]);
    const error = await refused.init().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isMoleculeError(error, "workspace_paused")).toBe(true);
    expect((await emu.admin.getWorkspace(ws.id))["status"]).toBe("paused");
    await refused.close().catch(() => undefined);
    const resumed = await build(
      [MoleculeAgentModule.forRoot({ ...opts, whenPaused: "resume" })],
      [GreeterAgent],
    );
    await resumed.init();
    expect((await emu.admin.getWorkspace(ws.id))["status"]).toBe("online");
  });

  it("rejects malformed options before anything starts", async () => {
    await expect(
      Test.createTestingModule({
        imports: [MoleculeAgentModule.forRoot({ ...options(), heartbeatIntervalMs: -1 })],
      }).compile(),
    ).rejects.toThrow(/`heartbeatIntervalMs` must be a positive integer/);
  });
});

describe("a message no handler matches", () => {
  it("is dead-lettered with a NoPeerHandlerError; its sender is told it will not be answered", async () => {
    @PeerAgent()
    @Injectable()
    class OnlyBilling {
      calls = 0;
      @OnPeerMessage({ from: "billing-workspace" })
      handle(): string {
        this.calls++;
        return "billing";
      }
    }
    const ws = await emu.admin.createWorkspace({ name: "picky" });
    // The sender reads its answers from its inbox: created for poll, as users create one (on
    // August 2026 an admin-created workspace is push with no URL, and an answer to it would fail).
    const sender = await emu.admin.createWorkspace({ name: "stranger", deliveryMode: "poll" });
    const dead: { msg: InboundMessage; error: unknown }[] = [];
    const nest = await build(
      [
        MoleculeAgentModule.forRoot({
          platformUrl: emu.url,
          workspaceId: ws.id,
          token: ws.token,
          delivery: { mode: "poll", intervalMs: 20 },
          maxAttempts: 1,
          onDeadLetter: (msg, error) => {
            dead.push({ msg, error });
          },
        }),
      ],
      [OnlyBilling],
    );
    await nest.init();
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: sender.id,
      token: sender.token,
    });
    await client.callPeer(ws.id, "anyone there?");
    await waitFor(() => dead.length > 0);
    expect(dead[0]!.msg.text).toBe("anyone there?");
    expect(dead[0]!.error).toBeInstanceOf(NoPeerHandlerError);
    expect(isMoleculeError(dead[0]!.error, "no_handler")).toBe(true);
    expect(String((dead[0]!.error as Error).message)).toMatch(
      /No @OnPeerMessage\(\) handler matches/,
    );
    expect(nest.get(OnlyBilling).calls).toBe(0);
    // No handler's answer: only the failure answer (molecule_failure), so a waiting caller fails
    // at once instead of waiting out its timeout.
    await waitFor(async () => (await fetchInbound(client)).length === 1);
    const [answer] = await fetchInbound(client);
    expect(answer).toMatchObject({ isReply: true, answerFailure: "handler_failed" });
  });
});

describe("graceful shutdown", () => {
  it("app.close() waits for an in-flight handler, whose reply still reaches the sender", async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));

    @PeerAgent()
    @Injectable()
    class SlowAgent {
      @OnPeerMessage()
      async handle(msg: InboundMessage): Promise<string> {
        started();
        await gate;
        return `slow: ${msg.text}`;
      }
    }
    const ws = await emu.admin.createWorkspace({ name: "slow" });
    // For poll, as users create one: the reply waits in its inbox (see above).
    const peer = await emu.admin.createWorkspace({ name: "waiting-sender", deliveryMode: "poll" });
    const nest = await build(
      [
        MoleculeAgentModule.forRoot({
          platformUrl: emu.url,
          workspaceId: ws.id,
          token: ws.token,
          delivery: { mode: "poll", intervalMs: 20 },
          drainTimeoutMs: 10_000,
        }),
      ],
      [SlowAgent],
    );
    await nest.init();
    const sender = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: peer.id,
      token: peer.token,
    });
    await sender.callPeer(ws.id, "take your time");
    await running;

    let closed = false;
    const closing = nest.close().then(() => (closed = true));
    app = undefined;
    await new Promise((r) => setTimeout(r, 150));
    expect(closed).toBe(false); // still draining
    release();
    await closing;
    const reply = (await fetchInbound(sender)).find((m) => m.sourceId === ws.id);
    expect(sanitizePeerText(reply?.text)).toBe("slow: take your time");
  });
});
