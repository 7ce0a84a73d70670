// docs/architecture.md, "The life of a message", names each step as `Class.method`: every one must
// exist in core's source (a rename that leaves the map behind fails here).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

describe("docs/architecture.md: the life of a message", () => {
  it("names only classes and methods that exist in packages/core/src", async () => {
    const doc = await readFile(join(root, "docs/architecture.md"), "utf8");
    const start = doc.indexOf("## The life of a message");
    expect(start).toBeGreaterThan(0);
    const end = doc.indexOf("\n## ", start + 1);
    const section = doc.slice(start, end < 0 ? undefined : end);
    const names = [...section.matchAll(/`([A-Z][A-Za-z0-9]*)\.(#?[a-zA-Z][A-Za-z0-9]*)`/g)];
    expect(names.length).toBeGreaterThan(20);
    const files = await Promise.all(
      (await sources(join(root, "packages/core/src"))).map(async (f) => await readFile(f, "utf8")),
    );
    const missing: string[] = [];
    for (const [, type, member] of names) {
      const decl = new RegExp(
        `^export (?:abstract )?(?:class|interface) ${type}\\b|^class ${type}\\b`,
        "m",
      );
      const body = files.find((f) => decl.test(f));
      const method = member!.replace("#", "\\#");
      const def = new RegExp(`^\\s+(?:async |static |get |readonly )*${method}\\s*[(<?:]`, "m");
      if (!body || !def.test(body.slice(body.search(decl)))) missing.push(`${type}.${member}`);
    }
    expect(missing).toEqual([]);
  });
});
