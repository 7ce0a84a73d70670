// Consumer tests: a package packed exactly as npm would publish it, unpacked into throwaway
// projects that load it by name.
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { newestChange } from "@internal/test-utils/newest-change";

/** A package packed by {@link packPackage}. */
export interface PackedPackage {
  /** The package's name (from its `package.json`). */
  name: string;
  /** The package's folder; its `node_modules` provides the dependencies linked into projects. */
  dir: string;
  /** A fresh temporary folder holding the tarball and the projects. */
  work: string;
  /** The package's tarball ({@link tarballOf}). */
  tarball: string;
  /** Removes `work` and everything in it. */
  dispose(): void;
}

/**
 * The tarball the package's `check:package` task packed into `<dir>/.pack`, when nothing it was
 * packed from changed since: what its package.json's `files` names, the package.json, README.md,
 * LICENSE, CHANGELOG.md, and the package.json of each `workspace:` dependency (pnpm writes their
 * versions into it). Otherwise undefined (pack it yourself). Packing is the same work wherever it
 * is done, so a run packs each package once (turbo runs `check:package` before the tests that read
 * it; nothing writes `.pack` while they run).
 */
function freshPack(dir: string): string | undefined {
  const packDir = join(dir, ".pack");
  const tarballs = existsSync(packDir)
    ? readdirSync(packDir).filter((f) => f.endsWith(".tgz"))
    : [];
  if (tarballs.length !== 1) return undefined;
  const tarball = join(packDir, tarballs[0]!);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
    files?: string[];
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  const sources = [
    ...(pkg.files ?? []).filter((f) => !f.startsWith("!")),
    "package.json",
    "README.md",
    "LICENSE",
    "CHANGELOG.md",
  ].map((f) => join(dir, f));
  const ranges = { ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies };
  for (const [name, range] of Object.entries(ranges)) {
    if (range.startsWith("workspace:"))
      sources.push(join(dir, "node_modules", name, "package.json"));
  }
  return newestChange(sources) < statSync(tarball).mtimeMs ? tarball : undefined;
}

/**
 * The package at `dir` as npm would publish it (its `files`, as built now): {@link freshPack}'s
 * tarball, or else one `pnpm pack` writes into the folder `out`. Returns the tarball's path; throws
 * with pnpm's output when it cannot pack.
 */
export function tarballOf(dir: string, out: string): string {
  const fresh = freshPack(dir);
  if (fresh) return fresh;
  try {
    const packed = execFileSync("pnpm", ["pack", "--json", "--pack-destination", out], {
      cwd: dir,
      encoding: "utf8",
      stdio: "pipe",
    });
    return (JSON.parse(packed) as { filename: string }).filename;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`pnpm pack failed in ${dir}:\n${stderr ?? ""}${stdout ?? ""}`, {
      cause: error,
    });
  }
}

/**
 * The package at `dir` as npm would publish it ({@link tarballOf}), with a new temporary folder
 * named after `prefix` for the projects made from it (and the tarball, when packed now).
 */
export function packPackage(dir: string, prefix = "molecule-consumer-"): PackedPackage {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const dispose = (): void => rmSync(work, { recursive: true, force: true });
  try {
    const { name } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      name: string;
    };
    return { name, dir, work, tarball: tarballOf(dir, work), dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

/**
 * Creates the project `<work>/<name>` (a `package.json` with `type`) with the tarball unpacked in
 * its `node_modules` under the package's name, and links to the package's dependencies plus
 * `alsoLink` (e.g. the peers an app brings itself), all resolved from the package's own
 * `node_modules`. Returns the project's folder.
 */
export function unpackInto(
  packed: PackedPackage,
  name: string,
  type: "module" | "commonjs",
  alsoLink: readonly string[] = [],
): string {
  const project = join(packed.work, name);
  const installed = join(project, "node_modules", packed.name);
  mkdirSync(installed, { recursive: true });
  writeFileSync(join(project, "package.json"), JSON.stringify({ name, private: true, type }));
  execFileSync("tar", ["-xzf", packed.tarball, "-C", installed, "--strip-components=1"]);
  const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  for (const dep of [...Object.keys(manifest.dependencies ?? {}), ...alsoLink]) {
    const at = join(project, "node_modules", dep);
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(realpathSync(join(packed.dir, "node_modules", dep)), at, "dir");
  }
  return project;
}
