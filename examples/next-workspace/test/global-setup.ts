// Builds the app once per run (`next build`, no Molecule environment) for both test files, which
// only `next start` that build; its output goes to them as `inject("buildOutput")`. A failed build
// fails the run before any file, with the build's output. Not built again on a watch-mode rerun.
import type { TestProject } from "vitest/node";
import { build } from "./next-fixture.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** What the run's `next build` printed (stdout and stderr). */
    buildOutput: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  try {
    project.provide("buildOutput", await build());
  } catch (error) {
    throw new Error("next build of the app failed, so no test ran: its output is the cause below", {
      cause: error,
    });
  }
}
