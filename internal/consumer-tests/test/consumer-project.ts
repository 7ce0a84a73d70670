// One throwaway consumer project holding the packed tarballs of every published package (exactly
// what npm would ship) beside the frameworks an application brings itself. Shared by the type
// matrix (types.test.ts) and the README code check (readme-blocks.test.ts).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { unpackInto } from "@internal/test-utils";
import type { PackedPackage } from "@internal/test-utils";
import { inject } from "vitest";
import { withWorkFolder, type PackedTarball } from "./packed.js";

export { publishedPackages } from "./packed.js";

const here = dirname(fileURLToPath(import.meta.url));
export const repo = join(here, "../../..");
const require = createRequire(import.meta.url);

/**
 * What an application brings itself: the adapters' peer dependencies, Node's types, and the MCP
 * client a host built on @molecule-ai/mcp installs (the v1 SDK or the v2 client: the packed mcp
 * depends on the v2 server only, so a consumer that imports a client must install it).
 */
const appDependencies = [
  "@langchain/core",
  "@langchain/langgraph",
  "langchain",
  "ai",
  "zod",
  "@nestjs/common",
  "@nestjs/core",
  "reflect-metadata",
  "rxjs",
  "@openai/agents",
  "@modelcontextprotocol/sdk",
  "@modelcontextprotocol/client",
  "@types/node",
];

/** A consumer project: its folder and the tarballs in it. */
export interface ConsumerProject {
  dir: string;
  /** Links more of this package's (devDependencies) `node_modules` entries into the project. */
  link(name: string): void;
  dispose(): void;
}

/** Links `name` from `fromDir`'s node_modules into `project` unless it already has it. */
function linkDependency(project: string, name: string, fromDir: string): void {
  const at = join(project, "node_modules", name);
  if (existsSync(at)) return;
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(realpathSync(join(fromDir, "node_modules", name)), at, "dir");
}

/** Unpacks one more tarball into the project (beside the first) with its missing dependencies. */
function addPacked(project: string, pkg: PackedPackage): void {
  const installed = join(project, "node_modules", pkg.name);
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", pkg.tarball, "-C", installed, "--strip-components=1"]);
  const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  for (const dep of Object.keys(manifest.dependencies ?? {})) {
    linkDependency(project, dep, pkg.dir);
  }
}

/**
 * Lays out `<work>/<name>` as the consumer project's template: every published package's tarball
 * unpacked into its node_modules (what npm would ship), with their dependencies and what an
 * application brings itself linked in. global-setup.ts makes it once per run.
 */
export function createTemplate(
  packed: readonly PackedTarball[],
  work: string,
  name: string,
): string {
  const [core, ...rest] = packed.map((p) => ({ ...p, work, dispose: () => {} }));
  const dir = unpackInto(core!, name, "module");
  for (const pkg of rest) addPacked(dir, pkg);
  const consumerTests = join(here, "..");
  for (const dep of appDependencies) linkDependency(dir, dep, consumerTests);
  return dir;
}

/**
 * A project `<tmp>/<name>` (an ESM package) holding the run's template's node_modules (see
 * {@link createTemplate}), its files hard-linked: unpacking the tarballs again for each project
 * was most of a project's cost. A test adds files and links to the project; it changes none of
 * the packages' own files (they are the template's too).
 */
export function createConsumerProject(name: string): ConsumerProject {
  const [core] = withWorkFolder(inject("packed"), "molecule-types-");
  try {
    const dir = join(core!.work, name);
    mkdirSync(dir);
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name, private: true, type: "module" }),
    );
    execFileSync("cp", ["-a", "--link", join(inject("template"), "node_modules"), dir]);
    const consumerTests = join(here, "..");
    return {
      dir,
      link: (dep) => linkDependency(dir, dep, consumerTests),
      dispose: () => core!.dispose(),
    };
  } catch (error) {
    core!.dispose();
    throw error;
  }
}

/** The result of one compiler run. */
export interface TscRun {
  status: number | null;
  /** Every `file(line,col): error TSxxxx: message` diagnostic, continuation lines joined. */
  diagnostics: { file: string; line: number; message: string }[];
  /** Diagnostics without a file (`error TS5xxx: ...`). */
  global: string[];
  /** The files in the program (`--listFiles`). */
  files: string[];
  output: string;
}

/** The `tsc` of the compiler package `from` (e.g. "typescript") and its arguments for `project`. */
function tscCommand(from: string, tsconfig: string): string[] {
  const compiler = dirname(require.resolve(`${from}/package.json`));
  // TypeScript 7 checks on one thread: its threads cost more CPU in all (a sixth more over every
  // declaration file in the program) and the matrix already runs two compilers at once.
  const threads = from === "typescript" ? ["--singleThreaded"] : [];
  return [
    join(compiler, "bin", "tsc"),
    "-p",
    tsconfig,
    "--pretty",
    "false",
    "--listFiles",
    ...threads,
  ];
}

/** Runs the `tsc` of the compiler package `from` (e.g. "typescript") over `project`. */
export function runTsc(from: string, project: string, tsconfig: string): TscRun {
  const run = spawnSync(process.execPath, tscCommand(from, tsconfig), {
    cwd: project,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return parseTsc(run.status, `${run.stdout}${run.stderr}`);
}

/** `node <args>` in `cwd` without blocking the test file: its exit status and its output. */
function runNode(args: string[], cwd: string): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, out }));
  });
}

/** {@link runTsc} without blocking the test file, so that compilers can run side by side. */
export async function runTscAsync(
  from: string,
  project: string,
  tsconfig: string,
): Promise<TscRun> {
  const run = await runNode(tscCommand(from, tsconfig), project);
  return parseTsc(run.status, run.out);
}

/**
 * Several tsconfigs over `project` on the JavaScript compiler `from` (5.x or 6.x) in one process
 * (compile-cells.mjs: each its own program, the declaration files parsed once), each reported as
 * {@link runTsc} would. `oursOnly`: with skipLibCheck off, only our packages' declarations and the
 * consumer code are checked.
 */
export async function runCellsAsync(
  from: string,
  project: string,
  cells: readonly { tsconfig: string; oursOnly: boolean }[],
): Promise<TscRun[]> {
  const compiler = dirname(require.resolve(`${from}/package.json`));
  const args = cells.map((c) => (c.oursOnly ? `ours:${c.tsconfig}` : c.tsconfig));
  const run = await runNode([join(here, "compile-cells.mjs"), compiler, ...args], project);
  const line = run.out.trimEnd().split("\n").at(-1) ?? "";
  let results: { output: string; status: number }[] | undefined;
  try {
    results = JSON.parse(line) as typeof results;
  } catch {
    results = undefined;
  }
  if (run.status !== 0 || results?.length !== cells.length) {
    throw new Error(`compile-cells.mjs on ${from} exited ${run.status}:\n${run.out}`);
  }
  return results.map((r) => parseTsc(r.status, r.output));
}

/** Reads a `tsc --pretty false --listFiles` run's output. */
function parseTsc(status: number | null, output: string): TscRun {
  const result: TscRun = { status, diagnostics: [], global: [], files: [], output };
  let last: TscRun["diagnostics"][number] | undefined;
  for (const line of output.split("\n")) {
    const diagnostic = /^(.+?)\((\d+),\d+\): error (TS\d+: .*)$/.exec(line);
    const global = /^error (TS\d+: .*)$/.exec(line);
    if (diagnostic) {
      last = { file: diagnostic[1]!, line: Number(diagnostic[2]), message: diagnostic[3]! };
      result.diagnostics.push(last);
    } else if (global) {
      result.global.push(global[1]!);
      last = undefined;
    } else if (/^\s+\S/.test(line) && last) {
      last.message += ` ${line.trim()}`; // a message's continuation line
    } else if (line.startsWith("/")) {
      result.files.push(line.trim());
      last = undefined;
    }
  }
  return result;
}
