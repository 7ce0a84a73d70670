// Honest storage over real HTTP against the emulator: a file store that cannot be read or written
// fails `start()` with a typed error naming the file; a store that stops being writable (disk full,
// a real ENOSPC on a small tmpfs) holds new work with `storeUnwritable` until it writes again; and
// after a kill -9 while saves fail, what was handled comes back marked `redelivered`, never as new.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { fileStore, PlatformClient, RemoteAgent } from "../src/index.js";
import { MoleculeStoreError } from "../src/public/store.js";
import type { AgentEventMap } from "../src/index.js";
import type { CursorState } from "../src/inbound/index.js";
import { readInvocations } from "./fixtures/invocations.js";
import { platformSend } from "./fixtures/platform-send.js";
import { fillDisk, mountable, mountTmpfs } from "./fixtures/tiny-fs.js";

const CHILD = fileURLToPath(new URL("./fixtures/store-full-child.mjs", import.meta.url));
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
});

async function emulator(): Promise<Emulator> {
  const emu = await startEmulator();
  cleanups.push(() => emu.close());
  return emu;
}

async function workspace(emu: Emulator, name: string) {
  // For poll, as external agents are created (August creates push, and a push workspace with no
  // URL takes calls only through the platform's queue until its agent registers).
  const w = await emu.admin.createWorkspace({ name, deliveryMode: "poll" });
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token! });
  cleanups.push(() => client.close());
  return { id: w.id, token: w.token!, client };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "store-honest-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function agentOn(client: PlatformClient, cursor: string, handler = async () => {}) {
  const agent = new RemoteAgent({
    client,
    store: fileStore(cursor),
    handler,
    logger: {},
    pollIntervalMs: 20,
  });
  cleanups.push(() => agent.stop());
  return agent;
}

/** `start()`'s rejection (it must reject). */
async function startError(agent: { start(): Promise<void> }): Promise<MoleculeStoreError> {
  const err = await agent.start().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MoleculeStoreError);
  return err as MoleculeStoreError;
}

describe("a store that cannot be read", () => {
  it("a truncated state file holding a queued answer fails start(), naming the file; nothing is dropped", async () => {
    const emu = await emulator();
    const a = await workspace(emu, "truncated");
    const dir = await tempDir();
    const cursor = join(dir, "cursor");
    const state: CursorState & { version: 1 } = {
      version: 1,
      cursor: "row-1",
      outbox: [
        {
          id: randomUUID(),
          text: "the answer nobody got yet",
          to: { source: "peer_agent", sourceId: randomUUID(), messageId: randomUUID() },
          queuedAt: new Date().toISOString(),
        },
      ],
    };
    const whole = JSON.stringify(state);
    const truncated = whole.slice(0, Math.floor(whole.length / 2));
    await writeFile(cursor, "row-1");
    await writeFile(`${cursor}.state.json`, truncated);

    const err = await startError(agentOn(a.client, cursor));
    expect(err.code).toBe("store_unreadable");
    expect(err.retryable).toBe(false);
    expect(err.path).toBe(`${cursor}.state.json`);
    expect(err.message).toContain(`${cursor}.state.json`);
    expect(err.message).toMatch(/Restore it from a backup, or move it aside/);
    // The agent never registered or polled, and the file is as it was (the answer is still there).
    expect(emu.heartbeats(a.id)).toHaveLength(0);
    expect(await readFile(`${cursor}.state.json`, "utf8")).toBe(truncated);
  });

  it("a state file that is not a JSON object fails start() too", async () => {
    const emu = await emulator();
    const a = await workspace(emu, "not-object");
    const cursor = join(await tempDir(), "cursor");
    await writeFile(`${cursor}.state.json`, "[1,2,3]");
    const err = await startError(agentOn(a.client, cursor));
    expect(err.code).toBe("store_unreadable");
  });
});

describe.skipIf(!mountable)("a store that cannot be written (tmpfs, needs root)", () => {
  it("a read-only store folder fails start(), poll and push alike", async () => {
    const emu = await emulator();
    const fs = mountTmpfs({ readOnly: true });
    cleanups.push(() => fs.unmount());
    for (const delivery of ["poll", "push"] as const) {
      const a = await workspace(emu, `read-only-${delivery}`);
      const agent = new RemoteAgent({
        client: a.client,
        store: fileStore(join(fs.dir, "cursor")),
        handler: () => {},
        logger: {},
        delivery,
      });
      cleanups.push(() => agent.stop());
      const err = await startError(agent);
      expect(err.code).toBe("store_unwritable");
      expect(err.path).toBe(fs.dir);
      expect(err.message).toContain(fs.dir);
      expect(err.message).toMatch(/EROFS/);
      expect(emu.heartbeats(a.id)).toHaveLength(0);
    }
  });

  it("disk full: no handler starts while saves fail, storeUnwritable then storeWritable, then all are handled", async () => {
    const emu = await emulator();
    const a = await workspace(emu, "full");
    const peer = await workspace(emu, "sender");
    const fs = mountTmpfs({ sizeKiB: 256 });
    cleanups.push(() => fs.unmount());
    const files = fileStore(join(fs.dir, "cursor"));
    let failedSaves = 0;
    const handled: string[] = [];
    const timeline: string[] = [];
    const agent = new RemoteAgent({
      client: a.client,
      store: {
        ...files,
        state: {
          load: () => files.state.load(),
          flush: () => files.state.flush!(),
          save: async (s) => {
            try {
              await files.state.save(s);
            } catch (err) {
              failedSaves++;
              throw err;
            }
          },
        },
      },
      handler: (msg) => {
        handled.push(msg.messageId!);
        timeline.push("handler");
      },
      logger: {},
      pollIntervalMs: 20,
    });
    cleanups.push(() => agent.stop());
    const events: Array<AgentEventMap["storeUnwritable"] | AgentEventMap["storeWritable"]> = [];
    agent.on("storeUnwritable", (e) => {
      events.push(e);
      timeline.push("unwritable");
    });
    agent.on("storeWritable", (e) => {
      events.push(e);
      timeline.push("writable");
    });
    await agent.start();

    const first = [randomUUID(), randomUUID()];
    for (const id of first) await peer.client.callPeer(a.id, `before ${id}`, { messageId: id });
    await waitFor(() => handled.length === 2);
    await agent.flushReplies();

    const free = await fillDisk(fs.dir);
    // A save appends a line to the store's journal: those that still fit the last page the journal
    // holds on the full disk are written (their messages handled); the first that does not fit
    // fails: the agent says so, and keeps trying (50 + 100 + 200 + 400 ms of backoff, then
    // 800 + 1,600) without starting a handler.
    const later = Array.from({ length: 40 }, () => randomUUID());
    for (const id of later) await peer.client.callPeer(a.id, `later ${id}`, { messageId: id });
    await waitFor(() => events.length > 0, { timeoutMs: 30_000 });
    const at = failedSaves;
    await waitFor(() => failedSaves >= at + 4, { timeoutMs: 30_000 });
    const handledWhileFailing = handled.length;
    expect(handledWhileFailing).toBeLessThan(first.length + later.length);
    await waitFor(() => failedSaves >= at + 6, { timeoutMs: 30_000 });
    expect(handled).toHaveLength(handledWhileFailing);
    const down = events[0] as AgentEventMap["storeUnwritable"];
    expect(down.type).toBe("storeUnwritable");
    expect(down.error).toBeInstanceOf(MoleculeStoreError);
    expect((down.error as MoleculeStoreError).code).toBe("store_unwritable");
    expect((down.error as MoleculeStoreError).message).toMatch(/ENOSPC/);

    await free();
    await waitFor(() => handled.length === first.length + later.length, { timeoutMs: 30_000 });
    expect(new Set(handled)).toEqual(new Set([...first, ...later]));
    expect(events.map((e) => e.type)).toEqual(["storeUnwritable", "storeWritable"]);
    // The rest were handled only once the store wrote again.
    const after = timeline.slice(timeline.indexOf("writable") + 1);
    expect(after.filter((t) => t === "handler")).toHaveLength(
      first.length + later.length - handledWhileFailing,
    );
    await agent.stop();
    // What was handled is on disk: the cursor file holds the last row.
    const rows = emu.activity(a.id).filter((r) => r["method"] === "message/send");
    expect(await readFile(join(fs.dir, "cursor"), "utf8")).toBe(rows.at(-1)?.["id"]);
  });
});

describe.skipIf(!mountable)("push on a full disk (tmpfs, needs root)", () => {
  it("a claim that cannot be counted runs nothing: a retryable JSON-RPC error, then handled once the disk has room", async () => {
    const emu = await emulator();
    const a = await workspace(emu, "push-full");
    const fs = mountTmpfs({ sizeKiB: 256 });
    cleanups.push(() => fs.unmount());
    const handled: string[] = [];
    const events: string[] = [];
    const agent = new RemoteAgent({
      client: a.client,
      store: fileStore(join(fs.dir, "cursor")),
      delivery: { mode: "push", host: "127.0.0.1" },
      logger: {},
      handler: (msg) => {
        handled.push(msg.messageId!);
        return "done";
      },
    });
    cleanups.push(() => agent.stop());
    agent.on("storeUnwritable", () => events.push("unwritable"));
    agent.on("storeWritable", () => events.push("writable"));
    await agent.start();
    // Pushed as the platform pushes: with its bearer (the secret the agent's client got).
    const send = (id: string, text: string) =>
      platformSend(agent.pushUrl!, a.client.files.inboundSecret!, id, text);
    const before = randomUUID();
    expect((await send(before, "before")).result).toBeDefined();

    const free = await fillDisk(fs.dir);
    // A save appends a line to the store's journal: messages whose saves still fit the last page
    // the journal holds on the full disk are counted and handled. The first whose save does not
    // fit waits (its count or its settlement is retried) and is not answered meanwhile.
    const unwritable = new Promise<"unwritable">((r) =>
      agent.once("storeUnwritable", () => r("unwritable")),
    );
    const through = [before];
    let first = "";
    let waiting: ReturnType<typeof send> | undefined;
    for (let i = 0; i < 500 && waiting === undefined; i++) {
      const id = randomUUID();
      const sent = send(id, `message ${i}`);
      if ((await Promise.race([sent.then(() => "answered"), unwritable])) === "answered") {
        through.push(id);
      } else {
        [first, waiting] = [id, sent];
      }
    }
    expect(waiting).toBeDefined();
    const refused = await send(randomUUID(), "refused");
    expect(refused.error?.code).toBe(-32603);
    expect(refused.error?.data).toMatchObject({ code: "store_unwritable", retryable: true });
    expect(handled.filter((id) => id !== first)).toEqual(through);

    await free();
    expect((await waiting!).result).toBeDefined();
    expect(events).toEqual(["unwritable", "writable"]);
    expect(handled).toEqual([...through, first]);
  });
});

function startChild(env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const out = { text: "" };
  child.stdout!.on("data", (b: Buffer) => (out.text += b.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", r));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  });
  const count = (word: string) => out.text.split("\n").filter((l) => l.startsWith(word)).length;
  return { child, exited, count };
}

async function lines(path: string): Promise<string[]> {
  return (await readFile(path, "utf8").catch(() => "")).split("\n").filter(Boolean);
}

describe.skipIf(!mountable)("kill -9 while saves fail (tmpfs, needs root)", () => {
  it("every message is handled, and one handled before the kill comes back redelivered, never as new", async () => {
    const emu = await emulator();
    const a = await workspace(emu, "killed-full");
    const peer = await workspace(emu, "sender");
    const fs = mountTmpfs({ sizeKiB: 256 });
    cleanups.push(() => fs.unmount());
    const logs = await tempDir(); // beside the full disk, not on it
    const env = {
      PLATFORM_URL: emu.url,
      WS_ID: a.id,
      WS_TOKEN: a.token,
      CURSOR_FILE: join(fs.dir, "cursor"),
      LOG_FILE: join(logs, "handled.log"),
      INVOKE_FILE: join(logs, "invoked.log"),
    };
    const ids = Array.from({ length: 40 }, () => randomUUID());
    for (const id of ids) await peer.client.callPeer(a.id, `job ${id}`, { messageId: id });

    const first = startChild({ ...env, RUN: "0" });
    await waitFor(() => first.count("ready") === 1, { timeoutMs: 15_000 });
    await waitFor(async () => (await lines(env.LOG_FILE)).length >= 8, {
      timeoutMs: 15_000,
      intervalMs: 2,
    });
    const free = await fillDisk(fs.dir); // mid-batch: handlers are running
    await waitFor(() => first.count("unwritable") === 1, { timeoutMs: 15_000 });
    const failed = first.count("save-failed");
    await waitFor(() => first.count("save-failed") >= failed + 4, { timeoutMs: 15_000 });
    const invokedAtKill = (await readInvocations(env.INVOKE_FILE)).length;
    first.child.kill("SIGKILL");
    await first.exited;
    expect(invokedAtKill).toBeLessThan(ids.length); // it stopped taking work: not all were run
    await free();

    const second = startChild({ ...env, RUN: "1" });
    await waitFor(() => second.count("ready") === 1, { timeoutMs: 15_000 });
    await waitFor(async () => new Set(await lines(env.LOG_FILE)).size === ids.length, {
      timeoutMs: 20_000,
    });
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);

    const handled = await lines(env.LOG_FILE);
    expect(new Set(handled)).toEqual(new Set(ids));
    expect(handled).toHaveLength(ids.length); // none done twice
    const calls = await readInvocations(env.INVOKE_FILE);
    const inFirst = new Set(calls.filter((c) => c.run === 0).map((c) => c.id));
    const again = calls.filter((c) => c.run === 1 && inFirst.has(c.id));
    // The messages handled while saves failed come back, each marked redelivered (none as new).
    expect(again.length).toBeGreaterThan(0);
    expect(again.filter((c) => !c.redelivered)).toEqual([]);
    // Only what was in flight when saves began to fail (concurrency 4) is run again.
    expect(again.length).toBeLessThanOrEqual(4);
    expect(calls.filter((c) => c.run === 1 && !inFirst.has(c.id) && c.redelivered)).toEqual([]);
  });
});
