// The structure rules of docs/architecture.md, kept true by a test: no source file over 500 lines
// in any package or example, and the agent runtime's import graph without cycles and with a
// longest chain of at most 6 (measured by the shared import-graph tool when it sits beside the
// repository, as in CI).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const tool = join(repo, "../shared/tools/import-graph.mjs");

/** Every `.ts`/`.tsx`/`.mjs` source file below `dir` (no tests, builds or dependencies). */
function sources(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (["node_modules", "dist", ".next", ".wrangler", "test"].includes(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (/\.(tsx?|mjs)$/.test(name) && !/\.(test|d)\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}

function roots(): string[] {
  const dirs: string[] = [];
  for (const group of ["packages", "examples"]) {
    for (const name of readdirSync(join(repo, group))) {
      for (const sub of ["src", "app", "lib"]) dirs.push(join(repo, group, name, sub));
    }
  }
  return dirs;
}

describe("architecture rules", () => {
  it("no source file of a package or an example is over 500 lines", () => {
    const files = roots().flatMap((dir) => sources(dir));
    expect(files.length).toBeGreaterThan(100);
    const long = files
      .map((f) => ({ file: relative(repo, f), lines: readFileSync(f, "utf8").split("\n").length }))
      .filter((f) => f.lines > 501) // a final newline makes one empty last element
      .map((f) => `${f.file}: ${f.lines - 1} lines`);
    expect(long).toEqual([]);
  });

  it.skipIf(!existsSync(tool))(
    "agent/ has no import cycle and a longest import chain of at most 6",
    () => {
      const report = execFileSync(
        process.execPath,
        [tool, join(repo, "packages/core/src"), "agent"],
        {
          encoding: "utf8",
        },
      );
      expect(report).toMatch(/^cycles: 0$/m);
      const chain = /^agent: .* longest chain (\d+)$/m.exec(report);
      expect(chain).not.toBeNull();
      expect(Number(chain![1])).toBeLessThanOrEqual(6);
    },
  );
});
