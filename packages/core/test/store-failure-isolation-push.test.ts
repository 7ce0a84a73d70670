// #29 item 5 on push, file store: a crashing message takes no neighbour to the dead letter. Four
// messages are pushed at once to a child process (concurrency 4) whose handler kills it (kill -9)
// on "poison"; the test restarts it and re-sends what was not answered, as a sender retries. A
// message claimed before and never settled is claimed again (its delivery counted) only when it
// runs alone, so only the poison message accrues deliveries: it is dead-lettered (a JSON-RPC
// `delivery_limit` error) after MAX kills, and its 3 neighbours are answered.
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { pushKillRounds } from "@internal/test-utils";
import { fileStore } from "../src/index.js";

const CHILD = fileURLToPath(new URL("./fixtures/push-isolation-child.mjs", import.meta.url));
const MAX = 3;

let emu: Emulator;
let dir: string;
const children = new Set<ChildProcess>();
beforeAll(async () => {
  emu = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), "isolation-push-"));
});
afterEach(async () => {
  for (const c of children) {
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  }
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

describe("failure isolation after a crash, push", () => {
  it("file store, kill -9: the poison message is dead-lettered alone; its 3 neighbours are handled", async () => {
    const ws = await emu.admin.createWorkspace({ name: "isolation-push-file" });
    const cursor = join(dir, "cursor");
    const { kills, answers } = await pushKillRounds({
      file: CHILD,
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
