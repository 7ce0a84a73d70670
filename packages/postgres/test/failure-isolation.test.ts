// #29 item 5 on the PostgreSQL store: after a crash (here: a handler that hangs until the agent is
// stopped, each time on a new store connection, as a restarted process would), the messages that
// were in flight are claimed again one at a time, so only the one that never settles accrues
// deliveries: the poison message is dead-lettered alone, its 3 neighbours are handled.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import { hungPoisonRounds, POISON_AND_NEIGHBOURS } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres({ emulator: true });
const MAX = 3;

describe("failure isolation, PostgreSQL store", () => {
  it("the poison message is dead-lettered alone; its 3 neighbours are handled", async () => {
    const ws = await pg.emu.admin.createWorkspace({ name: "isolation-pg", deliveryMode: "poll" });
    const s = await pg.emu.admin.createWorkspace({
      name: "isolation-sender",
      deliveryMode: "poll",
    });
    const peer = new PlatformClient({
      platformUrl: pg.emu.url,
      workspaceId: s.id,
      token: s.token!,
    });
    for (const text of POISON_AND_NEIGHBOURS) {
      await peer.callPeer(ws.id, text, { messageId: randomUUID() });
    }
    await peer.close();
    const client = new PlatformClient({
      platformUrl: pg.emu.url,
      workspaceId: ws.id,
      token: ws.token!,
    });
    try {
      const { dead, ok } = await hungPoisonRounds({
        max: MAX,
        timeoutMs: 20_000,
        // Each round on a new store connection, as a restarted process would open.
        start: async (hooks) => {
          const store = createPostgresStore({
            connectionString: pg.dbUrl,
            leaseMs: 3_000,
            maxDeliveries: MAX,
          });
          const agent = new RemoteAgent({
            client,
            store,
            ...hooks,
          });
          const stop = async (): Promise<void> => {
            await agent.stop();
            await store.close();
          };
          await agent.start().catch(async (err: unknown) => {
            await stop();
            throw err;
          });
          return stop;
        },
      });
      expect(dead).toEqual(["poison"]);
      expect(ok.sort()).toEqual(["b1", "b2", "b3"]);
    } finally {
      await client.close();
    }
  });
});
