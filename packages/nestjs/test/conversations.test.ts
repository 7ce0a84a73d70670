// A Nest app's injected PlatformClient calls a default (poll-delivered) peer and gets its answer:
// the client calls through the running agent, which awaits the answer in the app's own inbox.
import { Injectable } from "@nestjs/common";
import type { INestApplication } from "@nestjs/common";
import { Test } from "@nestjs/testing";
import { PlatformClient, RemoteAgent, sanitizePeerText } from "@molecule-ai/agent-core";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import {
  InjectPlatformClient,
  MoleculeAgentModule,
  OnPeerMessage,
  PeerAgent,
} from "../src/index.js";
import type { HandlerContext } from "@molecule-ai/agent-core";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

const handled: InboundMessage[] = [];
const sameClient: boolean[] = [];

@Injectable()
class Reports {
  constructor(@InjectPlatformClient() readonly client: PlatformClient) {}

  async summarise(writerId: string, text: string): Promise<string> {
    const result = await this.client.callPeer(writerId, `Summarise: ${text}`);
    return result.status === "queued" ? "(queued)" : sanitizePeerText(result.text);
  }
}

@PeerAgent()
@Injectable()
class Inbox {
  constructor(@InjectPlatformClient() readonly client: PlatformClient) {}

  @OnPeerMessage()
  onMessage(msg: InboundMessage, ctx: HandlerContext<PlatformClient>): void {
    handled.push(msg);
    sameClient.push(ctx.client === this.client);
  }
}

describe("the injected PlatformClient in a running Nest agent", () => {
  it("returns a poll peer's answer; the answer does not reach the @OnPeerMessage handler", async () => {
    const emu: Emulator = await startEmulator();
    cleanups.push(() => emu.close());
    const writerWs = await emu.admin.createWorkspace({ name: "writer" });
    const writerClient = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: writerWs.id,
      token: writerWs.token!,
    });
    const writer = new RemoteAgent({ client: writerClient, handler: (m) => `short: ${m.text}` });
    cleanups.push(async () => {
      await writer.stop();
      await writerClient.close();
    });
    await writer.start();
    expect(writer.delivery).toBe("poll");

    const ws = await emu.admin.createWorkspace({ name: "nest-app" });
    const moduleRef = await Test.createTestingModule({
      imports: [
        MoleculeAgentModule.forRoot({
          platformUrl: emu.url,
          workspaceId: ws.id,
          token: ws.token,
          delivery: { mode: "poll" },
        }),
      ],
      providers: [Reports, Inbox],
    }).compile();
    const app: INestApplication = moduleRef.createNestApplication({ logger: false });
    cleanups.push(() => app.close());
    await app.init();

    const reports = app.get(Reports);
    expect(reports.client).toBeInstanceOf(PlatformClient);
    expect(await reports.summarise(writerWs.id, "a long text")).toBe(
      "short: Summarise: a long text",
    );
    expect(handled).toHaveLength(0);

    // A question from the writer still reaches the handler, whose ctx.client is the injected one.
    await writerClient.callPeer(ws.id, "hello nest");
    await waitFor(() => handled.length === 1, { timeoutMs: 15_000 });
    expect(handled[0]!.text).toBe("hello nest");
    expect(sameClient).toEqual([true]);
  });
});
