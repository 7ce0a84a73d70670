// fileStore keeps the agent's A2A tasks in `<path>.tasks.json`: a question (input-required) asked
// before a restart is answered by its taskId after it, through the emulator's proxy, on push and
// poll delivery alike; the file is workspace-scoped, bounded, written atomically, and a corrupted
// or unwritable one is a typed error, never replaced quietly.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { askForInput } from "../src/adapters/index.js";
import { fileStore, PlatformClient, RemoteAgent } from "../src/index.js";
import type { InboundMessage, PeerCallResult } from "../src/index.js";
import { FileTaskStore } from "../src/store/index.js";
import type { A2ATask } from "../src/public/a2a.js";
import { MoleculeStoreError } from "../src/public/store.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tasks-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function task(id: string, state: A2ATask["status"]["state"] = "input-required"): A2ATask {
  return { kind: "task", id, contextId: `ctx-${id}`, status: { state } };
}

describe("a question survives a restart of a fileStore agent", () => {
  for (const mode of ["push", "poll"] as const) {
    it(`${mode}: asked before the restart, answered by its taskId after it, in the same task`, async () => {
      const emu: Emulator = await startEmulator();
      cleanups.push(() => emu.close());
      const dir = await tempDir();
      const ws = async (name: string) => {
        const w = await emu.admin.createWorkspace({ name });
        const token = w.token ?? (await emu.admin.createToken(w.id));
        const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
        cleanups.push(() => client.close());
        return { id: w.id, client };
      };
      const b = await ws("weather");
      const a = await ws("caller");
      const seen: InboundMessage[] = [];
      const start = async (
        client: PlatformClient,
        handler: (m: InboundMessage) => string | void,
        path?: string,
      ) => {
        const agent = new RemoteAgent({
          client,
          handler,
          logger: {},
          pollIntervalMs: 100,
          delivery: mode === "push" && path !== undefined ? { mode: "push", port: 0 } : "poll",
          ...(path !== undefined ? { store: fileStore(path) } : {}),
        });
        cleanups.push(() => agent.stop());
        await agent.start();
        return agent;
      };
      const weather = (m: InboundMessage): string => {
        seen.push(m);
        return m.taskId === undefined ? askForInput(m, "Which city?") : `Sunny in ${m.text}`;
      };
      const cursor = join(dir, "cursor");
      const first = await start(b.client, weather, cursor);
      const caller = await start(a.client, () => undefined);

      const asked = await caller.callPeer(b.id, "What is the weather?", { timeoutMs: 20_000 });
      expect(asked.status).toBe("input-required");
      await first.stop();
      const saved = await new FileTaskStore(`${cursor}.tasks.json`).get(idOf(asked)!, b.id);
      expect(saved?.status.state).toBe("input-required");

      await start(b.client, weather, cursor); // a new process: nothing of the first in memory
      const done = await caller.callPeer(b.id, "Paris", {
        taskId: idOf(asked)!,
        contextId: contextOf(asked)!,
        timeoutMs: 20_000,
      });
      expect(done.status).toBe("completed");
      if (done.status !== "completed") return;
      expect(done.text).toContain("Sunny in Paris");
      expect(idOf(done)).toBe(idOf(asked));
      expect(seen.map((m) => m.taskId)).toEqual([undefined, idOf(asked)]);
    });
  }
});

describe("fileStore's task file at start", () => {
  it("a corrupted task file fails start() with store_unreadable naming it", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const w = await emu.admin.createWorkspace({ name: "a" });
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: w.id,
      token: w.token ?? (await emu.admin.createToken(w.id)),
    });
    cleanups.push(() => client.close());
    const cursor = join(await tempDir(), "cursor");
    await writeFile(`${cursor}.tasks.json`, "{not json");
    const agent = new RemoteAgent({
      client,
      handler: () => "hi",
      logger: {},
      store: fileStore(cursor),
    });
    cleanups.push(() => agent.stop());
    await expect(agent.start()).rejects.toMatchObject({
      code: "store_unreadable",
      path: `${cursor}.tasks.json`,
    });
  });
});

describe("FileTaskStore", () => {
  it("reads back what it wrote, for the workspace it was saved for only, the newest kept", async () => {
    const path = join(await tempDir(), "t.json");
    const store = new FileTaskStore(path, 3);
    for (const id of ["t1", "t2", "t3", "t4"]) await store.save(task(id), "ws-1");
    await store.save(task("other"), "ws-2");
    await store.save(task("t4", "completed"), "ws-1");
    const again = new FileTaskStore(path, 3);
    expect(await again.get("t1", "ws-1")).toBeUndefined(); // dropped: only 3 are kept
    expect(await again.get("t4", "ws-2")).toBeUndefined(); // another workspace's
    expect((await again.get("t4", "ws-1"))?.status.state).toBe("completed");
    expect((await again.get("other", "ws-2"))?.id).toBe("other");
    const page = await again.list("ws-1", { pageSize: 10 });
    expect(page.tasks.map((t) => t.id)).toEqual(["t4", "t3"]);
    expect(await again.cancel("t3", "ws-1")).toMatchObject({ status: "canceled" });
    expect((await new FileTaskStore(path, 3).get("t3", "ws-1"))?.status.state).toBe("canceled");
  });

  it("a corrupted file is store_unreadable on every call and is never replaced", async () => {
    const path = join(await tempDir(), "t.json");
    await writeFile(path, '{"version":1,"tasks":[{"task":');
    const store = new FileTaskStore(path);
    const read = await store.get("t1", "ws-1").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(read).toBeInstanceOf(MoleculeStoreError);
    expect(read).toMatchObject({ code: "store_unreadable", path, retryable: false });
    await expect(store.save(task("t1"), "ws-1")).rejects.toMatchObject({
      code: "store_unreadable",
    });
    expect(await readFile(path, "utf8")).toBe('{"version":1,"tasks":[{"task":');
    await writeFile(path, '{"version":1,"tasks":[{"task":{"id":"x"},"workspaceId":"w","seq":1}]}');
    await expect(new FileTaskStore(path).list("w", { pageSize: 1 })).rejects.toMatchObject({
      code: "store_unreadable",
    });
  });

  it("a file that cannot be written is store_unwritable", async () => {
    const sub = join(await tempDir(), "sub");
    const store = new FileTaskStore(join(sub, "t.json"));
    expect(await store.get("t1", "ws-1")).toBeUndefined(); // no file yet: no tasks
    await writeFile(sub, "a file where the folder should be");
    await expect(store.save(task("t1"), "ws-1")).rejects.toMatchObject({
      code: "store_unwritable",
      retryable: true,
    });
  });
});

/** The task id of a peer call's result, if it names one. */
function idOf(r: PeerCallResult): string | undefined {
  return r.status === "queued" ? undefined : r.taskId;
}

/** The contextId of a peer call's result, if it names one. */
function contextOf(r: PeerCallResult): string | undefined {
  return r.status === "queued" ? undefined : r.contextId;
}
