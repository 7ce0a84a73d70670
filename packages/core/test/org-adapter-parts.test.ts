// What the adapters share from core's `org` entry (#50), over real HTTP against the emulator and
// without any framework: the items of LangGraph's memory store (`MemoryItemStore`), the memory
// tools (`memoryToolSpecs`), and a decision handed back by a framework (`decisionOn`).
import { PlatformClient } from "../src/index.js";
import {
  decisionOn,
  MEMORY_STORE_MARK,
  MemoryItemStore,
  memoryToolSpecs,
} from "../src/public/org.js";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SECRET = "sk-proj-Abcdefghijklmnopqrstuvwxyz0123456789";

let emu: Emulator;
const clients: PlatformClient[] = [];
let me: PlatformClient;
let sibling: PlatformClient;

async function workspace(name: string, parentId?: string): Promise<PlatformClient> {
  const ws = await emu.admin.createWorkspace({ name, ...(parentId ? { parentId } : {}) });
  const c = new PlatformClient({ platformUrl: emu.url, workspaceId: ws.id, token: ws.token });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  emu = await startEmulator();
  const parent = await workspace("parts-parent");
  me = await workspace("parts-me", parent.workspaceId);
  sibling = await workspace("parts-sibling", parent.workspaceId);
}, 60_000);
afterAll(async () => {
  for (const c of clients) await c.close();
  await emu?.close();
});

describe("MemoryItemStore", () => {
  it("puts, gets, replaces, searches, lists and deletes items stored as memories", async () => {
    const store = new MemoryItemStore(me, { namespace: "parts" });
    await store.batch([
      { namespace: ["users", "u1"], key: "profile", value: { likes: "tea" } },
      { namespace: ["users", "u2"], key: "profile", value: { likes: "coffee" } },
    ]);
    await store.batch([{ namespace: ["users", "u1"], key: "profile", value: { likes: "mint" } }]);
    const [got, found, listed] = await store.batch([
      { namespace: ["users", "u1"], key: "profile" },
      { namespacePrefix: ["users"], query: "MINT" },
      { limit: 10, offset: 0, maxDepth: 2 },
    ]);
    expect(got).toMatchObject({
      namespace: ["users", "u1"],
      key: "profile",
      value: { likes: "mint" },
    });
    expect((found as { value: unknown }[]).map((i) => i.value)).toEqual([{ likes: "mint" }]);
    expect(listed).toEqual(
      expect.arrayContaining([
        ["users", "u1"],
        ["users", "u2"],
      ]),
    );
    // One memory per item: the replaced one is gone, and each row ends with the store's mark.
    const rows = await me.searchMemories({ namespace: "parts" });
    expect(rows).toHaveLength(2);
    for (const r of rows)
      expect(r.content.split("\n").at(-1)!.startsWith(MEMORY_STORE_MARK)).toBe(true);
    await store.batch([{ namespace: ["users", "u2"], key: "profile", value: null }]);
    expect(await store.batch([{ namespace: ["users", "u2"], key: "profile" }])).toEqual([null]);
  });

  it("a value's secret is stored redacted, and a key holding one is refused before anything is sent", async () => {
    const store = new MemoryItemStore(me, { scope: "TEAM", namespace: "parts-secret" });
    await store.batch([{ namespace: ["cfg"], key: "k", value: { token: SECRET } }]);
    // Memory v2 records no writer of a TEAM row: the sibling's TEAM store refuses to read it.
    await expect(
      new MemoryItemStore(sibling, { scope: "TEAM", namespace: "parts-secret" }).batch([
        { namespace: ["cfg"], key: "k" },
      ]),
    ).rejects.toMatchObject({ code: "memory_scope_unsupported" });
    // Nor is it in the row the sibling reads, in plain or decoded (the item is base64 in dotted runs).
    const [row] = await sibling.searchMemories({ scope: "TEAM", namespace: "parts-secret" });
    const encoded = row!.content.split("\n").at(-1)!.slice(MEMORY_STORE_MARK.length);
    const decoded = Buffer.from(encoded.replaceAll(".", ""), "base64").toString("utf8");
    expect(`${row!.content}\n${decoded}`).not.toContain("sk-proj");
    expect(decoded).toContain("[REDACTED:");
    const before = await sibling.searchMemories({ scope: "TEAM", namespace: "parts-secret" });
    await expect(
      store.batch([{ namespace: ["cfg"], key: SECRET, value: { a: 1 } }]),
    ).rejects.toMatchObject({
      code: "memory_secret_refused",
      message: expect.not.stringContaining("sk-proj"),
    });
    expect(await sibling.searchMemories({ scope: "TEAM", namespace: "parts-secret" })).toHaveLength(
      before.length,
    );
  });
});

describe("memoryToolSpecs", () => {
  it("remember writes only its write scopes, recall reads it back, a bad argument is one Error line", async () => {
    const { remember, recall } = memoryToolSpecs(me, {
      writeScopes: ["LOCAL"],
      namespace: "parts-tools",
    });
    expect([remember.name, recall.name]).toEqual(["remember", "recall"]);
    expect(await remember.run({ content: "the deploy window is Tuesday" })).not.toMatch(/^Error: /);
    expect(await remember.run({ content: "shared", scope: "TEAM" })).toMatch(/^Error: [^\n]+$/);
    expect(await remember.run({ content: "" })).toMatch(/^Error: [^\n]+$/);
    expect(await recall.run({ query: "deploy" })).toContain("the deploy window is Tuesday");
    // The schema shows the model what to send but never rejects: core answers a bad argument.
    expect(remember.schema.safeParse({ content: 42, scope: "NOWHERE" }).success).toBe(true);
  });
});

describe("decisionOn", () => {
  const opened = { approvalId: "a1", digest: "d1" };
  const decision = {
    ...opened,
    approved: true,
    decision: "approved" as const,
    decidedBy: "human",
    expired: false,
  };

  it("takes the decision on this very request, and refuses one on another request or input", () => {
    expect(decisionOn(opened, decision)).toEqual(decision);
    for (const other of [
      { ...decision, approvalId: "a2" },
      { ...decision, digest: "d2" },
      "yes",
      null,
      undefined,
    ])
      expect(decisionOn(opened, other)).toEqual({
        approvalId: "a1",
        approved: false,
        decision: "denied",
        decidedBy: "not the decision on this request",
        expired: false,
        digest: "d1",
      });
  });
});
