// Hands every published package's tarball (what npm would ship, as built now) to the test files
// (`inject("packed")`): the one its `check:package` task packed in this run (test-utils'
// `tarballOf`; turbo runs those first), or one packed here when that is missing or older than what
// it packs (a run of this package alone). Also the consumer projects' template, every tarball
// unpacked once (consumer-project.ts).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { tarballOf } from "@internal/test-utils";
import { createTemplate } from "./consumer-project.js";
import { publishedPackages, type PackedTarball } from "./packed.js";

const repo = new URL("../../..", import.meta.url).pathname;

declare module "vitest" {
  export interface ProvidedContext {
    /** Every published package's tarball, in the order of `publishedPackages`. */
    packed: PackedTarball[];
    /** The consumer project's template: every tarball unpacked (consumer-project.ts). */
    template: string;
  }
}

export default function setup(project: TestProject): () => void {
  const work = mkdtempSync(join(tmpdir(), "molecule-packed-"));
  const dispose = (): void => rmSync(work, { recursive: true, force: true });
  try {
    const packed: PackedTarball[] = publishedPackages.map(({ dir: pkgDir }) => {
      const dir = join(repo, "packages", pkgDir);
      const { name } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name: string;
      };
      return { name, dir, tarball: tarballOf(dir, work) };
    });
    project.provide("packed", packed);
    project.provide("template", createTemplate(packed, work, "template"));
  } catch (error) {
    dispose();
    throw error;
  }
  return dispose;
}
