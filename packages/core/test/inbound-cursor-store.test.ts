import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "@internal/test-utils";
import { MemoryCursorStore } from "../src/store/cursor-store.js";
import { FileCursorStore } from "../src/store/file-cursor-store.js";

describe("MemoryCursorStore", () => {
  it("returns what was saved, undefined before", async () => {
    const store = new MemoryCursorStore();
    expect(await store.load()).toBeUndefined();
    await store.save({ cursor: "a1", seenMessageIds: ["m1"] });
    expect(await store.load()).toEqual({ cursor: "a1", seenMessageIds: ["m1"] });
  });
});

describe("FileCursorStore", () => {
  it("an empty path is a typed invalid_argument", () => {
    expect(() => new FileCursorStore(" ")).toThrow(
      expect.objectContaining({ code: "invalid_argument", retryable: false }),
    );
  });

  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "cursor-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the reference format (plain id, no newline) plus a JSON sidecar", async () => {
    const path = join(dir, "nested", "cursor");
    const store = new FileCursorStore(path);
    await store.save({ cursor: "act-XYZ", seenActivityIds: ["act-XYZ"], seenMessageIds: ["m-1"] });
    expect(await readFile(path, "utf8")).toBe("act-XYZ");
    const sidecar = JSON.parse(await readFile(`${path}.state.json`, "utf8"));
    expect(sidecar).toMatchObject({ version: 1, cursor: "act-XYZ", seenMessageIds: ["m-1"] });
    // no temp files left behind
    expect((await readdir(join(dir, "nested"))).sort()).toEqual(["cursor", "cursor.state.json"]);
    const again = new FileCursorStore(path);
    expect(await again.load()).toEqual({
      cursor: "act-XYZ",
      seenActivityIds: ["act-XYZ"],
      seenMessageIds: ["m-1"],
    });
  });

  it("reads a cursor file written by the Python reference SDK", async () => {
    const path = join(dir, "cursor");
    await writeFile(path, "act-from-python\n");
    expect(await new FileCursorStore(path).load()).toEqual({ cursor: "act-from-python" });
    expect(await new FileCursorStore(join(dir, "missing")).load()).toBeUndefined();
  });

  it("prefers the sidecar after a crash between the two writes", async () => {
    const path = join(dir, "cursor");
    const store = new FileCursorStore(path);
    await store.save({ cursor: "a1", seenActivityIds: ["a1"] });
    // Simulate a crash after the sidecar of the next save was written, before the cursor file.
    await writeFile(
      `${path}.state.json`,
      JSON.stringify({
        version: 1,
        cursor: "a2",
        previousCursor: "a1",
        seenActivityIds: ["a1", "a2"],
      }),
    );
    const loaded = await new FileCursorStore(path).load();
    expect(loaded).toEqual({ cursor: "a2", seenActivityIds: ["a1", "a2"] });
  });

  it("trusts a cursor file rewritten by another tool, keeping the de-dup window", async () => {
    const path = join(dir, "cursor");
    await new FileCursorStore(path).save({ cursor: "a1", seenActivityIds: ["a1"] });
    await new FileCursorStore(path).save({ cursor: "a2", seenActivityIds: ["a1", "a2"] });
    await writeFile(path, "a9"); // e.g. the reference SDK ran with the same --cursor-file
    expect(await new FileCursorStore(path).load()).toEqual({
      cursor: "a9",
      seenActivityIds: ["a1", "a2"],
    });
  });

  it("removes the cursor file when the cursor is reset, and refuses a corrupt sidecar", async () => {
    const path = join(dir, "cursor");
    const store = new FileCursorStore(path);
    await store.save({ cursor: "a1" });
    await store.save({ seenActivityIds: ["a1"] });
    await store.flush(); // the cursor file follows the journal within a second, or at flush
    await expect(readFile(path, "utf8")).rejects.toMatchObject({ code: "ENOENT" });
    expect(await new FileCursorStore(path).load()).toEqual({ seenActivityIds: ["a1"] });
    await writeFile(path, "a3");
    await writeFile(`${path}.state.json`, "{not json");
    // Never the plain cursor in its place: the sidecar may hold unsent answers.
    await expect(new FileCursorStore(path).load()).rejects.toMatchObject({
      code: "store_unreadable",
      path: `${path}.state.json`,
    });
  });

  it("a state file that cannot be read is a typed error naming it; a failed save leaves no temp file", async () => {
    const path = join(dir, "cursor");
    await mkdir(`${path}.state.json`); // read fails with EISDIR (root ignores file permissions)
    await expect(new FileCursorStore(path).load()).rejects.toMatchObject({
      code: "store_unreadable",
      path: `${path}.state.json`,
      message: expect.stringMatching(/EISDIR/),
    });
    await expect(new FileCursorStore(path).save({ cursor: "a1" })).rejects.toMatchObject({
      code: "store_unwritable",
      retryable: true,
      path: `${path}.state.json`,
    });
    expect((await readdir(dir)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("a save appends what changed to the journal: the sidecar is written whole only by the first", async () => {
    const path = join(dir, "cursor");
    const store = new FileCursorStore(path);
    const window = Array.from({ length: 1000 }, (_, i) => `act-${i}`);
    await store.save({ cursor: "act-999", seenActivityIds: window });
    const sidecar = await readFile(`${path}.state.json`, "utf8");
    const { journal } = JSON.parse(sidecar) as { journal: string };
    expect(journal).toMatch(/^cursor\.state\.[0-9a-f]+\.log$/);
    let last = window;
    for (let i = 1000; i < 1010; i++) {
      last = [...last.slice(1), `act-${i}`];
      await store.save({ cursor: `act-${i}`, seenActivityIds: last });
    }
    expect(await readFile(`${path}.state.json`, "utf8")).toBe(sidecar);
    const lines = (await readFile(join(dir, journal), "utf8")).split("\n").filter(Boolean);
    expect(lines).toHaveLength(10);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(120); // not the 1,000 ids
    // A process killed now (no flush): a new store object reads every save.
    expect(await new FileCursorStore(path).load()).toEqual({
      cursor: "act-1009",
      seenActivityIds: last,
    });
  });

  it("a journal line the process did not finish is left out; a corrupted one before the end fails the load", async () => {
    const path = join(dir, "cursor");
    const store = new FileCursorStore(path);
    await store.save({ cursor: "a1", seenActivityIds: ["a1"] });
    await store.save({ cursor: "a2", seenActivityIds: ["a1", "a2"] });
    const { journal } = JSON.parse(await readFile(`${path}.state.json`, "utf8")) as {
      journal: string;
    };
    const text = await readFile(join(dir, journal), "utf8");
    await writeFile(join(dir, journal), `${text}{"s":{"cursor":"a3"},"l":{"seenAc`);
    expect(await new FileCursorStore(path).load()).toEqual({
      cursor: "a2",
      seenActivityIds: ["a1", "a2"],
    });
    await writeFile(join(dir, journal), `{"s":{"cursor":"a3"\n${text}`);
    await expect(new FileCursorStore(path).load()).rejects.toMatchObject({
      code: "store_unreadable",
      message: expect.stringContaining(`corrupted journal ${journal}`),
    });
  });

  it("a sidecar an earlier version wrote loads; the first save writes it anew, still version 1", async () => {
    const path = join(dir, "cursor");
    const old = { version: 1, cursor: "a2", previousCursor: "a1", seenActivityIds: ["a1", "a2"] };
    await writeFile(`${path}.state.json`, JSON.stringify(old));
    await writeFile(path, "a2");
    const store = new FileCursorStore(path);
    expect(await store.load()).toEqual({ cursor: "a2", seenActivityIds: ["a1", "a2"] });
    await store.save({ cursor: "a3", seenActivityIds: ["a1", "a2", "a3"] });
    const sidecar = JSON.parse(await readFile(`${path}.state.json`, "utf8")) as Record<
      string,
      unknown
    >;
    // What an earlier version's loader reads: the same fields (it ignores `journal`).
    expect(sidecar).toMatchObject({
      version: 1,
      cursor: "a3",
      previousCursor: "a2",
      seenActivityIds: ["a1", "a2", "a3"],
    });
    expect(await readFile(path, "utf8")).toBe("a3");
  });

  it("a whole state an earlier version wrote loads, also after it died between its sidecar and its cursor file", async () => {
    const path = join(dir, "cursor");
    // Everything the earlier version's sidecar held (its save wrote the sidecar, then the cursor
    // file): here it died in between, so the cursor file still holds the previous cursor.
    const state = {
      cursor: "a7",
      cursorAt: "2026-11-20T10:00:00.000Z",
      startedAt: "2026-11-20T09:00:00.000Z",
      seenActivityIds: ["a5", "a6", "a7"],
      seenMessageIds: ["m5", "m6", "m7"],
      inFlight: [{ activityId: "a8", messageId: "m8", deliveries: 2 }],
      outbox: [
        {
          id: "r7",
          text: "answer to m7",
          to: { source: "peer_agent" as const, sourceId: "w1", activityId: "a7", messageId: "m7" },
          queuedAt: "2026-11-20T10:00:01.000Z",
        },
      ],
      pushDeliveries: [{ messageId: "p1", deliveries: 1 }],
      deadLetters: [
        {
          delivery: "poll" as const,
          activityId: "a4",
          messageId: "m4",
          deliveries: 5,
          deadAt: "2026-11-20T09:30:00.000Z",
        },
      ],
    };
    await writeFile(
      `${path}.state.json`,
      JSON.stringify({ version: 1, ...state, previousCursor: "a6" }),
    );
    await writeFile(path, "a6");
    const store = new FileCursorStore(path);
    expect(await store.load()).toEqual(state);
    // It goes on from there: the next save and a fresh load see the whole state.
    await store.save({ ...state, inFlight: [] });
    expect(await new FileCursorStore(path).load()).toEqual({ ...state, inFlight: [] });
    expect(await readFile(path, "utf8")).toBe("a7");
  });

  it("folds the journal into a new sidecar once it outgrows it, and removes the old journal", async () => {
    const path = join(dir, "cursor");
    const store = new FileCursorStore(path);
    await store.save({ cursor: "a0" });
    const first = (JSON.parse(await readFile(`${path}.state.json`, "utf8")) as { journal: string })
      .journal;
    const big = "x".repeat(10_000);
    for (let i = 1; i <= 120; i++) await store.save({ cursor: `a${i}`, startedAt: `${big}${i}` });
    const { journal } = JSON.parse(await readFile(`${path}.state.json`, "utf8")) as {
      journal: string;
    };
    expect(journal).not.toBe(first);
    expect((await readdir(dir)).filter((n) => n.endsWith(".log"))).toEqual([journal]);
    expect(await new FileCursorStore(path).load()).toEqual({
      cursor: "a120",
      startedAt: `${big}120`,
    });
  });

  it("the cursor file trails the journal: rewritten by flush(), or a second after a save", async () => {
    const path = join(dir, "cursor");
    const store = new FileCursorStore(path);
    await store.save({ cursor: "a1", seenActivityIds: ["a1"] });
    await store.save({ cursor: "a2", seenActivityIds: ["a1", "a2"] });
    expect(await readFile(path, "utf8")).toBe("a1");
    // Killed now: the cursor file is its own (the journal's state wins), not another tool's.
    expect(await new FileCursorStore(path).load()).toEqual({
      cursor: "a2",
      seenActivityIds: ["a1", "a2"],
    });
    await store.flush();
    expect(await readFile(path, "utf8")).toBe("a2");
    await store.save({ cursor: "a3", seenActivityIds: ["a1", "a2", "a3"] });
    await waitFor(async () => (await readFile(path, "utf8")) === "a3", { timeoutMs: 30_000 });
    // Killed between the journal's note of a new cursor file and its rename: still its own.
    await store.save({ cursor: "a4", seenActivityIds: ["a2", "a3", "a4"] });
    const { journal } = JSON.parse(await readFile(`${path}.state.json`, "utf8")) as {
      journal: string;
    };
    await writeFile(
      join(dir, journal),
      `${await readFile(join(dir, journal), "utf8")}{"f":"a4"}\n`,
    );
    expect(await new FileCursorStore(path).load()).toEqual({
      cursor: "a4",
      seenActivityIds: ["a2", "a3", "a4"],
    });
    // Another tool wrote it: that cursor wins, the de-dup window is kept.
    await writeFile(path, "a9");
    expect(await new FileCursorStore(path).load()).toEqual({
      cursor: "a9",
      seenActivityIds: ["a2", "a3", "a4"],
    });
  });

  it("syncEverySave: every save is synced before it resolves, and reads back the same", async () => {
    const path = join(dir, "cursor");
    const store = new FileCursorStore(path, { syncEverySave: true });
    await store.save({ cursor: "a1" });
    await store.save({ cursor: "a2", seenActivityIds: ["a1", "a2"] });
    expect(await new FileCursorStore(path).load()).toEqual({
      cursor: "a2",
      seenActivityIds: ["a1", "a2"],
    });
  });

  it("rejects an empty path with a clear error", () => {
    expect(() => new FileCursorStore("  ")).toThrow(/file path/);
  });
});
