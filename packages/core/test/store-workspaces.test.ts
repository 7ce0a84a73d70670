// Every store keys state by workspace (DESIGN 3b): an agent takes its workspace's state from the
// store (`stateFor`), and memoryStore()/fileStore(path), which hold one workspace's state, refuse
// the agent of a second workspace instead of mixing the two's cursor, de-dup window and outbox.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import {
  MemoryCursorStore,
  MoleculeOptionError,
  PlatformClient,
  RemoteAgent,
  fileStore,
  memoryStore,
} from "../src/index.js";
import type { AgentStore, CursorStore } from "../src/index.js";

let emu: Emulator;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "store-workspaces-"));
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

const handler = (): void => {};
const clientOf = (workspaceId: string): PlatformClient => ({ workspaceId }) as never;

describe("a store and the workspaces of its agents", () => {
  for (const [name, make] of [
    ["memoryStore()", () => memoryStore()],
    ["fileStore(path)", () => fileStore(join(dir, `cursor-${Math.random()}`))],
  ] as const) {
    it(`${name} refuses the agent of a second workspace with a typed error, and takes its own again`, () => {
      const store = make();
      const first = new RemoteAgent({ client: clientOf("ws-a"), handler, store });
      expect(first).toBeInstanceOf(RemoteAgent);
      const error = ((): unknown => {
        try {
          return new RemoteAgent({ client: clientOf("ws-b"), handler, store });
        } catch (err) {
          return err;
        }
      })();
      expect(error).toBeInstanceOf(MoleculeOptionError);
      expect(error).toMatchObject({ code: "invalid_option", retryable: false, option: "store" });
      const message = (error as Error).message;
      expect(message).toContain("ws-a");
      expect(message).toContain("ws-b");
      expect(message).toContain("a store of its own");
      // A restarted agent of the same workspace on the same store is the normal case.
      expect(() => new RemoteAgent({ client: clientOf("ws-a"), handler, store })).not.toThrow();
      // A copy with its state wrapped hands the agent the wrapper (stateFor returns `this.state`).
      const wrapped: CursorStore = {
        load: () => store.state.load(),
        save: (x) => store.state.save(x),
      };
      expect({ ...store, state: wrapped }.stateFor!("ws-a")).toBe(wrapped);
    });
  }

  it("an agent saves its state in the store's state of its workspace (stateFor), not in `state`", async () => {
    const a = await emu.admin.createWorkspace({ name: "stored", deliveryMode: "poll" });
    const p = await emu.admin.createWorkspace({ name: "sender", deliveryMode: "poll" });
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: a.id, token: a.token! });
    const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
    const unkeyed = new MemoryCursorStore();
    const byWorkspace = new Map<string, MemoryCursorStore>();
    const store: AgentStore = {
      state: unkeyed,
      stateFor(workspaceId: string): CursorStore {
        let s = byWorkspace.get(workspaceId);
        if (s === undefined) byWorkspace.set(workspaceId, (s = new MemoryCursorStore()));
        return s;
      },
    };
    const seen: string[] = [];
    const agent = new RemoteAgent({
      client,
      store,
      pollIntervalMs: 20,
      handler: (m) => void seen.push(m.text),
    });
    try {
      await agent.start();
      await peer.callPeer(a.id, "hello");
      await waitFor(() => seen.length === 1, { timeoutMs: 30_000 });
      await agent.stop();
      expect([...byWorkspace.keys()]).toEqual([a.id]);
      expect((await byWorkspace.get(a.id)!.load())?.cursor).toBeDefined();
      expect(await unkeyed.load()).toBeUndefined();
    } finally {
      await agent.stop();
      await client.close();
      await peer.close();
    }
  });
});
