// Upgrades stay safe: the file store's state as 59a7c87 wrote it (fixtures/state-format/v1-59a7c87,
// written by fixtures/state-format/generate.mjs: an agent killed with an answer in its outbox and a
// message in flight) is read by every later build, cursor, de-duplication, outbox and in-flight
// entries included; a state in a format this build does not know (a newer SDK wrote it, then a
// rollback) fails with a typed store_format_unknown error and is left untouched, never wiped.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { startEmulator } from "@molecule-ai/platform-emulator";
import { FileCursorStore, fileStore, PlatformClient, RemoteAgent } from "../src/index.js";
import { FilePendingApprovals, FileTaskStore, MoleculeStoreError } from "../src/store/index.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/state-format/v1-59a7c87/", import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A copy of the fixture (tests never write into it); returns its folder. */
function copyFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), "state-format-"));
  dirs.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

/** Every file of `dir` and its bytes. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

describe("the file store's state as 59a7c87 wrote it", () => {
  it("loads with its cursor, de-duplication, outbox and in-flight entries", async () => {
    const dir = copyFixture();
    const state = await new FileCursorStore(join(dir, "inbound")).load();
    const cursor = readFileSync(join(dir, "inbound"), "utf8");
    expect(state?.cursor).toBe(cursor);
    expect(state?.seenActivityIds).toHaveLength(5);
    expect(state?.seenActivityIds?.at(-1)).toBe(cursor);
    const seen = (state?.seenMessageIds ?? []).map((k) => k.split("\n")[1]);
    expect(seen).toEqual(["msg-1", "msg-2", "msg-3", "msg-4", "msg-outbox"]);
    expect(state?.outbox).toEqual([
      expect.objectContaining({
        text: "answer to undeliverable",
        to: expect.objectContaining({ source: "peer_agent", messageId: "msg-outbox" }),
        queuedAt: expect.any(String),
      }),
    ]);
    expect(state?.inFlight).toEqual([
      expect.objectContaining({ messageId: "msg-in-flight", deliveries: 1 }),
    ]);
  });

  it("is saved again by this build and reads back the same", async () => {
    const dir = copyFixture();
    const path = join(dir, "inbound");
    const before = await new FileCursorStore(path).load();
    await new FileCursorStore(path).save(before!);
    expect(await new FileCursorStore(path).load()).toEqual(before);
  });
});

/** The fixture with its sidecar's version set to `version`. */
function futureState(version: number): string {
  const dir = copyFixture();
  const file = join(dir, "inbound.state.json");
  const sidecar = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...sidecar, version, newField: { kept: true } }));
  return dir;
}

describe("a state in a format this build does not know", () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).toReversed()) await c();
  });

  it("the state file: store_format_unknown naming the version, the files left as they were", async () => {
    const dir = futureState(2);
    const files = snapshot(dir);
    const err = await new FileCursorStore(join(dir, "inbound")).load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MoleculeStoreError);
    expect(err).toMatchObject({
      code: "store_format_unknown",
      retryable: false,
      path: join(dir, "inbound.state.json"),
    });
    expect((err as Error).message).toContain("format version 2, which this version");
    expect(snapshot(dir)).toEqual(files);
  });

  it("an agent on it fails at start with that error and leaves the files as they were", async () => {
    const dir = futureState(7);
    const files = snapshot(dir);
    const emu = await startEmulator();
    cleanups.push(() => emu.close());
    const w = await emu.admin.createWorkspace({ name: "rolled-back", deliveryMode: "poll" });
    const client = new PlatformClient({ platformUrl: emu.url, workspaceId: w.id, token: w.token! });
    cleanups.push(() => client.close());
    const agent = new RemoteAgent({
      client,
      store: fileStore(join(dir, "inbound")),
      handler: () => "never",
    });
    cleanups.push(() => agent.stop());
    await expect(agent.start()).rejects.toMatchObject({ code: "store_format_unknown" });
    expect(snapshot(dir)).toEqual(files);
  });

  it("the A2A task file and the pending approvals file: the same error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "state-format-"));
    dirs.push(dir);
    writeFileSync(join(dir, "tasks"), `${JSON.stringify({ version: 3, journal: "x" })}\n`);
    const tasks = new FileTaskStore(join(dir, "tasks"));
    await expect(tasks.get("t", "w")).rejects.toMatchObject({ code: "store_format_unknown" });
    writeFileSync(join(dir, "approvals.json"), JSON.stringify({ version: 2, pending: {} }));
    const approvals = new FilePendingApprovals(join(dir, "approvals.json"));
    await expect(approvals.list()).rejects.toMatchObject({ code: "store_format_unknown" });
  });
});
