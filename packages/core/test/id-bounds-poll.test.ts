// #29 item 3, poll side, over real HTTP through the emulator: a polled message whose id is over
// MAX_ID_LENGTH is settled as rejected with a warning, never kept: 100 messages with 500 KB ids
// leave a file store no larger than 2x what 100 ordinary messages leave, and no overlong key in it,
// and an agent (a child process, measured apart from the emulator) whose heap after a full GC is
// no larger than 2x an agent's that handled 100 ordinary messages.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { readLines } from "@internal/test-utils";
import { MAX_ID_LENGTH } from "../src/a2a/index.js";
import { BoundedSet, boundedKey } from "../src/inbound/index.js";

const CHILD = fileURLToPath(new URL("./fixtures/id-bounds-child.mjs", import.meta.url));

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

/**
 * Runs a poll agent (a child process) on a file store over 100 canvas messages; returns what it
 * handled, warned and left on disk, and its heap after a full GC.
 */
async function run(emu: Emulator, dir: string, messageId: (i: number) => string) {
  const w = await emu.admin.createWorkspace({ name: "bounded", deliveryMode: "poll" });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  const child = spawn(process.execPath, ["--expose-gc", CHILD], {
    env: {
      ...process.env,
      PLATFORM_URL: emu.url,
      WS_ID: w.id,
      WS_TOKEN: token,
      CURSOR_FILE: join(dir, "cursor"),
    },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise((r) => child.once("exit", r));
  cleanups.push(async () => {
    child.kill("SIGKILL");
    await exited;
  });
  const out = readLines(child.stdout);
  await out.line((l) => l === "ready");
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${emu.url}/workspaces/${w.id}/a2a`, {
      method: "POST",
      // The canvas route needs a bearer on August 2026: the admin token, as the canvas sends.
      headers: { "content-type": "application/json", authorization: `Bearer ${emu.adminToken}` },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: randomUUID(),
        method: "message/send",
        params: {
          message: {
            role: "user",
            messageId: messageId(i),
            parts: [{ kind: "text", text: `m${i}` }],
          },
        },
      }),
    });
    expect(res.status).toBe(200);
  }
  const rows = emu.activity(w.id).filter((r) => r["activity_type"] === "a2a_receive");
  expect(rows).toHaveLength(100);
  child.stdin.end(`${String(rows.at(-1)!["id"])}\n`); // the child waits for its cursor to reach it
  const [, handled, warnings, heap] = (await out.line((l) => l.startsWith("done "))).split(" ");
  await exited;
  let bytes = 0;
  let longest = 0;
  for (const name of await readdir(dir)) {
    bytes += (await stat(join(dir, name))).size;
    const text = await readFile(join(dir, name), "utf8");
    for (const m of text.matchAll(/"([^"]*)"/g)) longest = Math.max(longest, m[1]!.length);
  }
  return {
    handled: Number(handled),
    warnings: Number(warnings),
    heap: Number(heap),
    bytes,
    longest,
  };
}

describe("ids over MAX_ID_LENGTH on poll delivery", () => {
  it("100 messages with 500 KB ids are settled as rejected; memory and file store stay within 2x normal", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const base = await mkdtemp(join(tmpdir(), "molecule-ids-"));
    cleanups.push(() => rm(base, { recursive: true, force: true }));
    const normalDir = await mkdtemp(join(base, "normal-"));
    const longDir = await mkdtemp(join(base, "long-"));

    const normal = await run(emu, normalDir, () => randomUUID());
    expect(normal.handled).toBe(100);
    const long = await run(emu, longDir, (i) => `${i}-${"x".repeat(500_000)}`);
    // Heap kept after a full GC, the agent still running (ids kept whole would be 50 MB more).
    expect(long.heap).toBeLessThanOrEqual(2 * normal.heap);
    expect(long.handled).toBe(0);
    expect(long.warnings).toBe(100);
    expect(long.longest).toBeLessThanOrEqual(MAX_ID_LENGTH);
    expect(long.bytes).toBeLessThanOrEqual(2 * normal.bytes);
  }, 120_000);
});

describe("de-duplication windows", () => {
  it("never keep an id over MAX_ID_LENGTH whole, also when loaded from a saved state", () => {
    const long = "x".repeat(MAX_ID_LENGTH + 1);
    const set = new BoundedSet(10, [long, "a"]);
    set.add(long);
    set.add("x".repeat(MAX_ID_LENGTH));
    // The overlong id is kept as its bounded key (sha256:<hex>), so it is still recognised.
    expect(set.toArray()).toEqual(["a", boundedKey(long), "x".repeat(MAX_ID_LENGTH)]);
    expect(set.has(long)).toBe(true);
    expect(set.toArray().every((k) => k.length <= MAX_ID_LENGTH)).toBe(true);
  });
});
