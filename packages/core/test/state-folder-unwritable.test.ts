// A state folder that cannot be created names the real cause (issue 99 item 7): the README
// quickstart, with the default state folder `<home>/.molecule` under a home on a read-only file
// system (a real read-only tmpfs mount: needs root) or a home its user may not write (mode 0555,
// the quickstart run as user `nobody`: root's writes ignore the mode), ends with one line saying
// EROFS or EACCES for the nearest existing folder, not a recursive mkdir's ENOENT, and no error code
// printed twice.
import { spawn, spawnSync } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "@molecule-ai/platform-emulator";
import { readmeBlock } from "@internal/test-utils";
import { FileTokenStore } from "../src/index.js";
import { mountable, mountTmpfs } from "./fixtures/tiny-fs.js";

/** The user and group `nobody` (Linux's overflow ids). */
const NOBODY = 65_534;

/**
 * Why `nobody` cannot run this Node in this package's folder, or undefined when it can: a clone
 * under a folder only its owner may enter (`mktemp -d`'s 0700) keeps it out, which is the
 * checkout's doing, not the SDK's.
 */
function nobodyCannotRun(): string | undefined {
  const cwd = fileURLToPath(new URL("..", import.meta.url));
  const run = spawnSync(process.execPath, ["-e", ""], { cwd, uid: NOBODY, gid: NOBODY });
  if (run.error === undefined && run.status === 0) return undefined;
  return `user nobody cannot run ${process.execPath} in ${cwd} (${run.error?.message ?? `exit ${run.status}`}): put the checkout where every user may enter`;
}

let emu: Emulator;
let code: string;
const cleanups: Array<() => unknown> = [];
beforeAll(async () => {
  emu = await startEmulator();
  code = await readmeBlock(new URL("../README.md", import.meta.url), "## Quickstart");
});
afterAll(async () => {
  for (const c of cleanups.splice(0).toReversed()) await c();
  await emu.close();
});

/** Runs the quickstart with `home` as its home folder (as `uid`, when given) until it exits. */
async function quickstart(
  home: string,
  uid?: number,
): Promise<{ exit: number | null; err: string }> {
  const ws = await emu.admin.createWorkspace({ name: "quickstart", deliveryMode: "poll" });
  const child = spawn(process.execPath, ["--input-type=module-typescript", "-e", code], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: {
      PATH: process.env.PATH ?? "",
      HOME: home,
      MOLECULE_PLATFORM_URL: emu.url,
      MOLECULE_WORKSPACE_ID: ws.id,
      MOLECULE_WORKSPACE_TOKEN: ws.token!,
    },
    stdio: ["ignore", "ignore", "pipe"],
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  let err = "";
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  // A child that cannot start (its user may not run this Node) fails here, naming why.
  const exit = await new Promise<number | null>((resolve, reject) => {
    child.once("exit", (c) => resolve(c));
    child.once("error", (e) =>
      reject(new Error(`${process.execPath} did not start: ${e.message}`)),
    );
  });
  return { exit, err };
}

describe.skipIf(!mountable)("a state folder that cannot be created (needs root)", () => {
  it("a home on a read-only file system: one line saying EROFS for the home folder", async () => {
    const fs = mountTmpfs({ readOnly: true });
    cleanups.push(() => fs.unmount());
    const { exit, err } = await quickstart(fs.dir);
    expect(exit).toBe(1);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).toContain(
      `EROFS: read-only file system, mkdir '${join(fs.dir, ".molecule")}' (the nearest existing folder: ${fs.dir})`,
    );
    expect(err).toContain("set MOLECULE_STATE_DIR to a writable folder");
    expect(err).not.toContain("ENOENT");
    expect(err).not.toMatch(/\b(E[A-Z]+): \1\b/); // no code printed twice
  });

  it("a token store on a read-only file system: a token_store_error saying EROFS", async () => {
    const fs = mountTmpfs({ readOnly: true });
    cleanups.push(() => fs.unmount());
    const dir = join(fs.dir, ".molecule", "ws-1");
    const store = new FileTokenStore({ workspaceId: "ws-1", dir });
    await expect(store.save("a".repeat(32))).rejects.toMatchObject({
      code: "token_store_error",
      message: expect.stringContaining(
        `(EROFS: read-only file system, mkdir '${join(fs.dir, ".molecule")}' (the nearest existing folder: ${fs.dir}))`,
      ),
    });
  });

  it("a home its user may not write: one line saying EACCES for the home folder", async ({
    skip,
  }) => {
    const cannot = nobodyCannotRun();
    if (cannot !== undefined) skip(cannot);
    const home = await mkdtemp(join(tmpdir(), "unwritable-home-"));
    cleanups.push(() => rm(home, { recursive: true, force: true }));
    await chmod(home, 0o555);
    const { exit, err } = await quickstart(home, NOBODY);
    expect(exit).toBe(1);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).toContain(
      `EACCES: permission denied, mkdir '${join(home, ".molecule")}' (the nearest existing folder: ${home})`,
    );
    expect(err).not.toContain("ENOENT");
    expect(err).not.toMatch(/\b(E[A-Z]+): \1\b/);
  });
});
