// Issue 57, files, with replicas sharing a PostgreSQL store: a canvas upload reaches the handler
// of whichever replica claims the canvas's message (the store runs the poll and calls the agent's
// `handle`), and its pending upload is acknowledged once, after that handler.
import { expect, it } from "vitest";
import { PlatformClient, RemoteAgent, type InboundMessage } from "@molecule-ai/agent-core";
import { canvasDownload, canvasSendFiles, countingProxy, waitFor } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres({ emulator: true });

it("two replicas: the message with its file is handled once, the file acknowledged once", async () => {
  const ws = await pg.emu.admin.createWorkspace({ name: "files-replicas", deliveryMode: "poll" });
  const proxy = await countingProxy(pg.emu.url);
  const seen: { replica: number; msg: InboundMessage; text: string }[] = [];
  const replicas = await Promise.all(
    [0, 1].map(async (replica) => {
      const client = new PlatformClient({
        platformUrl: proxy.url,
        workspaceId: ws.id,
        token: ws.token!,
      });
      const store = createPostgresStore({ connectionString: pg.dbUrl, leaseMs: 3_000 });
      const agent = new RemoteAgent({
        client,
        store,
        pollIntervalMs: 100,
        logger: {},
        handler: async (msg) => {
          const text = await msg.files![0]!.text();
          seen.push({ replica, msg, text });
          return "thanks";
        },
      });
      await agent.start();
      return { client, store, agent };
    }),
  );
  try {
    const { uploaded } = await canvasSendFiles(pg.emu.url, pg.emu.adminToken, ws.id, "for you", [
      { name: "a.txt", data: "shared", type: "text/plain" },
    ]);
    const acks = (): string[] => proxy.requests.filter((r) => r.endsWith("/ack"));
    await waitFor(() => acks().length === 1, { timeoutMs: 20_000 });
    expect(seen.map((s) => [s.msg.text, s.text])).toEqual([["for you", "shared"]]);
    // The August-2026 platform keeps an acknowledged upload readable (6b1d9bdb): the one ack is
    // counted at the proxy, and the file is still there for the canvas.
    expect(
      (await canvasDownload(pg.emu.url, pg.emu.adminToken, ws.id, uploaded[0]!.uri)).status,
    ).toBe(200);
  } finally {
    for (const r of replicas) {
      await r.agent.stop();
      await r.store.close();
      await r.client.close();
    }
    await proxy.close();
  }
  expect(proxy.requests.filter((r) => r.endsWith("/ack"))).toHaveLength(1);
}, 60_000);
