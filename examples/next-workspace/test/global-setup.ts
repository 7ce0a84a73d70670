// The app's build for both test files, which only `next start` it: scripts/build.ts, kept when it is
// newer than every input (turbo's build:next task builds once per CI run, before this package's
// tests and the serverless benchmark's smoke run). Its output goes to the files as
// `inject("buildOutput")`. A failed build fails the run before any file, with the build's output.
import type { TestProject } from "vitest/node";
import { build } from "../scripts/build.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** What the app's `next build` printed (stdout and stderr). */
    buildOutput: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  try {
    project.provide("buildOutput", (await build(true)).output);
  } catch (error) {
    throw new Error("next build of the app failed, so no test ran: its output is the cause below", {
      cause: error,
    });
  }
}
