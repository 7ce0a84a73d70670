// #29 item 5: a crashing message takes no neighbour to the dead letter. After a crash, the messages
// that were in flight are re-run one at a time until each settles, so only the one that crashes
// accrues deliveries: the poison message is dead-lettered alone, its 3 neighbours are handled.
// File store: a child process killed by its own handler (kill -9), restarted by this test.
// Memory store: an agent whose handler hangs is stopped (handlers aborted) and a new agent takes
// over the same store object. Push, file store: four messages pushed at once to a child process
// that "poison" kills; the test restarts it and re-sends what was not answered, as a sender
// retries. A pushed message claimed before and never settled is claimed again (its delivery
// counted) only when no other pushed message runs.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import {
  hungPoisonRounds,
  POISON_AND_NEIGHBOURS,
  pushKillRounds,
  readLines,
} from "@internal/test-utils";
import { fileStore, memoryStore, PlatformClient, RemoteAgent } from "../src/index.js";
import { inboundSecretOf } from "./fixtures/platform-send.js";

const CHILD = fileURLToPath(new URL("./fixtures/isolation-child.mjs", import.meta.url));
const PUSH_CHILD = fileURLToPath(new URL("./fixtures/push-isolation-child.mjs", import.meta.url));
const MAX = 3;

let emu: Emulator;
let dir: string;
const children = new Set<ChildProcess>();
const cleanups: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "isolation-"));
});
afterEach(async () => {
  for (const c of children) {
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  }
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

/** A workspace with the poison message and its three neighbours queued, in that order. */
async function queued(name: string) {
  // For poll, as external agents are created (August creates push: calls to it wait in the platform's queue).
  const ws = await emu.admin.createWorkspace({ name, deliveryMode: "poll" });
  const s = await emu.admin.createWorkspace({ name: `${name}-sender`, deliveryMode: "poll" });
  const peer = new PlatformClient({ platformUrl: emu.url, workspaceId: s.id, token: s.token! });
  cleanups.push(() => peer.close());
  for (const text of POISON_AND_NEIGHBOURS) {
    await peer.callPeer(ws.id, text, { messageId: randomUUID() });
  }
  return ws;
}

describe("failure isolation after a crash", () => {
  it("file store, kill -9: the poison message is dead-lettered alone; its 3 neighbours are handled", async () => {
    const ws = await queued("isolation-file");
    const env = {
      PLATFORM_URL: emu.url,
      WS_ID: ws.id,
      WS_TOKEN: ws.token!,
      CURSOR_FILE: join(dir, "cursor"),
      MAX: String(MAX),
    };
    const lines: string[] = [];
    let kills = 0;
    for (let run = 0; run < MAX + 3; run++) {
      const child = spawn(process.execPath, [CHILD], {
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "inherit"],
      });
      children.add(child);
      const out = readLines(child.stdout!);
      const exited = new Promise<NodeJS.Signals | null>((r) =>
        child.once("exit", (_code, signal) => {
          children.delete(child);
          r(signal);
        }),
      );
      const done = Promise.all(["ok b1", "ok b2", "ok b3"].map((l) => out.line((x) => x === l)));
      const ended = await Promise.race([exited.then(() => "killed"), done.then(() => "done")]);
      lines.push(...out.lines);
      if (ended === "killed") {
        kills++;
        continue;
      }
      child.kill("SIGTERM");
      await exited;
      break;
    }
    expect(kills).toBe(MAX); // the poison message's deliveries, and no more
    expect(lines.filter((l) => l.startsWith("dead "))).toEqual(["dead poison delivery_limit"]);
    expect(lines.filter((l) => l.startsWith("ok ")).sort()).toEqual(["ok b1", "ok b2", "ok b3"]);
  });

  it("memory store, hung handler stopped each time: the poison message is dead-lettered alone", async () => {
    const ws = await queued("isolation-memory");
    const store = memoryStore({ maxDeliveries: MAX });
    const client = new PlatformClient({
      platformUrl: emu.url,
      workspaceId: ws.id,
      token: ws.token!,
    });
    cleanups.push(() => client.close());
    const { dead, ok } = await hungPoisonRounds({
      max: MAX,
      timeoutMs: 15_000,
      // A new agent on the same store object, as a restarted process would build.
      start: async (hooks) => {
        const agent = new RemoteAgent({
          client,
          store,
          ...hooks,
        });
        await agent.start();
        return async () => await agent.stop();
      },
    });
    expect(dead).toEqual(["poison"]);
    expect(ok.sort()).toEqual(["b1", "b2", "b3"]);
  });
  it("push, file store, kill -9: the poison message is dead-lettered alone; its 3 neighbours are answered", async () => {
    const ws = await emu.admin.createWorkspace({ name: "isolation-push-file" });
    const cursor = join(dir, "push-cursor");
    const { kills, answers } = await pushKillRounds({
      file: PUSH_CHILD,
      env: {
        PLATFORM_URL: emu.url,
        WS_ID: ws.id,
        WS_TOKEN: ws.token!,
        CURSOR_FILE: cursor,
        MAX: String(MAX),
      },
      texts: ["poison", "b1", "b2", "b3"],
      maxRuns: 2 * MAX + 4,
      children,
      // As the platform pushes: with its bearer, which the agent requires once it signs (August).
      bearer: await inboundSecretOf(emu.url, ws.id, ws.token!),
    });
    expect(Object.fromEntries(answers)).toEqual({
      poison: "delivery_limit",
      b1: "ok b1",
      b2: "ok b2",
      b3: "ok b3",
    });
    expect(kills).toBe(MAX); // the poison message's deliveries, and no more
    expect((await fileStore(cursor).deadLetters()).map((d) => d.delivery)).toEqual(["push"]);
  }, 60_000);
});
