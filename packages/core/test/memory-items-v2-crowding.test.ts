// Issue 78 item 6, "a teammate makes an agent's own memory items unreadable on memory v2", as the
// attack over real HTTP against the August-2026 emulator. Every parentless workspace there is a
// child of the Org Concierge, so two unrelated workspaces are teammates. The teammate writes 60
// TEAM rows carrying the search token of the agent's item (computable from its namespace and key);
// before the fix the store's own read asked `GET /v2/memories?q=<token>` over every readable
// namespace, the 60 newer TEAM rows filled the 50-row page, `get` answered null and `put` wrote a
// second row. The store now reads its own items from its own namespace (`workspace:<id>`), which
// no teammate can write.
import { createHash } from "node:crypto";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MemoryItemStore } from "../src/org/index.js";
import { PlatformClient } from "../src/platform/index.js";

let emu: Awaited<ReturnType<typeof startEmulator>>;
const clients: PlatformClient[] = [];
let me: PlatformClient;
let mate: PlatformClient;

beforeAll(async () => {
  emu = await startEmulator({ compat: "2026-08" });
  const make = async (name: string): Promise<PlatformClient> => {
    const w = await emu.admin.createWorkspace({ name });
    const c = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token! });
    clients.push(c);
    return c;
  };
  me = await make("me");
  mate = await make("unrelated-workspace");
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close();
  await emu?.close();
});

it("60 teammate TEAM rows carrying the item's token leave get and put on the agent's own row", async () => {
  const ns = "lg-crowd";
  const store = new MemoryItemStore(me, { namespace: ns });
  const get = async () =>
    ((await store.batch([{ namespace: ["acl"], key: "me" }]))[0] ?? null) as {
      value: Record<string, unknown>;
    } | null;
  await store.batch([{ namespace: ["acl"], key: "me", value: { role: "viewer" } }]);
  // The teammates of an August workspace: both are under the Org Concierge.
  const readable = (await me.searchMemories({ scope: "TEAM" })).length;
  expect(readable).toBe(0);

  const tok = `k${createHash("sha256")
    .update(JSON.stringify([["acl"], "me"]))
    .digest("hex")
    .slice(0, 20)}`;
  for (let i = 0; i < 60; i++)
    await mate.commitMemory({
      content: `acl/me: noise ${i}\n${tok}`,
      scope: "TEAM",
      namespace: ns,
    });
  // The rows are there, newer than the item, and the agent reads them in its TEAM scope.
  expect((await me.searchMemories({ scope: "TEAM", limit: 100 })).length).toBe(60);

  expect((await get())?.value).toEqual({ role: "viewer" });
  await store.batch([{ namespace: ["acl"], key: "me", value: { role: "editor" } }]);
  expect((await get())?.value).toEqual({ role: "editor" });
  // The put found its own row and replaced it: one row of the agent's own holds the item.
  const own = (await me.searchMemories({ scope: "LOCAL", q: tok, limit: 100 })).filter(
    (m) => !m.fromPeer,
  );
  expect(own).toHaveLength(1);
}, 60_000);
