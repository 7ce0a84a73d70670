// Hands every published package's tarball (what npm would ship, as built now) to the test files
// (`inject("packed")`), which unpack them into projects of their own: the one each package's
// `check:package` task packed in this run (`freshPack`: turbo runs those first), or, when that is
// missing or older than what it packs (a run of this package alone), one packed here, once; and
// the consumer projects' template, every tarball unpacked once (consumer-project.ts).
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { freshPack } from "@internal/test-utils";
import { createTemplate } from "./consumer-project.js";
import { publishedPackages, type PackedTarball } from "./packed.js";

const run = promisify(execFile);
const repo = new URL("../../..", import.meta.url).pathname;

declare module "vitest" {
  export interface ProvidedContext {
    /** Every published package's tarball, in the order of `publishedPackages`. */
    packed: PackedTarball[];
    /** The consumer project's template: every tarball unpacked (consumer-project.ts). */
    template: string;
  }
}

/** One package's fresh tarball, or else `pnpm pack`'s into a folder of its own under `work`. */
async function pack(work: string, pkgDir: string): Promise<PackedTarball> {
  const dir = join(repo, "packages", pkgDir);
  const { name } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string };
  const fresh = freshPack(dir);
  if (fresh) return { name, dir, tarball: fresh };
  const out = join(work, pkgDir);
  mkdirSync(out);
  await run("pnpm", ["pack", "--pack-destination", out], { cwd: dir });
  const file = readdirSync(out).find((f) => f.endsWith(".tgz"));
  if (!file) throw new Error(`pnpm pack produced no tarball for packages/${pkgDir}`);
  return { name, dir, tarball: join(out, file) };
}

export default async function setup(project: TestProject): Promise<() => void> {
  const work = mkdtempSync(join(tmpdir(), "molecule-packed-"));
  const dispose = (): void => rmSync(work, { recursive: true, force: true });
  try {
    // Three at a time: a pack is mostly reading files and gzip, and there are nine.
    const dirs = publishedPackages.map((p) => p.dir);
    const packed: PackedTarball[] = [];
    for (let i = 0; i < dirs.length; i += 3) {
      packed.push(...(await Promise.all(dirs.slice(i, i + 3).map((d) => pack(work, d)))));
    }
    project.provide("packed", packed);
    project.provide("template", createTemplate(packed, work, "template"));
  } catch (error) {
    dispose();
    throw error;
  }
  return dispose;
}
