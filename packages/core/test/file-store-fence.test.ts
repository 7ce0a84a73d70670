// Fencing for what reaches a state folder (issue 115): a file store held under a lease writes
// nothing once the lease is lost (its saves are refused with store_in_use, its background sync of
// the cursor file is skipped), so a holder that thawed after its successor took the folder does
// not overwrite what the successor wrote. Two agents on one folder: lease-pause.test.ts.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileStore } from "../src/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "file-store-fence-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A lease the test holds or loses. */
function lease(): { proven(): Promise<boolean>; lost: boolean } {
  return {
    lost: false,
    async proven() {
      return !this.lost;
    },
  };
}

describe("a file store held under a lease", () => {
  it("writes while the lease is proven, and nothing once it is lost", async () => {
    const path = join(dir, "a", "inbound");
    const held = lease();
    const store = fileStore(path, { lease: held });
    await store.state.save({ cursor: "row-1" });
    await store.state.flush?.();
    expect(await readFile(path, "utf8")).toBe("row-1");
    expect(await store.state.proven?.()).toBe(true);

    held.lost = true;
    const files = async (): Promise<string[]> =>
      await Promise.all(
        (await readdir(join(dir, "a")))
          .sort()
          .map(async (f) => readFile(join(dir, "a", f), "utf8")),
      );
    const before = await files();
    await expect(store.state.save({ cursor: "row-2" })).rejects.toMatchObject({
      code: "store_in_use",
      message: expect.stringContaining(`its write of ${path}.state.json is refused`),
    });
    await store.state.flush?.();
    expect(await files()).toEqual(before); // nothing written, the cursor file included
    expect(await store.state.proven?.()).toBe(false);
  });

  it("a save that came before the loss is not synced to the cursor file after it", async () => {
    const path = join(dir, "b", "inbound");
    const held = lease();
    const store = fileStore(path, { lease: held });
    await store.state.save({ cursor: "row-1" }); // the first save writes the whole state
    await store.state.flush?.();
    await store.state.save({ cursor: "row-2" }); // a journal line; the cursor file waits a second
    held.lost = true; // paused, and the folder taken, before that sync
    await store.state.flush?.();
    expect(await readFile(path, "utf8")).toBe("row-1");
  });
});
