// The release gate (scripts/check-release.mjs, the `release` check of `./dev test`) on a small
// repository laid out like this one: one published package, packed with pnpm, unpacked and run
// through `npm publish --dry-run`. A package.json without `repository` (as every package had before #79,
// which npm refuses for a provenance publish with E422 while its dry run says nothing) must fail it.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { repo } from "./consumer-project.js";

const url = "https://github.com/Example-Org/example-sdk";
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A complete package.json of packages/demo, as every published package here has it. */
function manifest(): Record<string, unknown> {
  return {
    name: "@example-sdk/demo",
    version: "0.1.0",
    description: "A fixture package.",
    license: "MIT",
    repository: { type: "git", url: `git+${url}.git`, directory: "packages/demo" },
    homepage: `${url}/tree/main/packages/demo#readme`,
    bugs: { url: `${url}/issues` },
    type: "module",
    files: ["index.js", "README.md"],
    exports: { ".": "./index.js" },
    publishConfig: { access: "public", provenance: true },
  };
}

/** Lays the fixture repository out; `change` edits packages/demo before it is written. */
function fixture(change: (pkg: Record<string, unknown>) => void = () => undefined): string {
  const root = mkdtempSync(join(tmpdir(), "molecule-release-check-"));
  dirs.push(root);
  const pkgDir = join(root, "packages", "demo");
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(
    join(root, "package.json"),
    JSON.stringify({
      name: "example-sdk",
      private: true,
      license: "MIT",
      repository: { type: "git", url: `git+${url}.git` },
    }),
  );
  copyFileSync(join(repo, "LICENSE"), join(root, "LICENSE"));
  copyFileSync(join(repo, "LICENSE"), join(pkgDir, "LICENSE"));
  writeFileSync(join(pkgDir, "README.md"), "# demo\n");
  writeFileSync(join(pkgDir, "index.js"), "export const demo = 1;\n");
  const pkg = manifest();
  change(pkg);
  writeFileSync(join(pkgDir, "package.json"), JSON.stringify(pkg, null, 2));
  return root;
}

function check(root: string): { status: number | null; out: string } {
  const r = spawnSync(
    process.execPath,
    [join(repo, "scripts", "check-release.mjs"), "--root", root],
    { encoding: "utf8" },
  );
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe("the release check (scripts/check-release.mjs)", () => {
  it("passes a package with its repository, homepage, bugs, LICENSE and provenance", () => {
    const r = check(fixture());
    expect(r).toMatchObject({ status: 0 });
    expect(r.out).toContain("1 packages ready to publish with provenance");
  });

  it("fails a package.json without repository, homepage and bugs (npm's E422 at publish)", () => {
    const r = check(
      fixture((pkg) => {
        delete pkg.repository;
        delete pkg.homepage;
        delete pkg.bugs;
      }),
    );
    expect(r.status).toBe(1);
    expect(r.out).toContain("packages/demo/package.json: repository must be");
    expect(r.out).toContain("homepage must be");
    expect(r.out).toContain("bugs must be");
  });

  it("fails a package whose repository.url names another repository (a fork's leftover)", () => {
    const r = check(
      fixture((pkg) => {
        pkg.repository = {
          type: "git",
          url: "git+https://github.com/Molecule-AI/molecule-sdk-ts.git",
          directory: "packages/demo",
        };
      }),
    );
    expect(r.status).toBe(1);
    expect(r.out).toContain(`"url": "git+${url}.git"`);
  });

  it("fails a package.json npm would auto-correct at publish, naming the correction", () => {
    // npm's publish rewrites `./index.js` to `index.js` and warns; it says so only for a folder.
    const r = check(fixture((pkg) => (pkg.bin = { demo: "./index.js" })));
    expect(r.status).toBe(1);
    expect(r.out).toContain("packages/demo: npm would auto-correct its package.json at publish");
    expect(r.out).toContain('"bin[demo]" script name index.js');
  });

  it("fails a package without the LICENSE it declares, or without provenance", () => {
    const root = fixture((pkg) => (pkg.publishConfig = { access: "public" }));
    rmSync(join(root, "packages", "demo", "LICENSE"));
    const r = check(root);
    expect(r.status).toBe(1);
    expect(r.out).toContain("packages/demo/LICENSE must be a copy of the root LICENSE");
    expect(r.out).toContain('publishConfig must be {"access": "public", "provenance": true}');
  });
});
