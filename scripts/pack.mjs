// `./dev pack [--out <dir>]`: builds every publishable package (packages/*, not private) and packs
// each with `pnpm pack` into one folder (default: packed/), `workspace:` ranges rewritten to the
// packed versions, then prints the `npm install` line naming every tarball. Until the packages are
// published, that set installs as is (the CLI and MCP tarballs need the core tarball beside them).
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { tarballOf } from "../internal/test-utils/src/pack.ts";

const root = resolve(import.meta.dirname, "..");
const at = process.argv.indexOf("--out");
const out = resolve(at === -1 ? join(root, "packed") : process.argv[at + 1]);

const packages = readdirSync(join(root, "packages"))
  .sort()
  .map((name) => join(root, "packages", name))
  .filter((dir) => existsSync(join(dir, "package.json")))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
  .filter(({ pkg }) => pkg.private !== true);

const filters = packages.flatMap(({ pkg }) => ["--filter", pkg.name]);
execFileSync("pnpm", ["exec", "turbo", "run", "build", ...filters, "--output-logs=errors-only"], {
  cwd: root,
  stdio: ["ignore", process.stderr, "inherit"], // stdout carries only the install line
});

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const { dir } of packages) {
  // The tarball check:package packed, when nothing it packs changed since; else packed now.
  const tarball = tarballOf(dir, out);
  if (dirname(tarball) !== out) copyFileSync(tarball, join(out, basename(tarball)));
}
const tarballs = readdirSync(out)
  .filter((f) => f.endsWith(".tgz"))
  .sort();
process.stderr.write(`packed ${tarballs.length} packages into ${out}\n`);
process.stderr.write("install them (all, or the ones you use plus molecule-ai-agent-core) with:\n");
console.log(`npm install ${tarballs.map((f) => join(out, f)).join(" ")}`);
