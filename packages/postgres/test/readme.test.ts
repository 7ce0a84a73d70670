// The README quickstart, run as written against the emulator and the test PostgreSQL: two replicas
// answer a peer's messages, each message once.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PlatformClient, RemoteAgent } from "@molecule-ai/agent-core";
import type { InboundMessage } from "@molecule-ai/agent-core";
import { waitFor } from "@internal/test-utils";
import { createPostgresStore } from "../src/index.js";
import { usePostgres } from "./setup-db.js";

const pg = usePostgres({ emulator: true });

/** The README's program, with the environment passed in. */
async function replica(env: Record<string, string>, seen: InboundMessage[]) {
  const client = new PlatformClient({
    platformUrl: env.MOLECULE_PLATFORM_URL!,
    workspaceId: env.MOLECULE_WORKSPACE_ID!,
    token: env.MOLECULE_WORKSPACE_TOKEN,
  });
  const store = createPostgresStore({ connectionString: env.DATABASE_URL! });
  const agent = new RemoteAgent({
    client,
    store,
    pollIntervalMs: 200,
    handler: async (msg, ctx) => {
      seen.push(msg);
      return `echo: ${msg.text}${ctx.redelivered ? " (redelivered)" : ""}`;
    },
  });
  await agent.start();
  return async () => {
    await agent.stop();
    await store.close();
    await client.close();
  };
}

describe("README quickstart", () => {
  it("two replicas answer each message once", async () => {
    const a = await pg.emu.admin.createWorkspace({ name: "readme", deliveryMode: "poll" });
    const p = await pg.emu.admin.createWorkspace({ name: "asker", deliveryMode: "poll" });
    const env = {
      MOLECULE_PLATFORM_URL: pg.emu.url,
      MOLECULE_WORKSPACE_ID: a.id,
      MOLECULE_WORKSPACE_TOKEN: a.token!,
      DATABASE_URL: pg.dbUrl,
    };
    const seen: InboundMessage[] = [];
    const stops = [await replica(env, seen), await replica(env, seen)];
    const peer = new PlatformClient({
      platformUrl: pg.emu.url,
      workspaceId: p.id,
      token: p.token!,
    });
    const ids = Array.from({ length: 10 }, () => randomUUID());
    for (const id of ids) await peer.callPeer(a.id, `q-${id}`, { messageId: id });
    await waitFor(
      () =>
        pg.emu.activity(p.id).filter((r) => String(JSON.stringify(r)).includes("echo: q-"))
          .length >= ids.length,
      { timeoutMs: 20_000 },
    );
    for (const stop of stops) await stop();
    await peer.close();
    expect(seen.map((m) => m.messageId).sort()).toEqual([...ids].sort());
  });
});
