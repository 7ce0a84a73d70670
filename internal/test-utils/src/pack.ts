// Consumer tests: a package packed exactly as npm would publish it, unpacked into throwaway
// projects that load it by name.
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

/** A package packed by {@link packPackage}. */
export interface PackedPackage {
  /** The package's name (from its `package.json`). */
  name: string;
  /** The package's folder; its `node_modules` provides the dependencies linked into projects. */
  dir: string;
  /** A fresh temporary folder holding the tarball and the projects. */
  work: string;
  /** The tarball `pnpm pack` wrote. */
  tarball: string;
  /** Removes `work` and everything in it. */
  dispose(): void;
}

/**
 * Packs the package at `dir` with `pnpm pack` (what npm would publish: its `files`, as built now)
 * into a new temporary folder named after `prefix`.
 */
export function packPackage(dir: string, prefix = "molecule-consumer-"): PackedPackage {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const dispose = (): void => rmSync(work, { recursive: true, force: true });
  try {
    execFileSync("pnpm", ["pack", "--pack-destination", work], { cwd: dir, stdio: "pipe" });
    const file = readdirSync(work).find((f) => f.endsWith(".tgz"));
    if (!file) throw new Error("pnpm pack produced no tarball");
    const { name } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      name: string;
    };
    return { name, dir, work, tarball: join(work, file), dispose };
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
