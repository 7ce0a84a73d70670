// backfill: "none" on a first start, for the three stores (memory, file, PostgreSQL): what was
// queued before the first start is skipped; everything sent after it is delivered, including when
// the first read found an empty inbox (the PostgreSQL store used to skip the first message then).
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PlatformClient, RemoteAgent, fileStore, memoryStore } from "@molecule-ai/agent-core";
import type { AgentStore } from "@molecule-ai/agent-core";
import { waitFor } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";
import { sendMessages } from "./replicas.js";

const pg = usePostgres({ emulator: true, tmp: true });

/**
 * A client that counts its completed inbox reads (`reads(n)` resolves after the n-th); the read of
 * the agent's checkpoint (`agent_log` rows) at a start without saved state is not one.
 */
class CountingClient extends PlatformClient {
  #done = 0;
  #waiters: Array<{ n: number; resolve: () => void }> = [];
  override async fetchActivityRows(
    ...args: Parameters<PlatformClient["fetchActivityRows"]>
  ): ReturnType<PlatformClient["fetchActivityRows"]> {
    const page = await super.fetchActivityRows(...args);
    if ((args[0]?.type ?? "a2a_receive") !== "a2a_receive") return page;
    this.#done++;
    for (const w of this.#waiters.filter((x) => x.n <= this.#done)) w.resolve();
    this.#waiters = this.#waiters.filter((x) => x.n > this.#done);
    return page;
  }
  async reads(n: number): Promise<void> {
    if (this.#done >= n) return;
    await new Promise<void>((resolve) => this.#waiters.push({ n, resolve }));
  }
}

type Kind = "memory" | "file" | "postgres";
const stores: Kind[] = ["memory", "file", "postgres"];

function storeOf(kind: Kind, key: string): { store: AgentStore; close(): Promise<void> } {
  if (kind === "memory") return { store: memoryStore(), close: async () => undefined };
  if (kind === "file") return { store: fileStore(join(pg.dir, key)), close: async () => undefined };
  const shared = createPostgresStore({ connectionString: pg.dbUrl, leaseMs: 3_000 });
  return { store: shared, close: async () => await shared.close() };
}

async function agentOn(kind: Kind, key: string, ws: { id: string; token?: string | undefined }) {
  const client = new CountingClient({
    platformUrl: pg.emu.url,
    workspaceId: ws.id,
    token: ws.token!,
  });
  const { store, close } = storeOf(kind, key);
  const handled: string[] = [];
  const agent = new RemoteAgent({
    client,
    store,
    backfill: "none",
    pollIntervalMs: 100,
    eventWakeups: false, // reads on the interval only: the window is between two reads
    logger: {},
    handler: async (msg) => void handled.push(msg.messageId!),
  });
  await agent.start();
  return {
    client,
    handled,
    async stop() {
      await agent.stop();
      await close();
      await client.close();
    },
  };
}

describe.each(stores)('backfill "none" (%s store)', (kind) => {
  it("an empty first start delivers every message sent after it", async () => {
    const ws = await pg.emu.admin.createWorkspace({ name: `empty-${kind}`, deliveryMode: "poll" });
    const a = await agentOn(kind, randomUUID(), ws);
    try {
      await a.client.reads(2); // the first read (empty inbox) and one after it are done
      const sent = await sendMessages(pg.emu, ws.id, 3);
      await waitFor(() => sent.every((id) => a.handled.includes(id)), { timeoutMs: 20_000 });
      expect([...a.handled].sort()).toEqual([...sent].sort());
    } finally {
      await a.stop();
    }
  });

  it("skips what was queued before the first start and delivers what comes after", async () => {
    const ws = await pg.emu.admin.createWorkspace({
      name: `backlog-${kind}`,
      deliveryMode: "poll",
    });
    const backlog = await sendMessages(pg.emu, ws.id, 3);
    const a = await agentOn(kind, randomUUID(), ws);
    try {
      await a.client.reads(2);
      const sent = await sendMessages(pg.emu, ws.id, 3);
      await waitFor(() => sent.every((id) => a.handled.includes(id)), { timeoutMs: 20_000 });
      expect([...a.handled].sort()).toEqual([...sent].sort());
      expect(a.handled.filter((id) => backlog.includes(id))).toEqual([]);
    } finally {
      await a.stop();
    }
  });
});

describe.each(["file", "postgres"] as const)('backfill "none" restart (%s store)', (kind) => {
  it("a message sent while an agent that started empty was down is delivered on restart", async () => {
    const ws = await pg.emu.admin.createWorkspace({
      name: `restart-${kind}`,
      deliveryMode: "poll",
    });
    const key = randomUUID();
    const first = await agentOn(kind, key, ws);
    await first.client.reads(1);
    await first.stop();
    const sent = await sendMessages(pg.emu, ws.id, 2);
    const second = await agentOn(kind, key, ws);
    try {
      await waitFor(() => sent.every((id) => second.handled.includes(id)), { timeoutMs: 20_000 });
      expect([...second.handled].sort()).toEqual([...sent].sort());
    } finally {
      await second.stop();
    }
  });
});
