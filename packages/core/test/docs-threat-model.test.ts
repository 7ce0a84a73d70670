// docs/security.md, "Threat model", names for each surface the test that proves its rule, as
// `<file>` › "<test name>". Every listed file must exist and hold a test of that name, so a test
// renamed or deleted without the page fails here.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** The threat-model table's rows: surface and the tests its last column names. */
async function threatModel(): Promise<{ surface: string; tests: [string, string][] }[]> {
  const doc = await readFile(join(root, "docs/security.md"), "utf8");
  const start = doc.indexOf("## Threat model");
  expect(start).toBeGreaterThan(0);
  const end = doc.indexOf("\n## ", start + 1);
  const rows = doc
    .slice(start, end < 0 ? undefined : end)
    .split("\n")
    .filter((l) => l.startsWith("| ") && !/^\|\s*-/.test(l) && !l.startsWith("| surface"));
  return rows.map((row) => {
    const cells = row.split(" | ");
    const tests = [...cells.at(-1)!.matchAll(/`([^`]+\.test\.ts)` › "([^"]+)"/g)].map(
      (m) => [m[1]!, m[2]!] as [string, string],
    );
    return { surface: cells[0]!.replace(/^\|\s*/, ""), tests };
  });
}

describe("docs/security.md: the threat model", () => {
  it("names for every surface at least one test, and every named test exists", async () => {
    const rows = await threatModel();
    expect(rows.length).toBeGreaterThanOrEqual(20);
    const untested = rows.filter((r) => r.tests.length === 0).map((r) => r.surface);
    expect(untested).toEqual([]);
    const missing: string[] = [];
    for (const { tests } of rows)
      for (const [file, name] of tests) {
        const path = join(root, file);
        if (!existsSync(path)) {
          missing.push(`${file} (no such file)`);
          continue;
        }
        const source = await readFile(path, "utf8");
        // The name as written in the test's source: the start of an it/test/describe title.
        const quoted = [`"${name}`, `'${name}`, `\`${name}`];
        if (!quoted.some((q) => source.includes(q))) missing.push(`${file} › "${name}"`);
      }
    expect(missing).toEqual([]);
  });
});
