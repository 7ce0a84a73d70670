// #29 item 3, poll side, over real HTTP through the emulator: a polled message whose id is over
// MAX_ID_LENGTH is settled as rejected with a warning, never kept: 100 messages with 500 KB ids
// leave a file store no larger than 2x what 100 ordinary messages leave, and no overlong key in it.
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import type { Emulator } from "@molecule-ai/platform-emulator";
import { waitFor } from "@internal/test-utils";
import { MAX_ID_LENGTH } from "../src/a2a/index.js";
import { BoundedSet, boundedKey } from "../src/inbound/index.js";
import { fileStore, PlatformClient, RemoteAgent } from "../src/index.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c().catch(() => {});
});

/** Runs a poll agent on a file store over 100 canvas messages; returns what it handled and left. */
async function run(emu: Emulator, dir: string, messageId: (i: number) => string) {
  const w = await emu.admin.createWorkspace({ name: "bounded" });
  const token = w.token ?? (await emu.admin.createToken(w.id));
  const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token });
  cleanups.push(() => client.close());
  const warnings: string[] = [];
  let handled = 0;
  const agent = new RemoteAgent({
    client,
    store: fileStore(join(dir, "cursor")),
    logger: { warn: (m: string) => void warnings.push(m) },
    handler: () => void handled++,
  });
  cleanups.push(() => agent.stop());
  await agent.start();
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${emu.url}/workspaces/${w.id}/a2a`, {
      method: "POST",
      headers: { "content-type": "application/json" },
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
    expect(res.status).toBe(202);
  }
  const rows = emu.activity(w.id).filter((r) => r["activity_type"] === "a2a_receive");
  expect(rows).toHaveLength(100);
  const last = String(rows.at(-1)!["id"]);
  await waitFor(() => agent.cursor === last, { timeoutMs: 30_000 });
  await agent.stop();
  let bytes = 0;
  let longest = 0;
  for (const name of await readdir(dir)) {
    bytes += (await stat(join(dir, name))).size;
    const text = await readFile(join(dir, name), "utf8");
    for (const m of text.matchAll(/"([^"]*)"/g)) longest = Math.max(longest, m[1]!.length);
  }
  return { handled, warnings, bytes, longest };
}

describe("ids over MAX_ID_LENGTH on poll delivery", () => {
  it("100 messages with 500 KB ids are settled as rejected; the file store stays within 2x normal", async () => {
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const base = await mkdtemp(join(tmpdir(), "molecule-ids-"));
    cleanups.push(() => rm(base, { recursive: true, force: true }));
    const normalDir = await mkdtemp(join(base, "normal-"));
    const longDir = await mkdtemp(join(base, "long-"));

    const normal = await run(emu, normalDir, () => randomUUID());
    expect(normal.handled).toBe(100);
    const long = await run(emu, longDir, (i) => `${i}-${"x".repeat(500_000)}`);
    expect(long.handled).toBe(0);
    expect(long.warnings.filter((w) => w.includes("messageId is longer than"))).toHaveLength(100);
    expect(long.longest).toBeLessThanOrEqual(MAX_ID_LENGTH);
    expect(long.bytes).toBeLessThanOrEqual(2 * normal.bytes);
  });
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
