// RemoteAgent's `store` option: fileStore keeps the cursor across restarts (a restarted agent
// handles nothing twice), `cursorStore` still works, and bad combinations fail with a typed error.
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import {
  MemoryCursorStore,
  PlatformClient,
  RemoteAgent,
  fileStore,
  memoryStore,
} from "../src/index.js";
import type { AgentStore } from "../src/index.js";

let emu: Emulator;
let dir: string;
beforeAll(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "agent-store-"));
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

const handler = (): void => {};

describe("RemoteAgent `store` option", () => {
  it("fileStore: a restarted agent on the same store handles only the new messages", async () => {
    const a = await emu.admin.createWorkspace({ name: "stored", deliveryMode: "poll" });
    const p = await emu.admin.createWorkspace({ name: "sender", deliveryMode: "poll" });
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: a.id, token: a.token! });
    const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: p.id, token: p.token! });
    const path = join(dir, "cursor");
    const seen: string[] = [];
    const run = async (expected: number): Promise<void> => {
      const agent = new RemoteAgent({
        client,
        store: fileStore(path),
        pollIntervalMs: 20,
        handler: (m) => void seen.push(m.messageId!),
      });
      await agent.start();
      await waitFor(() => seen.length >= expected, { timeoutMs: 30_000 });
      await agent.stop();
    };
    const first = [randomUUID(), randomUUID()];
    for (const id of first) await peer.callPeer(a.id, "hi", { messageId: id });
    await run(2);
    const second = [randomUUID()];
    for (const id of second) await peer.callPeer(a.id, "again", { messageId: id });
    await run(3);
    expect(seen).toEqual([...first, ...second]);
    // The last message's row (the log also holds the checkpoints the runs left when they stopped).
    const messages = emu.activity(a.id).filter((r) => r["activity_type"] === "a2a_receive");
    expect(await readFile(path, "utf8")).toBe(messages.at(-1)?.["id"]);
    await client.close();
    await peer.close();
  });

  it("memoryStore() and cursorStore are accepted; both at once or a non-store are not", () => {
    const client = { workspaceId: "w" } as never;
    expect(() => new RemoteAgent({ client, handler, store: memoryStore() })).not.toThrow();
    expect(
      () => new RemoteAgent({ client, handler, cursorStore: new MemoryCursorStore() }),
    ).not.toThrow();
    expect(
      () =>
        new RemoteAgent({
          client,
          handler,
          store: memoryStore(),
          cursorStore: new MemoryCursorStore(),
        }),
    ).toThrow(expect.objectContaining({ code: "invalid_option", retryable: false }));
    expect(() => new RemoteAgent({ client, handler, store: {} as unknown as AgentStore })).toThrow(
      expect.objectContaining({ code: "invalid_option" }),
    );
  });
});
