// Consumer smoke test: the packed tarball of @molecule-ai/agent-core (exactly what npm would
// publish) is unpacked into throwaway ESM and CommonJS projects, which load it by package name
// through its `exports` map and call a real function.
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const coreDir = fileURLToPath(new URL("../../../packages/core", import.meta.url));
let work: string;
let tarball: string;

/** Creates a project whose node_modules holds the unpacked tarball and links to its dependencies. */
function makeProject(name: string, type: "module" | "commonjs"): string {
  const dir = join(work, name);
  const pkgDir = join(dir, "node_modules", "@molecule-ai", "agent-core");
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, type }));
  execFileSync("tar", ["-xzf", tarball, "-C", pkgDir, "--strip-components=1"]);
  const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  for (const dep of Object.keys(manifest.dependencies ?? {})) {
    const target = realpathSync(join(coreDir, "node_modules", dep));
    const link = join(dir, "node_modules", dep);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, "dir");
  }
  return dir;
}

const expected = "d6613bd39a97d368b8e50d69bf5283a7c0574a2ea87db986303fab6d4654df52";

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "molecule-consumer-"));
  execFileSync("pnpm", ["pack", "--pack-destination", work], { cwd: coreDir, stdio: "pipe" });
  const file = readdirSync(work).find((f) => f.endsWith(".tgz"));
  if (!file) throw new Error("pnpm pack produced no tarball");
  tarball = join(work, file);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("@molecule-ai/agent-core as published", () => {
  it("loads with import from an ESM project", () => {
    const dir = makeProject("esm-consumer", "module");
    writeFileSync(
      join(dir, "index.js"),
      `import { makeIdempotencyKey } from "@molecule-ai/agent-core";\nconsole.log(makeIdempotencyKey("hello", 1714600000900));\n`,
    );
    const out = execFileSync(process.execPath, ["index.js"], { cwd: dir, encoding: "utf8" });
    expect(out.trim()).toBe(expected);
  });

  it("loads with require() from a CommonJS project", () => {
    const dir = makeProject("cjs-consumer", "commonjs");
    writeFileSync(
      join(dir, "index.js"),
      `const { makeIdempotencyKey } = require("@molecule-ai/agent-core");\nconsole.log(makeIdempotencyKey("hello", 1714600000900));\n`,
    );
    const out = execFileSync(process.execPath, ["index.js"], { cwd: dir, encoding: "utf8" });
    expect(out.trim()).toBe(expected);
  });

  it("ships only built files, sources and docs", () => {
    const listing = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n");
    expect(listing).toContain("package/dist/index.js");
    expect(listing).toContain("package/dist/index.d.ts");
    expect(listing.some((f) => f.endsWith(".test.ts"))).toBe(false);
  });
});
