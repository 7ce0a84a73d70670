// docs/architecture.md, "The life of a message", names each step as `Class.method`: every one must
// exist in core's source (a rename that leaves the map behind fails here). A polled message walks
// the same stages as a pushed one, and the rules the doc calls shared live in admit/ only.
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

  it("walks a polled message through the same stages, the shared rules in admit/ only", async () => {
    const doc = await readFile(join(root, "docs/architecture.md"), "utf8");
    const start = doc.indexOf("## The life of a message");
    const section = doc.slice(start, doc.indexOf("\n## ", start + 1));
    const polled = section.slice(section.indexOf("**A polled message**"));
    // The stages, in order, each a numbered step naming its stage's class.
    const steps = [...polled.matchAll(/^\d\. (\w+): /gm)].map((m) => m[1]);
    expect(steps).toEqual(["Source", "Admit", "Route", "Run", "Answer"]);
    for (const stage of ["Admission.", "Router.", "Dispatcher.", "Answers."]) {
      expect(polled).toContain(`\`${stage}`);
    }
    // The table: shared rules name Admission's classes, poll's own name PollCursor's.
    const table = section.slice(
      section.indexOf("| rule"),
      section.indexOf("\n\n", section.indexOf("| rule")),
    );
    const rows = [...table.matchAll(/^\| ([^|]+) \| ([^|]*) \| ([^|]*) \|$/gm)].slice(2);
    expect(rows.length).toBeGreaterThan(6);
    const shared = rows.filter((r) => r[2]!.trim() !== "");
    const own = rows.filter((r) => r[3]!.trim() !== "");
    expect(shared.map((r) => r[1]!.trim())).toContain("de-duplication by `messageId`");
    expect(own.map((r) => r[1]!.trim())).toContain("backfill on a first start");
    for (const r of shared) expect(r[2]).toMatch(/`(Admission|PollJournal)\./);
    for (const r of own) expect(r[3]).toMatch(/^(?: ?`PollCursor\.\w+`,?)+ *$/);
    // The poll source keeps no de-duplication window or crash journal of its own.
    const dir = join(root, "packages/core/src/agent/source");
    const poll = (await sources(dir)).filter((f) => /\/poll-[^/]*\.ts$/.test(f));
    expect(poll.length).toBeGreaterThan(2);
    for (const f of poll) {
      const kept = (await readFile(f, "utf8")).match(/new BoundedSet|InFlightEntry|seenActivity/g);
      expect({ file: f, kept }).toEqual({ file: f, kept: null });
    }
  });
});
