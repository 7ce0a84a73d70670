// #29 item 5 on the PostgreSQL store: after a crash (here: a handler that hangs until the agent is
// stopped, each time on a new store connection, as a restarted process would), the messages that
// were in flight are claimed again one at a time, so only the one that never settles accrues
// deliveries: the poison message is dead-lettered alone, its 3 neighbours are handled.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { waitFor } from "@internal/test-utils";
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
    for (const text of ["poison", "b1", "b2", "b3"]) {
      await peer.callPeer(ws.id, text, { messageId: randomUUID() });
    }
    await peer.close();
    const client = new PlatformClient({
      platformUrl: pg.emu.url,
      workspaceId: ws.id,
      token: ws.token!,
    });
    const dead: string[] = [];
    const ok: string[] = [];
    try {
      for (let run = 0; run < MAX + 3 && ok.length < 3; run++) {
        const store = createPostgresStore({
          connectionString: pg.dbUrl,
          leaseMs: 3_000,
          maxDeliveries: MAX,
        });
        let poisoned = false;
        const started = new Set<string>();
        const agent = new RemoteAgent({
          client,
          store,
          concurrency: 4,
          drainTimeoutMs: 1,
          pollIntervalMs: 50,
          logger: {},
          onDeadLetter: (m: InboundMessage) => void dead.push(m.text),
          handler: async (m, ctx) => {
            started.add(m.text);
            // The poison hangs until stopped; a neighbour running beside it hangs with it.
            if (m.text === "poison") poisoned = true;
            if (m.text === "poison" || poisoned || !ctx.redelivered) {
              await new Promise((_, reject) => ctx.signal.addEventListener("abort", reject));
            }
            ok.push(m.text);
          },
        });
        try {
          await agent.start();
          await waitFor(() => started.has("poison") || ok.length === 3, { timeoutMs: 20_000 });
          if (run === 0) await waitFor(() => started.size === 4, { timeoutMs: 20_000 });
          await new Promise((r) => setImmediate(r));
        } finally {
          await agent.stop();
          await store.close();
        }
      }
    } finally {
      await client.close();
    }
    expect(dead).toEqual(["poison"]);
    expect(ok.sort()).toEqual(["b1", "b2", "b3"]);
  });
});
