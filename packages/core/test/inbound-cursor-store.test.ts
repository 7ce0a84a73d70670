import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileCursorStore, MemoryCursorStore } from "../src/store/cursor-store.js";

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

  it("rejects an empty path with a clear error", () => {
    expect(() => new FileCursorStore("  ")).toThrow(/file path/);
  });
});
