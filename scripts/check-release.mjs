#!/usr/bin/env node
// The release gate (`./dev test` runs it after the build): every published package (packages/*,
// not private) carries what npm needs to accept a publish with provenance, checked here because the
// registry refuses it only at publish time (E422) and `npm publish --dry-run` does not ask:
//
// - `repository` {type "git", url, directory}: npm compares repository.url with the repository the
//   provenance statement names, so it must be the repository's URL (the root package.json's, one
//   value for the monorepo) and `directory` the package's folder; `homepage` and `bugs` point there.
// - a LICENSE file identical to the root one (the licence every package.json declares), and it is in
//   the tarball.
// - `publishConfig` {access "public", provenance true}.
//
// Then each package's tarball (`pnpm pack`: `workspace:` ranges rewritten, as `changeset publish`
// does; the one its check:package task packed, while fresh: test-utils' `tarballOf`) is unpacked,
// and that folder goes through `npm publish --dry-run`: a package.json npm would auto-correct (a
// `bin` it would drop, say), a tarball without its README or LICENSE, or a `workspace:` range left
// in it fails.
// Prints one line per problem and exits 1 when there is any. `--root <dir>` checks another
// repository laid out the same way (the test's fixtures).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { tarballOf } from "../internal/test-utils/src/pack.ts";

const at = process.argv.indexOf("--root");
const root = at === -1 ? resolve(import.meta.dirname, "..") : resolve(process.argv[at + 1]);
const rootPkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const license = readFileSync(join(root, "LICENSE"), "utf8");
const problems = [];

const repoUrl = rootPkg.repository?.url;
// git+https://github.com/<owner>/<repo>.git -> https://github.com/<owner>/<repo>
const web = /^git\+(https:\/\/github\.com\/[^/]+\/[^/]+?)\.git$/.exec(repoUrl ?? "")?.[1];
if (!web) {
  problems.push(
    `package.json (root): repository.url is ${JSON.stringify(repoUrl)}; set it to ` +
      `"git+https://github.com/<owner>/<repo>.git" (the repository releases are published from)`,
  );
}

const packages = readdirSync(join(root, "packages"))
  .sort()
  .map((name) => ({ name, dir: join(root, "packages", name) }))
  .filter(({ dir }) => existsSync(join(dir, "package.json")))
  .map((p) => ({ ...p, pkg: JSON.parse(readFileSync(join(p.dir, "package.json"), "utf8")) }))
  .filter(({ pkg }) => pkg.private !== true);

for (const { name, dir, pkg } of packages) {
  const where = `packages/${name}/package.json`;
  const expect = (ok, what) => ok || problems.push(`${where}: ${what}`);
  expect(pkg.license === rootPkg.license, `license is ${pkg.license}, not ${rootPkg.license}`);
  expect(
    pkg.repository?.type === "git" &&
      pkg.repository.url === repoUrl &&
      pkg.repository.directory === `packages/${name}`,
    `repository must be {"type": "git", "url": ${JSON.stringify(repoUrl)}, ` +
      `"directory": "packages/${name}"} (npm refuses a provenance publish whose repository.url ` +
      `does not name the repository it was built from); it is ${JSON.stringify(pkg.repository)}`,
  );
  if (web) {
    expect(
      pkg.homepage === `${web}/tree/main/packages/${name}#readme`,
      `homepage must be "${web}/tree/main/packages/${name}#readme"`,
    );
    expect(pkg.bugs?.url === `${web}/issues`, `bugs must be {"url": "${web}/issues"}`);
  }
  expect(
    pkg.publishConfig?.access === "public" && pkg.publishConfig?.provenance === true,
    `publishConfig must be {"access": "public", "provenance": true}`,
  );
  const own = join(dir, "LICENSE");
  expect(
    existsSync(own) && readFileSync(own, "utf8") === license,
    `packages/${name}/LICENSE must be a copy of the root LICENSE (cp LICENSE packages/${name}/)`,
  );
}

const out = mkdtempSync(join(tmpdir(), "molecule-release-"));
try {
  for (const { name, dir } of packages) {
    // The tarball check:package packed in this run, or else one packed here.
    let tarball;
    try {
      tarball = tarballOf(dir, out);
    } catch (error) {
      problems.push(`packages/${name}: ${error.message}`);
      continue;
    }
    // npm reports what it would correct only for a folder (a tarball's manifest goes through
    // pacote unchecked, and its extraction into npm's cache is most of the dry run's time): the
    // tarball is unpacked, and that folder is what npm is asked to publish.
    const unpacked = join(out, name);
    mkdirSync(unpacked);
    execFileSync("tar", ["-xzf", tarball, "-C", unpacked]);
    const folder = join(unpacked, "package");
    const dry = spawnSync("npm", ["publish", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: folder,
      encoding: "utf8",
    });
    if (dry.status !== 0) {
      problems.push(`packages/${name}: npm publish --dry-run failed\n${dry.stderr}`);
      continue;
    }
    if (/auto-corrected/i.test(dry.stderr)) {
      const what = dry.stderr
        .split("\n")
        .filter((l) => /warn publish (?!npm auto|errors corr|This command)/.test(l));
      problems.push(
        `packages/${name}: npm would auto-correct its package.json at publish (run \`npm pkg fix\` in packages/${name}):\n${what.join("\n")}`,
      );
    }
    const report = Object.values(JSON.parse(dry.stdout))[0];
    const files = new Set(report.files.map((f) => f.path));
    for (const f of ["LICENSE", "README.md", "package.json"]) {
      if (!files.has(f)) problems.push(`packages/${name}: the tarball has no ${f}`);
    }
    if (readFileSync(join(folder, "package.json"), "utf8").includes('"workspace:')) {
      problems.push(`packages/${name}: the packed package.json still has a workspace: range`);
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}

for (const p of problems) console.error(p);
console.log(
  problems.length === 0
    ? `${packages.length} packages ready to publish with provenance`
    : `${problems.length} release problem(s) in ${packages.length} packages`,
);
process.exit(problems.length === 0 ? 0 : 1);
