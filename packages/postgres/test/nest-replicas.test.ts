// The NestJS module with `forRoot({ store })`: two replicas of one Nest app (one workspace, one
// PostgreSQL store) handle every message exactly once and answer each sender once.
import { Injectable } from "@nestjs/common";
import type { INestApplication } from "@nestjs/common";
import { ExpressAdapter } from "@nestjs/platform-express";
import { Test } from "@nestjs/testing";
import { randomUUID } from "node:crypto";
import { PlatformClient } from "@molecule-ai/agent-core";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { MoleculeAgentModule, OnPeerMessage, PeerAgent } from "@molecule-ai/nestjs";
import { waitFor } from "@internal/test-utils";
import { describe, expect, it } from "vitest";
import { createPostgresStore } from "../src/index.js";
import type { PostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const handled: string[] = [];

@PeerAgent()
@Injectable()
class Worker {
  @OnPeerMessage()
  async work(msg: InboundMessage): Promise<string> {
    handled.push(msg.messageId!);
    await new Promise((r) => setTimeout(r, 5));
    return `done: ${msg.text}`;
  }
}

const pg = usePostgres({ emulator: true });

async function replica(
  ws: { id: string; token?: string | undefined },
  store: PostgresStore,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      MoleculeAgentModule.forRoot({
        platformUrl: pg.emu.url,
        workspaceId: ws.id,
        ...(ws.token ? { token: ws.token } : {}),
        delivery: { mode: "poll", intervalMs: 200 },
        store,
      }),
    ],
    providers: [Worker],
  }).compile();
  const app = moduleRef.createNestApplication(new ExpressAdapter(), { logger: false });
  await app.init();
  return app;
}

describe("MoleculeAgentModule.forRoot({ store })", () => {
  it("two replicas of a Nest app handle each message once and answer once", async () => {
    const ws = await pg.emu.admin.createWorkspace({
      name: "nest-replicated",
      deliveryMode: "poll",
    });
    const s = await pg.emu.admin.createWorkspace({ name: "nest-sender", deliveryMode: "poll" });
    const stores = [0, 1].map(() => createPostgresStore({ connectionString: pg.dbUrl }));
    const apps = [await replica(ws, stores[0]!), await replica(ws, stores[1]!)];
    const sender = new PlatformClient({
      platformUrl: pg.emu.url,
      workspaceId: s.id,
      token: s.token!,
    });
    const ids = Array.from({ length: 60 }, () => randomUUID());
    for (const id of ids) await sender.callPeer(ws.id, `job ${id}`, { messageId: id });
    const answers = (): number =>
      pg.emu.activity(s.id).filter((r) => JSON.stringify(r).includes("done: job ")).length;
    await waitFor(() => handled.length >= ids.length && answers() >= ids.length, {
      timeoutMs: 30_000,
    });
    for (const app of apps) await app.close();
    for (const store of stores) await store.close();
    await sender.close();
    expect([...handled].sort()).toEqual([...ids].sort()); // each exactly once
    expect(answers()).toBe(ids.length); // one answer per message
  });
});
