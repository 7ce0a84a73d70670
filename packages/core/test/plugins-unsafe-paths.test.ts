// Every archive entry path the SDK refuses is reported as `unsafe_path` (never as a corrupt
// archive), whichever separator or spelling it uses, and nothing is written outside the folder.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { extractPluginArchive, PluginInstallError } from "../src/public/plugins.js";
import { isMoleculeError } from "../src/index.js";
import { isTarPathProblem } from "../src/plugins/entry-path.js";
import { tgz } from "./plugins-fixtures.js";

const root = mkdtempSync(join(tmpdir(), "unsafe-paths-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const REFUSED = [
  "..\\..\\x",
  "..\\x",
  "a\\..\\..\\x",
  "x/..\\..\\..\\y",
  "a\\..\\b",
  "../x",
  "./../x",
  "a/./../../x",
  "..",
  "../",
  "a/../..",
  "/etc/passwd",
  "\\x",
  "\\\\server\\share\\x",
  "C:\\x",
  "C:x",
  "c:/x",
];

describe("refused entry paths", () => {
  it.each(REFUSED)("%j is unsafe_path, and nothing lands outside", async (entry) => {
    const box = mkdtempSync(join(root, "box-"));
    const dest = join(box, "plugin");
    mkdirSync(dest);
    const err = await extractPluginArchive(
      Readable.from([tgz([{ path: entry, body: "x" }])]),
      dest,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PluginInstallError);
    expect((err as PluginInstallError).code).toBe("unsafe_path");
    expect(isMoleculeError(err, "unsafe_path")).toBe(true);
    expect((err as Error).message).toMatch(/unsafe; do not install it/);
    expect(readdirSync(box)).toEqual(["plugin"]);
    expect(readdirSync(dest)).toEqual([]);
  });

  it("a name with a backslash but no .. segment is an ordinary file", async () => {
    const dest = mkdtempSync(join(root, "ok-"));
    const r = await extractPluginArchive(
      Readable.from([tgz([{ path: "a\\b.txt", body: "x" }])]),
      dest,
    );
    expect(r.files).toBe(1);
  });

  it("paths the tar unpacker refuses itself are path problems, not corruption", () => {
    expect(isTarPathProblem("path contains '..'")).toBe(true);
    expect(isTarPathProblem("stripping / from absolute path")).toBe(true);
    expect(isTarPathProblem("TAR_BAD_ARCHIVE: Unrecognized archive format")).toBe(false);
    expect(isTarPathProblem("Truncated input (needed 512 more bytes, only 0 available)")).toBe(
      false,
    );
  });
});
